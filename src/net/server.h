// HttpServer: Boost.Beast HTTP/1.1 with C++20 coroutines. One io_context per network
// thread, each with its own SO_REUSEPORT acceptor; keep-alive; a bounded pipelining queue;
// read and idle timeouts; header and body limits; graceful shutdown (stop accepting,
// finish in-flight requests within the grace period). Requests under /api go to the Router;
// others are served from the built web UI (StaticFiles). Beast/Asio stay inside server.cc.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "net/metrics.h"
#include "net/router.h"

namespace sl::net {

class StaticFiles;

class HttpServer {
 public:
  HttpServer(const ServerConfig& cfg, Router& router, Metrics& metrics, StaticFiles* static_files);
  ~HttpServer();
  // Binds and listens; returns an error if the port cannot be bound.
  Status start();
  // The port actually bound (useful with port 0).
  int port() const;
  // Blocks until stop() is called (or SIGINT/SIGTERM when install_signal_handlers).
  void run(bool install_signal_handlers);
  // Stops accepting, lets in-flight requests finish (up to the grace period), returns.
  // Safe to call from any thread (and from a signal handler installed by run), repeatedly.
  void stop();
  // Turns the JSON access log (spdlog logger "access", one line per request) on or off;
  // on by default. Safe to call at any time, e.g. server.set_access_log(cfg.log.access_log).
  void set_access_log(bool on);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The server's handling of the bytes one connection receives, without a socket (tests, fuzz
// targets): requests are parsed from `bytes` with the connection's parser and limits (`cfg`),
// answered as a connection answers them (API paths through the router, its middleware and the
// handler, run inline here; no static files, so other GETs are 404), in order. Stops where a
// connection stops reading: after a request it cannot parse (400/413/431), one without
// keep-alive or a WebSocket upgrade (its 101 response carries the handler), and at the end of
// the bytes (as if the peer closed: an unfinished request gets no answer).
std::vector<HttpResponse> serve_bytes(std::string_view bytes, const ServerConfig& cfg, const Router& router,
                                      std::string_view remote_addr = "192.0.2.1");

}  // namespace sl::net
