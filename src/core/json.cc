#include "core/json.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>

#include "core/encoding.h"

namespace sl::json {

Result<bj::object> parse_object(std::string_view body) {
  boost::system::error_code ec;
  bj::value v = bj::parse(body, ec);
  if (ec) return Error::Invalid("invalid_json", "请求体不是合法的 JSON");
  if (!v.is_object()) return Error::Invalid("invalid_json", "请求体必须是 JSON 对象");
  return std::move(v.as_object());
}

std::string serialize(const bj::value& v) { return bj::serialize(v); }

std::optional<size_t> utf8_length(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return std::nullopt;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return std::nullopt;
    i += len;
    ++n;
  }
  return n;
}

Result<std::optional<std::string>> opt_string(const bj::object& o, std::string_view key, size_t max_len) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>();
  if (!it->value().is_string()) return Error::Invalid("invalid_field", std::string(key) + " 必须是字符串");
  std::string s(it->value().as_string());
  auto len = utf8_length(s);
  if (!len) return Error::Invalid("invalid_field", std::string(key) + " 不是合法的 UTF-8 文本");
  if (*len > max_len) return Error::Invalid("field_too_long", std::string(key) + " 过长（最多 " + std::to_string(max_len) + " 字）");
  return std::optional<std::string>(std::move(s));
}

Result<std::string> req_string(const bj::object& o, std::string_view key, size_t max_len) {
  SL_ASSIGN(auto v, opt_string(o, key, max_len));
  if (!v || v->find_first_not_of(" \t\r\n") == std::string::npos)
    return Error::Invalid("missing_field", "缺少必填字段 " + std::string(key));
  return std::move(*v);
}

Result<std::optional<int64_t>> opt_int(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<int64_t>();
  const auto& v = it->value();
  if (v.is_int64()) return std::optional<int64_t>(v.as_int64());
  if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(INT64_MAX))
    return std::optional<int64_t>(static_cast<int64_t>(v.as_uint64()));
  return Error::Invalid("invalid_field", std::string(key) + " 必须是整数");
}

Result<int64_t> req_int(const bj::object& o, std::string_view key) {
  SL_ASSIGN(auto v, opt_int(o, key));
  if (!v) return Error::Invalid("missing_field", "缺少必填字段 " + std::string(key));
  return *v;
}

Result<std::optional<bool>> opt_bool(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<bool>();
  if (!it->value().is_bool()) return Error::Invalid("invalid_field", std::string(key) + " 必须是 true 或 false");
  return std::optional<bool>(it->value().as_bool());
}

std::string encode_cursor(int64_t last_id) { return base64url_encode("i:" + std::to_string(last_id)); }

Result<int64_t> decode_cursor(std::string_view cursor) {
  auto raw = base64url_decode(cursor);
  if (!raw || raw->rfind("i:", 0) != 0) return Error::Invalid("invalid_cursor", "分页游标无效");
  int64_t v = 0;
  auto [p, ec] = std::from_chars(raw->data() + 2, raw->data() + raw->size(), v);
  if (ec != std::errc() || p != raw->data() + raw->size()) return Error::Invalid("invalid_cursor", "分页游标无效");
  return v;
}

Result<int> parse_limit(const std::optional<std::string>& v, int def, int max) {
  if (!v) return def;
  int x = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
  if (ec != std::errc() || p != v->data() + v->size() || x < 1 || x > max)
    return Error::Invalid("invalid_limit", "limit 必须在 1 到 " + std::to_string(max) + " 之间");
  return x;
}

}  // namespace sl::json
