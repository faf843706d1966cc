// serve_file and parse_range: see file_response.h.
#include "net/file_response.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <memory>
#include <utility>

namespace sl::net {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

enum class Num { kOk, kBad, kHuge };

// Digits only; kHuge when they do not fit in 64 bits.
Num parse_u64(std::string_view s, uint64_t& out) {
  if (s.empty()) return Num::kBad;
  for (char c : s)
    if (c < '0' || c > '9') return Num::kBad;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec == std::errc::result_out_of_range) return Num::kHuge;
  return ec == std::errc() && p == s.data() + s.size() ? Num::kOk : Num::kBad;
}

bool etag_listed(std::string_view list, std::string_view etag) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (item == "*") return true;
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);  // weak comparison for If-None-Match
    if (item == etag) return true;
  }
  return false;
}

// Owns a descriptor until it is handed to a FileBody.
struct Fd {
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  int release() { return std::exchange(fd, -1); }
  int fd;
};

}  // namespace

ByteRange parse_range(std::string_view header, uint64_t size) {
  ByteRange none;
  std::string_view h = trim(header);
  if (h.size() < 6 || !iequals(h.substr(0, 6), "bytes=")) return none;
  std::string_view spec = trim(h.substr(6));
  if (spec.find(',') != std::string_view::npos) return none;  // several ranges: send it all
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return none;
  std::string_view a = trim(spec.substr(0, dash)), b = trim(spec.substr(dash + 1));
  ByteRange r;
  if (a.empty()) {  // suffix: the last N bytes
    uint64_t n = 0;
    Num k = parse_u64(b, n);
    if (k == Num::kBad) return none;
    if (k == Num::kOk && n == 0) return {ByteRange::Kind::kUnsatisfiable, 0, 0};
    if (size == 0) return {ByteRange::Kind::kUnsatisfiable, 0, 0};
    if (k == Num::kHuge || n > size) n = size;
    return {ByteRange::Kind::kSatisfiable, size - n, size - 1};
  }
  uint64_t first = 0;
  Num kf = parse_u64(a, first);
  if (kf == Num::kBad) return none;
  uint64_t last = UINT64_MAX;
  if (!b.empty()) {
    Num kl = parse_u64(b, last);
    if (kl == Num::kBad) return none;
    if (kl == Num::kHuge) last = UINT64_MAX;
    if (kf == Num::kOk && last < first) return none;  // invalid: ignored
  }
  if (kf == Num::kHuge || first >= size) return {ByteRange::Kind::kUnsatisfiable, 0, 0};
  r.kind = ByteRange::Kind::kSatisfiable;
  r.first = first;
  r.last = last >= size ? size - 1 : last;
  return r;
}

Result<HttpResponse> serve_file(const HttpRequest& req, const FileServe& f) {
  Fd fd(::open(f.path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (fd.fd < 0 || ::fstat(fd.fd, &st) != 0 || !S_ISREG(st.st_mode)) return Error::NotFound("file_missing", "文件不存在");
  uint64_t size = static_cast<uint64_t>(st.st_size);

  HttpResponse r;
  r.content_type = f.content_type;
  r.set_header("ETag", f.etag);
  r.set_header("Accept-Ranges", "bytes");
  r.set_header("X-Content-Type-Options", "nosniff");
  if (!f.cache_control.empty()) r.set_header("Cache-Control", f.cache_control);

  std::string_view inm = req.header("if-none-match");
  if (!inm.empty() && etag_listed(inm, f.etag)) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  if (!f.content_disposition.empty()) r.set_header("Content-Disposition", f.content_disposition);

  ByteRange range;
  std::string_view range_header = req.header("range");
  if (!range_header.empty()) {
    std::string_view if_range = trim(req.header("if-range"));
    // If-Range with a strong ETag: the range only if it is still the same representation.
    if (if_range.empty() || if_range == f.etag) range = parse_range(range_header, size);
  }
  switch (range.kind) {
    case ByteRange::Kind::kUnsatisfiable: {
      HttpResponse u = HttpResponse::problem(416, "range_not_satisfiable",
                                             "请求的范围超出文件大小（" + std::to_string(size) + " 字节）", req.path);
      u.set_header("Content-Range", "bytes */" + std::to_string(size));
      u.set_header("Accept-Ranges", "bytes");
      return u;
    }
    case ByteRange::Kind::kSatisfiable: {
      uint64_t len = range.last - range.first + 1;
      r.status = 206;
      r.set_header("Content-Range",
                   "bytes " + std::to_string(range.first) + "-" + std::to_string(range.last) + "/" + std::to_string(size));
      r.file = std::make_shared<FileBody>(fd.release(), range.first, len);
      return r;
    }
    case ByteRange::Kind::kNone:
      break;
  }
  r.status = 200;
  r.file = std::make_shared<FileBody>(fd.release(), 0, size);
  return r;
}

}  // namespace sl::net
