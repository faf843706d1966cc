// Fuzz target: the live protocol (docs/api/live.md) as a client speaks it. Byte 0 picks who
// connects (fuzz_world.h kCallers); the connection is opened the real way (GET /api/v1/live
// with the upgrade headers through net::serve_bytes, the route's authentication, the hub's
// connect); the rest of the input, split at newlines, is the client's text messages
// (subscribe / unsubscribe / ping to rooms of every type, checked against the demo data).
// Messages the transport would never deliver (invalid UTF-8, longer than the limit) are
// skipped. Every frame the hub sends back must be a JSON object with a known "op".
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "fuzz_world.h"
#include "net/server.h"
#include "net/websocket.h"

namespace {

class FakeSession final : public sl::net::WsSession {
 public:
  Send send(std::shared_ptr<const std::string> text) override {
    std::lock_guard lk(mu);
    frames.push_back(std::move(text));
    return Send::kQueued;
  }
  void close(uint16_t, std::string_view) override {}
  uint64_t id() const override { return 1; }
  const std::string& remote_addr() const override { return addr; }

  std::mutex mu;
  std::vector<std::shared_ptr<const std::string>> frames;
  std::string addr = "192.0.2.9";
};

void check_frame(const std::string& frame) {
  static const std::set<std::string, std::less<>> ops = {"subscribed", "event",   "resync", "presence",
                                                         "error",      "pong",    "unsubscribed"};
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(frame, ec);
  if (ec || !v.is_object()) sl::fuzz::fail("live", "a frame that is not a JSON object: " + frame);
  const auto* op = v.as_object().if_contains("op");
  if (op == nullptr || !op->is_string() || !ops.count(std::string_view(op->as_string())))
    sl::fuzz::fail("live", "a frame with an unknown op: " + frame);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sl::fuzz::world();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  auto& w = sl::fuzz::world();
  const char* login = sl::fuzz::kCallers[data[0] % sl::fuzz::kCallerCount];
  std::string upgrade =
      "GET /api/v1/live HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
  if (*login != '\0') upgrade += "Authorization: Bearer " + w.tokens.at(login) + "\r\n";
  upgrade += "\r\n";
  auto answers = sl::net::serve_bytes(upgrade, w.server, w.app->router());
  if (answers.size() != 1 || answers[0].status != 101 || !answers[0].websocket)
    sl::fuzz::fail("live", "the upgrade was not accepted: " + std::to_string(answers.empty() ? 0 : answers[0].status) +
                               " " + (answers.empty() ? "" : answers[0].body));
  auto handler = answers[0].websocket;
  auto session = std::make_shared<FakeSession>();
  handler->on_open(session);

  const size_t max_message = static_cast<size_t>(w.app->config().live.max_message_bytes);
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view msg = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (msg.size() > max_message || !sl::net::valid_utf8(msg)) continue;
    handler->on_text(msg);
  }
  w.app->hub().flush_presence();
  w.app->hub().flush_held();
  handler->on_close();

  std::lock_guard lk(session->mu);
  for (const auto& f : session->frames) check_frame(*f);
  return 0;
}
