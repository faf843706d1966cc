// The command-line HTTP client: Boost.Beast over one keep-alive TCP connection. Every
// operation is started asynchronously and the io_context is run until it completes, which
// is how Beast's per-operation timeouts (tcp_stream::expires_after) apply to a synchronous
// caller.
#include "app/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <chrono>
#include <optional>

namespace sl::app {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr uint64_t kMaxReplyBytes = 256ull << 20;  // a page of entries is far smaller

Error unreachable(const std::string& url, const std::string& what) {
  return Error{Code::kUnavailable, "unreachable", "无法连接 " + url + ": " + what, {}};
}

}  // namespace

struct HttpClient::Impl {
  std::string base_url, host, port, prefix, host_header;
  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  // Runs the io_context until the started operation completes.
  void run() {
    ioc.run();
    ioc.restart();
  }

  void close() {
    if (stream) {
      beast::error_code ec;
      stream->socket().shutdown(tcp::socket::shutdown_both, ec);
      stream->close();
    }
    stream.reset();
    buffer.clear();
  }

  Status open() {
    close();
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    auto endpoints = resolver.resolve(host, port, ec);
    if (ec) return unreachable(base_url, ec.message());
    stream.emplace(ioc);
    stream->expires_after(timeout);
    stream->async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) {
      close();
      return unreachable(base_url, ec.message());
    }
    return Ok();
  }

  // One exchange on the open connection; false in `fresh_failure` means the failure may be a
  // keep-alive connection the server had closed (worth one retry on a new connection).
  Result<HttpReply> exchange(http::request<http::string_body>& req) {
    beast::error_code ec;
    stream->expires_after(timeout);
    http::async_write(*stream, req, [&](beast::error_code e, size_t) { ec = e; });
    run();
    if (ec) return unreachable(base_url, ec.message());
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxReplyBytes);
    stream->expires_after(timeout);
    http::async_read(*stream, buffer, parser, [&](beast::error_code e, size_t) { ec = e; });
    run();
    if (ec) return unreachable(base_url, ec.message());
    auto res = parser.release();
    HttpReply reply;
    reply.status = static_cast<int>(res.result_int());
    reply.content_type = std::string(res[http::field::content_type]);
    reply.body = std::move(res.body());
    if (!res.keep_alive()) close();
    return reply;
  }

  Result<HttpReply> request(http::verb method, std::string_view target, std::string_view content_type,
                            std::string_view body) {
    http::request<http::string_body> req{method, prefix + std::string(target), 11};
    req.set(http::field::host, host_header);
    req.set(http::field::user_agent, "shangliang-cli");
    req.set(http::field::accept, "application/json, text/plain, */*");
    req.keep_alive(true);
    if (method != http::verb::get) {
      req.set(http::field::content_type, content_type);
      req.body() = std::string(body);
      req.prepare_payload();
    }
    bool reused = stream.has_value();
    if (!reused) SL_TRY(open());
    auto r = exchange(req);
    if (!r.ok() && reused) {
      // The server may have closed the idle connection: once more on a new one.
      SL_TRY(open());
      r = exchange(req);
    }
    if (!r.ok()) close();
    return r;
  }
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() {
  if (impl_) impl_->close();
}

Result<std::unique_ptr<HttpClient>> HttpClient::create(std::string_view base_url, int timeout_ms) {
  auto bad = [&](std::string why) { return Error::Invalid("invalid_url", "地址无效 (" + std::string(base_url) + "): " + why); };
  auto u = boost::urls::parse_uri(base_url);
  if (!u) return bad("须为 http://主机:端口");
  if (u->scheme() != "http") return bad("只支持 http:// (https 请经由反向代理或隧道)");
  if (!u->has_authority() || u->encoded_host().empty()) return bad("缺少主机");
  auto impl = std::make_unique<Impl>();
  impl->base_url = std::string(base_url);
  impl->host = std::string(u->host_address());
  impl->port = u->has_port() ? std::string(u->port()) : "80";
  impl->host_header = std::string(u->encoded_host_and_port());
  impl->prefix = std::string(u->encoded_path());
  while (!impl->prefix.empty() && impl->prefix.back() == '/') impl->prefix.pop_back();
  impl->timeout = std::chrono::milliseconds(timeout_ms);
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

Result<HttpReply> HttpClient::get(std::string_view target) { return impl_->request(http::verb::get, target, "", ""); }

Result<HttpReply> HttpClient::post(std::string_view target, std::string_view content_type, std::string_view body) {
  return impl_->request(http::verb::post, target, content_type, body);
}

const std::string& HttpClient::base_url() const { return impl_->base_url; }

Error reply_error(const HttpReply& reply, std::string_view what) {
  Code code = reply.status >= 500 ? Code::kUnavailable : Code::kUnprocessable;
  std::string slug = "http_" + std::to_string(reply.status), detail;
  if (reply.content_type.find("json") != std::string::npos) {
    boost::system::error_code ec;
    auto v = boost::json::parse(reply.body, ec);
    if (!ec && v.is_object()) {
      if (auto* c = v.as_object().if_contains("code"); c && c->is_string()) slug = std::string(c->as_string());
      if (auto* d = v.as_object().if_contains("detail"); d && d->is_string()) detail = std::string(d->as_string());
    }
  }
  std::string msg = std::string(what) + ": HTTP " + std::to_string(reply.status);
  if (!detail.empty()) msg += " " + detail;
  return Error{code, slug, msg, {}};
}

}  // namespace sl::app
