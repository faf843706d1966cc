// Router: maps (method, path pattern) to a handler. Patterns use {name} segments,
// e.g. /api/v1/orgs/{id}, and may end in one catch-all segment {name...}, which matches the
// rest of the path (one or more segments, not empty), e.g. /api/v1/ledger/tile/{path...}.
// A {name} value is percent-decoded; a {name...} value is the raw rest of the path, not
// decoded, so a handler can tell '/' from '%2F'. The network layer asks `match` first, so it can decide where
// the handler runs (inline on the network thread, or offloaded to the worker pool for
// handlers that may block), then calls `handle`, which runs the middleware chain.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/http.h"

namespace sl::net {

using Handler = std::function<HttpResponse(HttpRequest&)>;

struct WsOptions;  // net/websocket.h

struct Route {
  std::string method;
  std::string pattern;  // also the metrics label
  Handler handler;
  bool offload = true;  // may block (writes, password hashing): run on the worker pool
  // Set for a WebSocket route (Router::websocket): the limits of its connections.
  std::shared_ptr<const WsOptions> websocket;
  // Largest request body this route accepts; 0: the server's limit (server.max_body_bytes).
  // Routes with their own limit (uploads) also keep a slow body alive while bytes flow.
  uint64_t max_body_bytes = 0;
};

// Middleware wraps every route's handler: (request, route, next) -> response.
using Middleware = std::function<HttpResponse(HttpRequest&, const Route&, const Handler& next)>;

class Router {
 public:
  // Reads run inline unless told otherwise; writes are offloaded.
  void get(std::string pattern, Handler h, bool offload = false);
  void post(std::string pattern, Handler h) { add("POST", std::move(pattern), std::move(h), true); }
  void put(std::string pattern, Handler h) { add("PUT", std::move(pattern), std::move(h), true); }
  void patch(std::string pattern, Handler h) { add("PATCH", std::move(pattern), std::move(h), true); }
  void del(std::string pattern, Handler h) { add("DELETE", std::move(pattern), std::move(h), true); }
  void add(std::string method, std::string pattern, Handler h, bool offload);
  // A WebSocket endpoint (GET): `h` sees the upgrade request and accepts it with
  // HttpResponse::accept_websocket(handler), or answers with an error. A plain GET without the
  // upgrade headers gets 426. With `offload`, the handler and every message run on the worker pool.
  void websocket(std::string pattern, Handler h, const WsOptions& options, bool offload = false);

  // Middleware run outermost first.
  void use(Middleware m) { middleware_.push_back(std::move(m)); }
  // When set, every route is offloaded (e.g. PostgreSQL, where reads block on the network).
  void set_offload_all(bool v) { offload_all_ = v; }
  // Gives the route (method, pattern), already added, its own body limit (e.g. uploads larger
  // than the server-wide limit). Throws std::invalid_argument if there is no such route.
  void set_body_limit(std::string_view method, std::string_view pattern, uint64_t bytes);
  // The body limit of the route a request line would reach (`target` may carry a query);
  // 0 when that route has none of its own or nothing matches. The server asks this as soon as
  // the request line is parsed, before the body arrives. Cheap when no route sets a limit.
  uint64_t body_limit(std::string_view method, std::string_view target) const;

  struct Match {
    const Route* route = nullptr;  // null: no route for this path
    bool method_not_allowed = false;
    std::string allow;  // for 405
    bool offload() const;
    bool offload_all = false;
  };
  // Fills req.path_params on success.
  Match match(HttpRequest& req) const;
  // Runs middleware + handler of a matched route.
  HttpResponse handle(const Match& m, HttpRequest& req) const;

  const std::vector<Route>& routes() const { return routes_; }

  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

 private:
  // A trie over path segments, built as routes are added; `match` walks it without
  // allocating (except for the path parameters it returns). Literal children are tried
  // before the {param} child, and that before the {rest...} catch-all, with backtracking.
  struct Node;
  struct Endpoint {
    size_t route;                          // index into routes_
    std::vector<std::string> param_names;  // in path order
    bool rest = false;                     // the last param is a {name...} catch-all (kept raw)
  };
  void collect_allow(const Node& node, std::string& allow) const;
  HttpResponse run_chain(size_t index, const Route& route, HttpRequest& req) const;

  std::vector<Route> routes_;
  std::vector<Endpoint> endpoints_;  // parallel to routes_
  std::unique_ptr<Node> root_;
  std::vector<Middleware> middleware_;
  bool offload_all_ = false;
  bool any_body_limit_ = false;
};

}  // namespace sl::net
