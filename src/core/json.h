// JSON helpers over Boost.JSON for request bodies: parse an object, read typed fields with
// clear errors (field name + expectation), and serialise.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sl::json {

namespace bj = boost::json;

// Parses a request body that must be a JSON object (size limits are the server's job).
Result<bj::object> parse_object(std::string_view body);
std::string serialize(const bj::value& v);

// Field readers: missing → nullopt (or error when required); wrong type → kInvalidArgument.
Result<std::optional<std::string>> opt_string(const bj::object& o, std::string_view key, size_t max_len = 1000);
Result<std::string> req_string(const bj::object& o, std::string_view key, size_t max_len = 1000);
Result<std::optional<int64_t>> opt_int(const bj::object& o, std::string_view key);
Result<int64_t> req_int(const bj::object& o, std::string_view key);
Result<std::optional<bool>> opt_bool(const bj::object& o, std::string_view key);

// Number of Unicode code points in UTF-8 text; nullopt if the bytes are not valid UTF-8.
std::optional<size_t> utf8_length(std::string_view s);

// Cursor pagination: opaque cursor <-> last seen id.
std::string encode_cursor(int64_t last_id);
Result<int64_t> decode_cursor(std::string_view cursor);
// limit query parameter: default 50, 1..200.
Result<int> parse_limit(const std::optional<std::string>& v, int def = 50, int max = 200);

}  // namespace sl::json
