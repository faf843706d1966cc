// HttpRequest/HttpResponse helpers and the one table mapping error codes to HTTP statuses
// and problem+json bodies (RFC 9457).
#include "net/http.h"

#include <unistd.h>

#include <boost/json.hpp>

#include "net/websocket.h"  // valid_utf8

namespace sl::net {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

std::string percent_decode(std::string_view in, bool plus_as_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      int hi = hex_value(in[i + 1]);
      int lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_as_space && c == '+' ? ' ' : c);
  }
  return out;
}

FileBody::~FileBody() {
  if (fd >= 0) ::close(fd);
}

// ---------------------------------------------------------------------------------------
// HttpRequest

std::string_view HttpRequest::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

std::optional<std::string> HttpRequest::query_param(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view raw_key = pair.substr(0, eq);
    std::string_view raw_value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    // Fast path: keys are nearly always plain ASCII.
    bool plain = raw_key.find_first_of("%+") == std::string_view::npos;
    if (plain ? raw_key == name : percent_decode(raw_key, true) == name) {
      return percent_decode(raw_value, true);
    }
  }
  return std::nullopt;
}

std::string_view HttpRequest::path_param(std::string_view name) const {
  for (const auto& [k, v] : path_params) {
    if (k == name) return v;
  }
  return {};
}

std::optional<std::string> HttpRequest::cookie(std::string_view name) const {
  // Several Cookie headers are allowed on HTTP/2 hops; look at all of them.
  for (const auto& [hname, hvalue] : headers) {
    if (hname != "cookie") continue;
    std::string_view rest = hvalue;
    while (!rest.empty()) {
      size_t semi = rest.find(';');
      std::string_view pair = trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      if (trim(pair.substr(0, eq)) != name) continue;
      std::string_view value = trim(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return std::string(value);
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// HttpResponse

std::string_view HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequals(k, name)) return v;
  }
  return {};
}

HttpResponse HttpResponse::json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::no_content() {
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

HttpResponse HttpResponse::accept_websocket(std::shared_ptr<WsHandler> handler) {
  HttpResponse r;
  r.status = 101;
  r.content_type.clear();
  r.websocket = std::move(handler);
  return r;
}

namespace {

// Text for a JSON string: Boost.JSON writes the bytes it is given, so invalid UTF-8 (a request
// path like /%B1pi decodes to one) would make the whole problem body unparseable. Each byte
// that does not start a valid sequence becomes U+FFFD.
std::string utf8_or_replaced(std::string_view s) {
  if (valid_utf8(s)) return std::string(s);
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len > 0 && i + len <= s.size() && valid_utf8(s.substr(i, len))) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

HttpResponse make_problem(int status, std::string_view slug, std::string_view detail,
                          std::string_view instance, std::string_view details_json) {
  boost::json::object o;
  std::string retry_after;
  std::string type = "https://shangliang.org/problems/";
  type.append(slug);
  o["type"] = type;
  o["title"] = problem_title(status);
  o["status"] = status;
  o["detail"] = utf8_or_replaced(detail);
  o["code"] = slug;
  if (!instance.empty()) o["instance"] = utf8_or_replaced(instance);
  if (!details_json.empty()) {
    boost::json::error_code ec;
    boost::json::value extra = boost::json::parse(details_json, ec);
    if (!ec) {
      if (extra.is_object()) {
        // Extra members never override the standard ones.
        for (auto& [k, v] : extra.as_object()) {
          if (!o.contains(k)) o[k] = std::move(v);
        }
        // A problem that says when to come back also says it in the standard header.
        if (auto* ra = o.if_contains("retry_after_seconds"); ra && ra->is_int64() && ra->as_int64() > 0)
          retry_after = std::to_string(ra->as_int64());
      } else {
        o["details"] = std::move(extra);
      }
    }
  }
  HttpResponse r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = boost::json::serialize(o);
  if (!retry_after.empty()) r.set_header("Retry-After", retry_after);
  return r;
}

}  // namespace

HttpResponse HttpResponse::problem(const Error& e, std::string_view instance) {
  int status = status_for(e.code);
  std::string_view slug = e.slug.empty() ? slug_for(e.code) : std::string_view(e.slug);
  HttpResponse r = make_problem(status, slug, e.message, instance, e.details_json);
  if (e.code == Code::kRetry) r.set_header("Retry-After", "1");
  return r;
}

HttpResponse HttpResponse::problem(int status, std::string_view slug, std::string_view detail,
                                   std::string_view instance) {
  return make_problem(status, slug, detail, instance, {});
}

// ---------------------------------------------------------------------------------------
// The mapping table.

int status_for(Code code) {
  switch (code) {
    case Code::kInvalidArgument: return 400;
    case Code::kUnauthenticated: return 401;
    case Code::kForbidden: return 403;
    case Code::kNotFound: return 404;
    case Code::kGone: return 410;
    case Code::kConflict: return 409;
    case Code::kPreconditionFailed: return 412;
    case Code::kPayloadTooLarge: return 413;
    case Code::kUnsupportedMedia: return 415;
    case Code::kUnprocessable: return 422;
    case Code::kTooManyRequests: return 429;
    case Code::kRetry: return 503;
    case Code::kUnavailable: return 503;
    case Code::kInternal: return 500;
  }
  return 500;
}

std::string_view slug_for(Code code) {
  switch (code) {
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kUnauthenticated: return "unauthenticated";
    case Code::kForbidden: return "forbidden";
    case Code::kNotFound: return "not_found";
    case Code::kGone: return "gone";
    case Code::kConflict: return "conflict";
    case Code::kPreconditionFailed: return "precondition_failed";
    case Code::kPayloadTooLarge: return "payload_too_large";
    case Code::kUnsupportedMedia: return "unsupported_media_type";
    case Code::kUnprocessable: return "unprocessable";
    case Code::kTooManyRequests: return "too_many_requests";
    case Code::kRetry: return "retry";
    case Code::kUnavailable: return "unavailable";
    case Code::kInternal: return "internal";
  }
  return "internal";
}

std::string_view problem_title(int status) {
  switch (status) {
    case 400: return "请求无效";
    case 401: return "需要登录";
    case 403: return "没有权限";
    case 404: return "未找到";
    case 405: return "不支持该请求方法";
    case 408: return "请求超时";
    case 409: return "数据冲突";
    case 410: return "内容已删除";
    case 412: return "前提条件不满足";
    case 413: return "请求内容过大";
    case 415: return "不支持的内容类型";
    case 416: return "请求范围无效";
    case 422: return "内容无法处理";
    case 426: return "需要升级为 WebSocket";
    case 429: return "请求过于频繁";
    case 431: return "请求头过大";
    case 500: return "服务器内部错误";
    case 501: return "未实现";
    case 503: return "服务暂时不可用";
    default: return status >= 500 ? "服务器错误" : "请求错误";
  }
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 422: return "Unprocessable Content";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

}  // namespace sl::net
