// WebSocket (RFC 6455, server side) as the rest of the code sees it: free of Beast and Asio.
//
// A route registered with Router::websocket answers an upgrade request like any other route
// (authentication, origin check) and accepts it by returning HttpResponse::upgrade(handler).
// The server then writes the 101 answer and the connection becomes a WebSocket: the handler
// gets on_open(session), on_text(message) for each complete text message, and on_close() once.
// The session queues outgoing text messages; the queue is bounded, and a peer too slow to keep
// up has its queue dropped (WsSession::Send::kOverflow) instead of growing memory.
//
// Text messages only (binary: close 1003), no extensions: permessage-deflate is never
// negotiated (it costs 15-128 KiB per connection). Pings are answered with pongs; the server
// pings a quiet peer and drops one that stays silent. The implementation (framing, the send
// queue, timeouts) is in websocket.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/http.h"

namespace sl::net {

struct WsOptions {
  size_t queue_max_frames = 256;          // messages waiting to be written; more: overflow
  size_t queue_max_bytes = 1024 * 1024;   // bytes waiting to be written; more: overflow
  size_t max_message_bytes = 16384;       // largest incoming message (after reassembly); more: close 1009
  int ping_interval_ms = 30000;           // ping a peer that has sent nothing for this long
  int idle_timeout_ms = 75000;            // close a peer silent this long, or a write stuck this long
  int close_timeout_ms = 2000;            // after sending a close frame, wait this long for the peer's
};

// One open WebSocket connection. Thread-safe: send() and close() may be called from any thread,
// also after the connection has gone (they then do nothing).
class WsSession {
 public:
  enum class Send {
    kQueued,    // will be written, in order
    kOverflow,  // the queue was full: it has been emptied (this message dropped too); the
                // message being written, if any, still completes. Tell the peer what it lost.
    kClosed,    // the connection is closing or gone
  };
  virtual ~WsSession() = default;
  // Queues one text message (valid UTF-8, e.g. JSON). The same message object may be handed
  // to many sessions: it is written as is, never copied.
  virtual Send send(std::shared_ptr<const std::string> text) = 0;
  // Starts the closing handshake (queued messages not yet written are dropped).
  virtual void close(uint16_t code, std::string_view reason) = 0;
  virtual uint64_t id() const = 0;
  virtual const std::string& remote_addr() const = 0;
};

// The application's side of one connection. The server calls it on the connection's network
// thread, or on the worker pool when the route is offloaded (Route::offload or
// Router::set_offload_all), but never twice at once for one connection, and in order:
// on_open, on_text..., on_close (always, exactly once, after the last on_text).
class WsHandler {
 public:
  virtual ~WsHandler() = default;
  virtual void on_open(const std::shared_ptr<WsSession>& session) = 0;
  // One complete text message, valid UTF-8, at most WsOptions::max_message_bytes.
  virtual void on_text(std::string_view message) = 0;
  virtual void on_close() = 0;
};

// True when the request asks for a WebSocket we can accept: GET, `Upgrade: websocket`,
// `Connection` listing `upgrade`, `Sec-WebSocket-Version: 13` and a key of 16 bytes in base64.
// (HTTP/1.1 is checked by the server, which knows the version.)
bool is_websocket_upgrade(const HttpRequest& req);
// Sec-WebSocket-Accept for a client's Sec-WebSocket-Key: base64(SHA-1(key + RFC 6455 GUID)).
std::string websocket_accept_key(std::string_view client_key);
// Strict UTF-8 check (no overlong forms, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view s);

// The frame codec, exposed for tests and the benchmark client.
namespace ws {
enum Opcode : uint8_t { kContinuation = 0, kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10 };
// Frame header for a final, unmasked frame (server to client): 2 to 10 bytes.
size_t write_header(uint8_t* out, Opcode op, uint64_t payload_len);
// A complete frame; with a mask key (client to server) the payload is masked.
std::string encode_frame(Opcode op, std::string_view payload, std::optional<uint32_t> mask = std::nullopt,
                         bool fin = true);
}  // namespace ws

}  // namespace sl::net
