// Content sniffing: libmagic, then container inspection, then the whitelist. See sniff.h.
#include "modules/attachments/sniff.h"

#include <magic.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstdint>
#include <memory>

namespace sl::attachments {
namespace {

struct MagicCloser {
  void operator()(magic_set* m) const {
    if (m) magic_close(m);
  }
};

// One libmagic handle per thread: magic_t is not safe to share.
magic_t thread_magic() {
  thread_local std::unique_ptr<magic_set, MagicCloser> handle = [] {
    std::unique_ptr<magic_set, MagicCloser> m(magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR));
    if (m && magic_load(m.get(), nullptr) != 0) {
      spdlog::error("libmagic: cannot load the magic database: {}", magic_error(m.get()));
      m.reset();
    }
    return m;
  }();
  return handle.get();
}

struct Allowed {
  std::string_view magic;   // libmagic's name
  std::string_view served;  // what we serve it as
  Kind kind;
};

constexpr std::array<Allowed, 27> kAllowed = {{
    {"application/pdf", "application/pdf", Kind::kDocument},
    {"application/msword", "application/msword", Kind::kDocument},
    {"application/vnd.ms-excel", "application/vnd.ms-excel", Kind::kDocument},
    {"application/vnd.ms-powerpoint", "application/vnd.ms-powerpoint", Kind::kDocument},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Kind::kDocument},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Kind::kDocument},
    {"application/vnd.openxmlformats-officedocument.presentationml.presentation",
     "application/vnd.openxmlformats-officedocument.presentationml.presentation", Kind::kDocument},
    {"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.text", Kind::kDocument},
    {"application/vnd.oasis.opendocument.spreadsheet", "application/vnd.oasis.opendocument.spreadsheet", Kind::kDocument},
    {"application/vnd.oasis.opendocument.presentation", "application/vnd.oasis.opendocument.presentation",
     Kind::kDocument},
    {"text/plain", "text/plain", Kind::kDocument},
    {"text/csv", "text/csv", Kind::kDocument},
    {"image/jpeg", "image/jpeg", Kind::kImage},
    {"image/png", "image/png", Kind::kImage},
    {"image/webp", "image/webp", Kind::kImage},
    {"image/gif", "image/gif", Kind::kImage},
    {"audio/webm", "audio/webm", Kind::kVoice},
    {"audio/ogg", "audio/ogg", Kind::kVoice},
    {"audio/mp4", "audio/mp4", Kind::kVoice},
    {"audio/x-m4a", "audio/mp4", Kind::kVoice},
    {"audio/m4a", "audio/mp4", Kind::kVoice},
    {"audio/mpeg", "audio/mpeg", Kind::kVoice},
    {"audio/x-wav", "audio/wav", Kind::kVoice},
    {"audio/wav", "audio/wav", Kind::kVoice},
    {"audio/x-wave", "audio/wav", Kind::kVoice},
    {"audio/vnd.wave", "audio/wav", Kind::kVoice},
    {"audio/x-hx-aac-adts", "audio/aac", Kind::kVoice},
}};

Error unsupported(std::string_view what) {
  return Error{Code::kUnsupportedMedia, "unsupported_type",
               "不支持该文件类型（" + std::string(what) +
                   "）。可上传：PDF、Word、Excel、PowerPoint、OpenDocument 文档和纯文本，JPEG、PNG、WebP、GIF "
                   "图片，以及语音（WebM、Ogg、MP4/M4A、MP3、WAV）",
               {}};
}

// ---- Matroska / WebM (EBML) ----

// An EBML variable-length integer. For ids the length marker is kept; for sizes it is
// removed, and all value bits set means "unknown size".
bool read_vint(std::string_view b, size_t& pos, uint64_t& out, bool keep_marker, bool& unknown) {
  if (pos >= b.size()) return false;
  auto first = static_cast<uint8_t>(b[pos]);
  int len = 1;
  while (len <= 8 && !(first & (0x80 >> (len - 1)))) ++len;
  if (len > 8 || pos + static_cast<size_t>(len) > b.size()) return false;
  uint64_t v = keep_marker ? first : (first & (0xff >> len));
  bool all_ones = (v == static_cast<uint64_t>(0xff >> len));
  for (int i = 1; i < len; ++i) {
    auto byte = static_cast<uint8_t>(b[pos + static_cast<size_t>(i)]);
    v = (v << 8) | byte;
    all_ones = all_ones && byte == 0xff;
  }
  unknown = !keep_marker && all_ones;
  pos += static_cast<size_t>(len);
  out = v;
  return true;
}

