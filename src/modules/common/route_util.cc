#include "modules/common/route_util.h"

#include <boost/json/serialize.hpp>

#include <charconv>

namespace sl::routes {

net::HttpResponse json(const boost::json::value& v, int status) {
  return net::HttpResponse::json(status, boost::json::serialize(v));
}

net::HttpResponse problem(const Error& e, const net::HttpRequest& req) {
  return net::HttpResponse::problem(e, req.path);
}

net::HttpResponse reply_status(const net::HttpRequest& req, const Status& s, int status) {
  if (!s.ok()) return problem(s.error(), req);
  if (status == 204) return net::HttpResponse::no_content();
  return net::HttpResponse::json(status, "{}");
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

Result<boost::json::object> body_object(const net::HttpRequest& req) {
  auto ct = req.header("content-type");
  if (ct.substr(0, 16) != "application/json")
    return Error{Code::kInvalidArgument, "unsupported_media_type", "请求体须为 application/json", {}};
  return json::parse_object(req.body);
}

}  // namespace sl::routes
