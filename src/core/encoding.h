// Small encoding helpers: base64url, hex, SHA-256.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace sl {

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);
std::string hex_encode(std::string_view bytes);
std::string sha256(std::string_view data);      // 32 raw bytes
std::string sha256_hex(std::string_view data);  // 64 hex chars
// SHA-256 of the concatenation of `parts` into out[0..32), thread-safe. The one SHA-256 of
// the code base: the digest is fetched from OpenSSL once (EVP_MD_fetch) and each thread keeps
// its own context, because OpenSSL 3 looks the algorithm up in its provider tables on every
// EVP_Digest(..., EVP_sha256(), ...) call, which costs more than hashing a short message.
void sha256_into(std::initializer_list<std::string_view> parts, unsigned char* out);

}  // namespace sl
