// libcurl, initialised once per process; used by the HTTP SMS gateway and the SMTP sender.
#pragma once

#include <string>
#include <string_view>

namespace sl::notifications::curl {

// curl_global_init, once (thread-safe).
void init();
// Escapes text for a JSON string (without the quotes).
std::string json_escape(std::string_view s);
// application/x-www-form-urlencoded escaping.
std::string form_escape(std::string_view s);

}  // namespace sl::notifications::curl
