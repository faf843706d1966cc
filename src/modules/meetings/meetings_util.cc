// The meeting module's helpers with no database: the check-in key file, QR code SVG, .ics text.
#include <qrencode.h>

#include <filesystem>
#include <fstream>

#include "core/encoding.h"
#include "modules/meetings/meetings.h"

namespace sl::meetings {

Result<std::string> load_or_create_key(const std::string& dir, Random& random) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error::Internal("cannot create " + dir + ": " + ec.message());
  std::string path = dir + "/checkin.key";
  if (fs::exists(path)) {
    std::ifstream in(path);
    std::string hex;
    in >> hex;
    if (hex.size() != 64) return Error::Internal(path + " is not a 64-hex-digit key");
    return hex;
  }
  std::string raw(32, '\0');
  random.fill(raw.data(), raw.size());
  std::string hex = hex_encode(raw);
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << hex << "\n";
    if (!out) return Error::Internal("cannot write " + tmp);
  }
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, ec);
  fs::rename(tmp, path, ec);
  if (ec) return Error::Internal("cannot write " + path + ": " + ec.message());
  return hex;
}

Result<std::string> qr_svg(std::string_view text) {
  std::string s(text);
  QRcode* q = QRcode_encodeString8bit(s.c_str(), 0, QR_ECLEVEL_M);
  if (!q) return Error::Internal("QR encoding failed");
  const int w = q->width, margin = 4, size = w + 2 * margin;
  std::string path;
  path.reserve(static_cast<size_t>(w) * w * 4);
  for (int y = 0; y < w; ++y)
    for (int x = 0; x < w; ++x)
      if (q->data[y * w + x] & 1)
        path += "M" + std::to_string(x + margin) + " " + std::to_string(y + margin) + "h1v1h-1z";
  QRcode_free(q);
  std::string n = std::to_string(size);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + n + " " + n +
         "\" shape-rendering=\"crispEdges\"><rect width=\"" + n + "\" height=\"" + n + "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" +
         path + "\"/></svg>";
}

namespace {

// RFC 5545 TEXT: backslash, semicolon, comma escaped; newlines as \n.
std::string ics_text(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '\\' || ch == ';' || ch == ',') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch != '\r') {
      out += ch;
    }
  }
  return out;
}

std::string ics_time(TimeMs t) {
  // 2026-05-01T10:00:00Z → 20260501T100000Z
  std::string iso = format_iso8601(t);
  std::string out;
  for (char ch : iso.substr(0, 19))
    if (ch != '-' && ch != ':') out += ch;
  return out + "Z";
}

// Folds a content line at 75 octets, never inside a UTF-8 sequence.
void add_line(std::string& out, const std::string& line) {
  size_t pos = 0, limit = 75;
  while (line.size() - pos > limit) {
    size_t cut = pos + limit;
    while (cut > pos && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    out.append(line, pos, cut - pos);
    out += "\r\n ";
    pos = cut;
    limit = 74;  // the leading space counts
  }
  out.append(line, pos, std::string::npos);
  out += "\r\n";
}

}  // namespace

std::string ics_calendar(const IcsEvent& e) {
  std::string out;
  add_line(out, "BEGIN:VCALENDAR");
  add_line(out, "VERSION:2.0");
  add_line(out, "PRODID:-//Shangliang//Meetings//ZH");
  add_line(out, "CALSCALE:GREGORIAN");
  add_line(out, e.cancelled ? "METHOD:CANCEL" : "METHOD:PUBLISH");
  add_line(out, "BEGIN:VEVENT");
  add_line(out, "UID:" + e.uid);
  add_line(out, "DTSTAMP:" + ics_time(e.stamp));
  add_line(out, "DTSTART:" + ics_time(e.starts_at));
  add_line(out, "DTEND:" + ics_time(e.ends_at));
  add_line(out, "SUMMARY:" + ics_text(e.summary));
  if (!e.description.empty()) add_line(out, "DESCRIPTION:" + ics_text(e.description));
  if (!e.location.empty()) add_line(out, "LOCATION:" + ics_text(e.location));
  if (!e.url.empty()) add_line(out, "URL:" + e.url);
  add_line(out, std::string("STATUS:") + (e.cancelled ? "CANCELLED" : "CONFIRMED"));
  add_line(out, "END:VEVENT");
  add_line(out, "END:VCALENDAR");
  return out;
}

}  // namespace sl::meetings
