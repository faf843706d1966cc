// Plain HTTP request/response values shared by the network layer and every module.
// Deliberately free of Boost.Beast/Asio so that module translation units stay light.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace sl::net {

using Headers = std::vector<std::pair<std::string, std::string>>;  // names lower-case

class WsHandler;  // net/websocket.h

struct HttpRequest {
  std::string method;       // "GET", "POST", ...
  std::string target;       // raw target, e.g. /api/v1/orgs?limit=10
  std::string path;         // decoded path without query
  std::string query;        // raw query string without '?'
  Headers headers;
  std::string body;
  std::string remote_addr;  // peer IP
  std::string request_id;   // X-Request-Id accepted or generated
  std::vector<std::pair<std::string, std::string>> path_params;  // filled by the router

  std::string_view header(std::string_view lower_name) const;
  // Decoded query parameter, first occurrence.
  std::optional<std::string> query_param(std::string_view name) const;
  std::string_view path_param(std::string_view name) const;
  // The value of a cookie, if present.
  std::optional<std::string> cookie(std::string_view name) const;
};

// A response body streamed from an open file: `length` bytes from `offset`. The network layer
// reads it in chunks while writing, so a large file never sits in memory whole. Owns the
// descriptor (closed on destruction); shared because responses are copied.
struct FileBody {
  FileBody(int fd, uint64_t offset, uint64_t length) : fd(fd), offset(offset), length(length) {}
  ~FileBody();
  FileBody(const FileBody&) = delete;
  FileBody& operator=(const FileBody&) = delete;
  const int fd;
  const uint64_t offset, length;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  Headers headers;  // extra headers (Set-Cookie, ETag, Location...)
  std::string body;
  // When set, sent instead of `body`: an immutable payload shared between responses
  // (static files served from the in-memory cache). Middleware should not rely on `body`
  // for such responses.
  std::shared_ptr<const std::string> shared_body;
  // Set (with status 101) by a WebSocket route that accepts the upgrade: the connection
  // becomes a WebSocket served by this handler. See net/websocket.h.
  std::shared_ptr<WsHandler> websocket;
  // When set, the body is streamed from this file instead (see serve_file in file_response.h);
  // `body` and `shared_body` are ignored.
  std::shared_ptr<const FileBody> file;

  // The bytes to send (shared_body if set, else body); empty for a file body.
  std::string_view payload() const { return shared_body ? std::string_view(*shared_body) : std::string_view(body); }
  // Content-Length of the body, whichever way it is held.
  uint64_t body_size() const { return file ? file->length : payload().size(); }

  void set_header(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
  std::string_view header(std::string_view name) const;

  static HttpResponse json(int status, std::string body);
  static HttpResponse no_content();
  // 101: accept a WebSocket upgrade (only from a Router::websocket route).
  static HttpResponse accept_websocket(std::shared_ptr<WsHandler> handler);
  // application/problem+json from an Error (status from the one mapping table).
  static HttpResponse problem(const Error& e, std::string_view instance = {});
  // problem+json for errors the HTTP layer raises itself (404 no route, 405, 431...).
  static HttpResponse problem(int status, std::string_view slug, std::string_view detail,
                              std::string_view instance = {});
};

int status_for(Code code);
// The default slug of a code, e.g. kNotFound -> "not_found".
std::string_view slug_for(Code code);
// Short zh-CN title for a status, e.g. 404 -> "未找到".
std::string_view problem_title(int status);
// Reason phrase for the status line, e.g. 404 -> "Not Found".
std::string_view reason_phrase(int status);

// Percent-decodes `in`; with plus_as_space, '+' becomes ' ' (query strings). Invalid
// escapes are kept verbatim.
std::string percent_decode(std::string_view in, bool plus_as_space);
// Case-insensitive ASCII comparison.
bool iequals(std::string_view a, std::string_view b);

}  // namespace sl::net
