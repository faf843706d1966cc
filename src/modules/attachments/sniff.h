// What an uploaded file is, judged from its bytes alone — never from its name or the
// Content-Type the client sent. libmagic (MAGIC_MIME_TYPE) names the format; where it only
// names a family (WebM and MP4 are "video/..." even when they hold nothing but a voice
// recording; an old PowerPoint file without a summary stream is a bare "OLE storage"), a
// small look inside the container decides. Then a whitelist maps the format to one of three
// kinds. Thread-safe (libmagic handles are per thread).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sl::attachments {

enum class Kind { kDocument, kImage, kVoice };
std::string_view kind_name(Kind k);  // "document", "image", "voice"
std::optional<Kind> parse_kind(std::string_view s);

struct Sniffed {
  std::string mime;  // what the file is served as, e.g. "audio/webm"
  Kind kind = Kind::kDocument;
};

// The whitelist: PDF; Word, Excel, PowerPoint (97–2003 and OOXML); OpenDocument text,
// spreadsheet and presentation; plain text and CSV; JPEG, PNG, WebP, GIF; audio in WebM, Ogg,
// MP4/M4A, MP3 and WAV. Anything else, and WebM/MP4/Ogg holding video, is refused with
// unsupported_media_type (415).
Result<Sniffed> sniff(std::string_view bytes);

// libmagic's MIME type for the bytes ("application/octet-stream" if it cannot tell).
std::string magic_mime(std::string_view bytes);

// Looks inside containers (exposed for tests).
enum class Tracks { kUnknown, kAudioOnly, kHasVideo };
Tracks webm_tracks(std::string_view bytes);  // Matroska/WebM: TrackType of each TrackEntry
Tracks mp4_tracks(std::string_view bytes);   // ISO BMFF: handler type of each trak
// The Office type of a compound file from its stream names (WordDocument, Workbook, Book,
// PowerPoint Document), e.g. "application/vnd.ms-powerpoint"; nothing if none is there.
std::optional<std::string> cfb_office_type(std::string_view bytes);

// A file extension for a served MIME type, e.g. ".webm" (empty if unknown).
std::string_view extension_for(std::string_view mime);

}  // namespace sl::attachments
