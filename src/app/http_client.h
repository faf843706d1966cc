// A small synchronous HTTP/1.1 client for the command-line tools that talk to a running
// platform (`shangliang witness`, `shangliang ledger verify --url`). http:// only: put it
// behind a TLS-terminating proxy or an SSH tunnel to reach an https:// platform. One
// keep-alive connection, reopened when the server closed it. Boost.Beast stays inside
// http_client.cc.
//
// Thread-safety: none; one client per thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sl::app {

struct HttpReply {
  int status = 0;
  std::string content_type;
  std::string body;
  bool ok() const { return status >= 200 && status < 300; }
};

class HttpClient {
 public:
  // `base_url`: "http://host[:port][/prefix]". Invalid URLs and other schemes are refused
  // (Code::kInvalidArgument). Nothing is connected until the first request.
  static Result<std::unique_ptr<HttpClient>> create(std::string_view base_url, int timeout_ms = 15000);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // `target` is a path with its query, appended to the base URL's prefix. A connection or
  // timeout failure is Code::kUnavailable (slug "unreachable"); any HTTP status is a reply.
  Result<HttpReply> get(std::string_view target);
  Result<HttpReply> post(std::string_view target, std::string_view content_type, std::string_view body);

  const std::string& base_url() const;

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The error a non-2xx reply stands for: the problem+json slug and detail when there are
// some, else "http_<status>". Code: kUnavailable for 5xx, kUnprocessable otherwise.
Error reply_error(const HttpReply& reply, std::string_view what);

}  // namespace sl::app
