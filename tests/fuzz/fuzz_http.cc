// Fuzz target: raw bytes as they arrive on one connection, through the server's request
// parser, the router, the middleware and the real handlers (net::serve_bytes), on the demo
// data. "@admin@", "@staff@", "@member@" ... in the input become that demo person's session
// token, so the fuzzer reaches what signed-in people reach (the dictionary has them).
// Every answer: no 5xx, every 4xx a problem+json (fuzz_world.h check_response).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_world.h"
#include "net/server.h"

namespace {

std::string with_tokens(std::string_view in, const sl::fuzz::World& w) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    if (in[i] == '@') {
      size_t end = in.find('@', i + 1);
      if (end != std::string_view::npos && end - i <= 16) {
        auto it = w.tokens.find(in.substr(i + 1, end - i - 1));
        if (it != w.tokens.end()) {
          out += it->second;
          i = end + 1;
          continue;
        }
      }
    }
    out += in[i++];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sl::fuzz::world();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& w = sl::fuzz::world();
  std::string bytes = with_tokens({reinterpret_cast<const char*>(data), size}, w);
  for (const auto& r : sl::net::serve_bytes(bytes, w.server, w.app->router())) {
    // An accepted WebSocket upgrade (the live endpoint) is fuzz_live's; here only its 101.
    if (r.status == 101 && r.websocket) continue;
    sl::fuzz::check_response(r, "http");
  }
  return 0;
}
