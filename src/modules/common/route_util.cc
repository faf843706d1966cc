#include "modules/common/route_util.h"

#include <boost/json/serialize.hpp>

#include <charconv>
#include <cstdio>

namespace sl::routes {

net::HttpResponse json(const boost::json::value& v, int status) {
  return net::HttpResponse::json(status, boost::json::serialize(v));
}

net::HttpResponse problem(const Error& e, const net::HttpRequest& req) {
  return net::HttpResponse::problem(e, req.path);
}

Result<int64_t> id_param(const net::HttpRequest& req, std::string_view name) {
  auto v = req.path_param(name);
  int64_t id = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), id);
  if (ec != std::errc() || p != v.data() + v.size() || id <= 0)
    return Error::NotFound("not_found", "资源不存在");
  return id;
}

boost::json::object page(boost::json::array items, std::optional<int64_t> next_after) {
  boost::json::object o;
  o["items"] = std::move(items);
  if (next_after) o["next_cursor"] = json::encode_cursor(*next_after);
  else o["next_cursor"] = nullptr;
  return o;
}

std::string etag_of(std::string_view body) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  for (unsigned char c : body) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

bool etag_listed(std::string_view list, std::string_view etag) {
  if (list == "*") return true;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    std::string_view tag = list.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

Result<boost::json::object> body_object(const net::HttpRequest& req) {
  auto ct = req.header("content-type");
  if (ct.substr(0, 16) != "application/json")
    return Error{Code::kInvalidArgument, "unsupported_media_type", "请求体须为 application/json", {}};
  return json::parse_object(req.body);
}

}  // namespace sl::routes
