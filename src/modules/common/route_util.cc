#include "modules/common/route_util.h"

#include <boost/json/serialize.hpp>

#include <charconv>
#include <cstdio>
#include <cstring>

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

Result<int64_t> cursor_param(const net::HttpRequest& req) {
  auto c = req.query_param("cursor");
  if (!c || c->empty()) return int64_t{0};
  return json::decode_cursor(*c);
}

Result<std::optional<int64_t>> opt_id_query(const net::HttpRequest& req, std::string_view name, int64_t min) {
  auto v = req.query_param(name);
  if (!v || v->empty()) return std::optional<int64_t>();
  int64_t x = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
  if (ec != std::errc() || end != v->data() + v->size() || x < min)
    return Error::Invalid("invalid_" + std::string(name), std::string(name) + (min >= 1 ? " 须为正整数编号" : " 须为编号"));
  return std::optional<int64_t>(x);
}

std::optional<std::string> opt_text_query(const net::HttpRequest& req, std::string_view name) {
  auto v = req.query_param(name);
  if (v && v->empty()) v.reset();
  return v;
}

boost::json::object page(boost::json::array items, std::optional<int64_t> next_after) {
  boost::json::object o;
  o["items"] = std::move(items);
  if (next_after) o["next_cursor"] = json::encode_cursor(*next_after);
  else o["next_cursor"] = nullptr;
  return o;
}

std::string etag_of(std::string_view body) {
  // Four independent multiply-xorshift lanes over 8-byte words, then the tail bytes, folded
  // together: a page of posts is ~100 KB, and byte-wise FNV-1a (one dependent multiply per
  // byte) spent ~150 µs on it. Not cryptographic: it tells versions of a body apart.
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  uint64_t lane[4] = {0x243F6A8885A308D3ull, 0x13198A2E03707344ull, 0xA4093822299F31D0ull, 0x082EFA98EC4E6C89ull};
  const char* p = body.data();
  size_t n = body.size(), i = 0;
  auto word = [p](size_t at) {
    uint64_t w;
    std::memcpy(&w, p + at, 8);
    return w;
  };
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 4; ++k) {
      lane[k] = (lane[k] ^ word(i + 8 * static_cast<size_t>(k))) * kMul;
      lane[k] ^= lane[k] >> 29;
    }
  uint64_t h = static_cast<uint64_t>(n) * kMul;
  for (int k = 0; k < 4; ++k) {
    h = (h ^ lane[k]) * kMul;
    h ^= h >> 31;
  }
  for (; i < n; ++i) {
    h = (h ^ static_cast<unsigned char>(p[i])) * 1099511628211ull;
  }
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 33;
  static const char kHex[] = "0123456789abcdef";
  std::string out(18, '"');
  for (int k = 0; k < 16; ++k) out[static_cast<size_t>(16 - k)] = kHex[(h >> (4 * k)) & 0xF];
  return out;
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
