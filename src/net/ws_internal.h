// Internal to src/net: the WebSocket connection an HTTP connection turns into after a 101.
// Includes Asio, so only server.cc and websocket.cc include it; everything else uses the
// Beast-free net/websocket.h.
#pragma once

#include <boost/asio.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "net/metrics.h"
#include "net/websocket.h"

namespace sl::net::wsd {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

class WsConnection;

// What a WebSocket connection needs from the server that accepted it.
struct WsContext {
  Metrics* metrics = nullptr;
  asio::thread_pool* pool = nullptr;     // for offloaded routes
  std::function<void()> opened, gone;    // connection counting for graceful stop
};

// Per network thread: its WebSocket connections (for the deadline sweep and for stop) and the
// connections that have new messages queued (filled from any thread, drained on the network
// thread, so a fan-out to thousands of sessions costs one post per thread, not one per session).
// Must outlive the io_context's handlers (declare it before the io_context) and drop_ready()
// must run before the io_context is destroyed.
class WsWorker {
 public:
  explicit WsWorker(asio::io_context& ioc) : ioc_(ioc) {}
  WsWorker(const WsWorker&) = delete;
  WsWorker& operator=(const WsWorker&) = delete;

  // Network thread only.
  void sweep(SteadyClock::time_point now);
  void go_away();    // the server is stopping: close handshake with 1001
  void close_all();  // close every socket now
  void drop_ready();

  // Any thread: `c` has messages to write.
  void wake(std::shared_ptr<WsConnection> c);

  asio::io_context& ioc() { return ioc_; }
  std::list<WsConnection*>::iterator add(WsConnection* c) { return connections_.insert(connections_.end(), c); }
  void remove(std::list<WsConnection*>::iterator it) { connections_.erase(it); }

 private:
  void drain();

  asio::io_context& ioc_;
  std::list<WsConnection*> connections_;  // network thread only
  std::mutex mu_;
  std::vector<std::shared_ptr<WsConnection>> ready_;  // GUARDED_BY(mu_)
  bool posted_ = false;                               // GUARDED_BY(mu_)
};

// Turns an upgraded socket into a WebSocket connection on the calling network thread and
// starts it: on_open, then reading. `leftover` holds bytes the client sent after its upgrade
// request.
void start_websocket(WsWorker& worker, const WsContext& ctx, tcp::socket socket, std::string_view leftover,
                     std::string remote, std::shared_ptr<WsHandler> handler, std::shared_ptr<const WsOptions> options,
                     bool offload);

}  // namespace sl::net::wsd