constexpr uint64_t kEbmlHeader = 0x1A45DFA3, kSegment = 0x18538067, kTracks = 0x1654AE6B, kTrackEntry = 0xAE,
                   kTrackType = 0x83, kCluster = 0x1F43B675;

}  // namespace

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::kDocument: return "document";
    case Kind::kImage: return "image";
    case Kind::kVoice: return "voice";
  }
  return "document";
}

std::optional<Kind> parse_kind(std::string_view s) {
  if (s == "document") return Kind::kDocument;
  if (s == "image") return Kind::kImage;
  if (s == "voice") return Kind::kVoice;
  return std::nullopt;
}

std::string magic_mime(std::string_view bytes) {
  magic_t m = thread_magic();
  if (!m) return "application/octet-stream";
  const char* r = magic_buffer(m, bytes.data(), bytes.size());
  if (!r) return "application/octet-stream";
  return r;
}

Tracks webm_tracks(std::string_view b) {
  size_t pos = 0;
  bool audio = false, video = false;
  // Descends into Segment, Tracks and TrackEntry; skips everything else by its size.
  uint64_t id = 0, size = 0;
  bool unknown = false;
  // The EBML header.
  if (!read_vint(b, pos, id, true, unknown) || id != kEbmlHeader) return Tracks::kUnknown;
  if (!read_vint(b, pos, size, false, unknown) || unknown || size > b.size() - pos) return Tracks::kUnknown;
  pos += static_cast<size_t>(size);
  // The Segment (its size is often unknown: MediaRecorder streams it).
  if (!read_vint(b, pos, id, true, unknown) || id != kSegment) return Tracks::kUnknown;
  if (!read_vint(b, pos, size, false, unknown)) return Tracks::kUnknown;
  size_t seg_end = (unknown || size > b.size() - pos) ? b.size() : pos + static_cast<size_t>(size);
  while (pos < seg_end) {
    if (!read_vint(b, pos, id, true, unknown) || !read_vint(b, pos, size, false, unknown)) break;
    if (id == kCluster) break;  // media data: the tracks come before it
    if (unknown) break;
    size_t end = size > seg_end - pos ? seg_end : pos + static_cast<size_t>(size);
    if (id == kTracks) {
      size_t p = pos;
      while (p < end) {
        uint64_t eid = 0, esize = 0;
        if (!read_vint(b, p, eid, true, unknown) || !read_vint(b, p, esize, false, unknown) || unknown) break;
        size_t eend = esize > end - p ? end : p + static_cast<size_t>(esize);
        if (eid == kTrackEntry) {
          size_t q = p;
          while (q < eend) {
            uint64_t fid = 0, fsize = 0;
            if (!read_vint(b, q, fid, true, unknown) || !read_vint(b, q, fsize, false, unknown) || unknown) break;
            if (fsize > eend - q) break;
            if (fid == kTrackType && fsize >= 1 && fsize <= 8) {
              uint64_t type = 0;
              for (size_t i = 0; i < fsize; ++i) type = (type << 8) | static_cast<uint8_t>(b[q + i]);
              if (type == 1) video = true;
              else if (type == 2) audio = true;
              else video = true;  // complex, logo, subtitle...: not a plain voice recording
            }
            q += static_cast<size_t>(fsize);
          }
        }
        p = eend;
      }
    }
    pos = end;
  }
  if (video) return Tracks::kHasVideo;
  return audio ? Tracks::kAudioOnly : Tracks::kUnknown;
}

namespace {

// Walks the boxes in [pos, end); for moov/trak/mdia descends, for hdlr records the handler.
void walk_boxes(std::string_view b, size_t pos, size_t end, int depth, bool& audio, bool& video) {
  while (pos + 8 <= end && depth < 6) {
    uint64_t size = (static_cast<uint64_t>(static_cast<uint8_t>(b[pos])) << 24) |
                    (static_cast<uint64_t>(static_cast<uint8_t>(b[pos + 1])) << 16) |
                    (static_cast<uint64_t>(static_cast<uint8_t>(b[pos + 2])) << 8) |
                    static_cast<uint64_t>(static_cast<uint8_t>(b[pos + 3]));
    std::string_view type = b.substr(pos + 4, 4);
    size_t header = 8;
    if (size == 1) {  // 64-bit size follows
      if (pos + 16 > end) return;
      size = 0;
      for (size_t i = 0; i < 8; ++i) size = (size << 8) | static_cast<uint8_t>(b[pos + 8 + i]);
      header = 16;
    } else if (size == 0) {
      size = end - pos;  // to the end
    }
    if (size < header || size > end - pos) return;
    size_t body = pos + header, box_end = pos + static_cast<size_t>(size);
    if (type == "moov" || type == "trak" || type == "mdia") {
      walk_boxes(b, body, box_end, depth + 1, audio, video);
    } else if (type == "hdlr" && box_end - body >= 12) {
      std::string_view handler = b.substr(body + 8, 4);  // after version/flags and pre_defined
      if (handler == "soun") audio = true;
      else if (handler == "vide") video = true;
    }
    pos = box_end;
  }
}

}  // namespace

