// Small encoding helpers: base64url, hex, SHA-256.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sl {

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);
std::string hex_encode(std::string_view bytes);
std::string sha256(std::string_view data);      // 32 raw bytes
std::string sha256_hex(std::string_view data);  // 64 hex chars

}  // namespace sl
