// Serving a file from disk as an HTTP response: conditional requests (If-None-Match, If-Range)
// and single byte ranges (RFC 9110 §14), with the body streamed from an open descriptor
// (HttpResponse::file) instead of read into memory. Used for uploaded attachments, which may
// be large and are requested in ranges by <audio> and PDF viewers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "net/http.h"

namespace sl::net {

// A parsed Range header for a representation of `size` bytes.
struct ByteRange {
  enum class Kind {
    kNone,           // no usable Range header: send everything (200)
    kSatisfiable,    // send bytes [first, last] (206)
    kUnsatisfiable,  // 416 with Content-Range: bytes */size
  };
  Kind kind = Kind::kNone;
  uint64_t first = 0, last = 0;  // inclusive, when satisfiable
};

// "bytes=0-99", "bytes=100-", "bytes=-500". Anything else — another unit, a malformed or an
// inverted range, several ranges — is ignored (kNone), as RFC 9110 allows; a first byte at or
// past the end (or a zero-length suffix, or any range of an empty file) is unsatisfiable.
ByteRange parse_range(std::string_view header, uint64_t size);

struct FileServe {
  std::string path;                 // a regular file
  std::string content_type;
  std::string etag;                 // strong, quoted: "\"<sha256>\""
  std::string content_disposition;  // optional
  std::string cache_control;        // optional
};

// Answers a GET or HEAD for the file: 304 when If-None-Match lists the ETag; 206 with
// Content-Range for one satisfiable range (unless If-Range names another ETag), 416 for an
// unsatisfiable one, else 200. Always Accept-Ranges: bytes and X-Content-Type-Options: nosniff.
// NotFound if the file cannot be opened.
Result<HttpResponse> serve_file(const HttpRequest& req, const FileServe& f);

}  // namespace sl::net