Tracks mp4_tracks(std::string_view b) {
  bool audio = false, video = false;
  walk_boxes(b, 0, b.size(), 0, audio, video);
  if (video) return Tracks::kHasVideo;
  return audio ? Tracks::kAudioOnly : Tracks::kUnknown;
}

std::optional<std::string> cfb_office_type(std::string_view b) {
  static constexpr std::string_view kMagic = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
  if (b.substr(0, 8) != kMagic) return std::nullopt;
  // Directory entries are 128 bytes, aligned to 128 from the start of the file (sectors are
  // 512 or 4096 bytes after a 512-byte header): look at each for a stream with a known name.
  for (size_t off = 512; off + 128 <= b.size(); off += 128) {
    auto name_len = static_cast<size_t>(static_cast<uint8_t>(b[off + 64]) | (static_cast<uint8_t>(b[off + 65]) << 8));
    auto type = static_cast<uint8_t>(b[off + 66]);
    if (type != 2 || name_len < 4 || name_len > 64 || name_len % 2 != 0) continue;
    std::string name;
    bool ascii = true;
    for (size_t i = 0; i + 2 < name_len; i += 2) {  // without the terminating NUL
      char lo = b[off + i], hi = b[off + i + 1];
      if (hi != 0 || lo < 0x20 || lo > 0x7e) {
        ascii = false;
        break;
      }
      name += lo;
    }
    if (!ascii) continue;
    if (name == "WordDocument") return "application/msword";
    if (name == "Workbook" || name == "Book") return "application/vnd.ms-excel";
    if (name == "PowerPoint Document") return "application/vnd.ms-powerpoint";
  }
  return std::nullopt;
}

Result<Sniffed> sniff(std::string_view bytes) {
  std::string m = magic_mime(bytes);
  if (m == "video/webm" || m == "audio/webm") {
    Tracks t = webm_tracks(bytes);
    if (t == Tracks::kAudioOnly) return Sniffed{"audio/webm", Kind::kVoice};
    if (t == Tracks::kHasVideo) return unsupported("视频 WebM");
    return unsupported("无法识别的 WebM");
  }
  if (m == "video/mp4" || m == "audio/mp4" || m == "audio/x-m4a" || m == "video/quicktime" || m == "video/3gpp") {
    Tracks t = mp4_tracks(bytes);
    if (t == Tracks::kAudioOnly) return Sniffed{"audio/mp4", Kind::kVoice};
    if (t == Tracks::kHasVideo) return unsupported("视频 MP4");
    if (m == "audio/x-m4a" || m == "audio/mp4") return Sniffed{"audio/mp4", Kind::kVoice};
    return unsupported("无法识别的 MP4");
  }
  if (m == "application/x-ole-storage" || m == "application/CDFV2") {
    if (auto office = cfb_office_type(bytes)) return Sniffed{*office, Kind::kDocument};
    return unsupported(m);
  }
  for (const Allowed& a : kAllowed) {
    if (a.magic == m) return Sniffed{std::string(a.served), a.kind};
  }
  return unsupported(m);
}

std::string_view extension_for(std::string_view mime) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 20> kExt = {{
      {"application/pdf", ".pdf"},
      {"application/msword", ".doc"},
      {"application/vnd.ms-excel", ".xls"},
      {"application/vnd.ms-powerpoint", ".ppt"},
      {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"},
      {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"},
      {"application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"},
      {"application/vnd.oasis.opendocument.text", ".odt"},
      {"application/vnd.oasis.opendocument.spreadsheet", ".ods"},
      {"application/vnd.oasis.opendocument.presentation", ".odp"},
      {"text/plain", ".txt"},
      {"text/csv", ".csv"},
      {"image/jpeg", ".jpg"},
      {"image/png", ".png"},
      {"image/webp", ".webp"},
      {"image/gif", ".gif"},
      {"audio/webm", ".webm"},
      {"audio/ogg", ".ogg"},
      {"audio/mp4", ".m4a"},
      {"audio/mpeg", ".mp3"},
  }};
  for (const auto& [m, e] : kExt)
    if (m == mime) return e;
  if (mime == "audio/wav") return ".wav";
  if (mime == "audio/aac") return ".aac";
  return {};
}

}  // namespace sl::attachments
