// Router: a segment trie over route patterns. Matching splits the raw path into string
// views on the stack, walks the trie (literals before {params} before a final {rest...}
// catch-all, with backtracking) and only allocates for the path parameters it hands back.
// A miss walks again to build `Allow`.
#include "net/router.h"

#include <array>
#include <stdexcept>

#include "net/websocket.h"

namespace sl::net {

struct Router::Node {
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> literals;
  std::unique_ptr<Node> param;
  // A final {name...} segment: a leaf whose endpoints take the rest of the path.
  std::unique_ptr<Node> rest;
  std::vector<size_t> endpoints;  // indices of routes ending at this node
};

namespace {

constexpr size_t kMaxSegments = 32;
constexpr size_t kMaxParams = 16;

// Splits "/a/b/c" into {"a","b","c"}; "/" gives {""}. Returns false if the path does not
// start with '/' or has too many segments.
bool split_path(std::string_view path, std::array<std::string_view, kMaxSegments>& segs, size_t& n) {
  n = 0;
  if (path.empty() || path.front() != '/') return false;
  path.remove_prefix(1);
  for (;;) {
    if (n == kMaxSegments) return false;
    size_t slash = path.find('/');
    segs[n++] = path.substr(0, slash);
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

bool is_param(std::string_view seg) { return seg.size() >= 3 && seg.front() == '{' && seg.back() == '}'; }
// "{name...}" (checked after is_param).
bool is_rest_param(std::string_view seg) { return seg.size() >= 6 && seg.substr(seg.size() - 4) == "...}"; }

// The raw text of segments [i, n): from the start of segment i to the end of the last one.
std::string_view rest_of(const std::array<std::string_view, kMaxSegments>& segs, size_t i, size_t n) {
  const char* begin = segs[i].data();
  const char* end = segs[n - 1].data() + segs[n - 1].size();
  return std::string_view(begin, static_cast<size_t>(end - begin));
}

bool segment_equals(std::string_view raw, std::string_view literal) {
  if (raw.find('%') == std::string_view::npos) return raw == literal;
  return percent_decode(raw, false) == literal;
}

struct Walk {
  const std::array<std::string_view, kMaxSegments>* segs;
  size_t nsegs;
  std::string_view method;
  std::array<std::string_view, kMaxParams> params;
  size_t nparams = 0;
};

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

void Router::get(std::string pattern, Handler h, bool offload) {
  add("GET", std::move(pattern), std::move(h), offload);
}

void Router::websocket(std::string pattern, Handler h, const WsOptions& options, bool offload) {
  add("GET", std::move(pattern), std::move(h), offload);
  routes_.back().websocket = std::make_shared<const WsOptions>(options);
}

void Router::add(std::string method, std::string pattern, Handler h, bool offload) {
  std::array<std::string_view, kMaxSegments> segs;
  size_t n = 0;
  if (!split_path(pattern, segs, n)) throw std::invalid_argument("bad route pattern: " + pattern);
  Endpoint ep;
  ep.route = routes_.size();
  Node* node = root_.get();
  for (size_t i = 0; i < n; ++i) {
    std::string_view seg = segs[i];
    if (is_param(seg) && is_rest_param(seg)) {
      if (i + 1 != n) throw std::invalid_argument("{name...} must be the last segment: " + pattern);
      if (ep.param_names.size() == kMaxParams) throw std::invalid_argument("too many params: " + pattern);
      ep.param_names.emplace_back(seg.substr(1, seg.size() - 5));
      ep.rest = true;
      if (!node->rest) node->rest = std::make_unique<Node>();
      node = node->rest.get();
      continue;
    }
    if (is_param(seg)) {
      if (seg.find("...") != std::string_view::npos) throw std::invalid_argument("bad param: " + pattern);
      if (ep.param_names.size() == kMaxParams) throw std::invalid_argument("too many params: " + pattern);
      ep.param_names.emplace_back(seg.substr(1, seg.size() - 2));
      if (!node->param) node->param = std::make_unique<Node>();
      node = node->param.get();
      continue;
    }
    Node* next = nullptr;
    for (auto& [lit, child] : node->literals) {
      if (lit == seg) next = child.get();
    }
    if (!next) {
      node->literals.emplace_back(std::string(seg), std::make_unique<Node>());
      next = node->literals.back().second.get();
    }
    node = next;
  }
  for (size_t idx : node->endpoints) {
    if (routes_[idx].method == method) throw std::invalid_argument("duplicate route: " + method + " " + pattern);
  }
  node->endpoints.push_back(ep.route);
  routes_.push_back(Route{std::move(method), std::move(pattern), std::move(h), offload, nullptr});
  endpoints_.push_back(std::move(ep));
}

namespace {

// The endpoint of `node` for the request method (GET serves HEAD), or SIZE_MAX.
template <typename NodeT, typename RoutesT>
size_t pick(const NodeT& node, const Walk& w, const RoutesT& routes) {
  size_t get_fallback = SIZE_MAX;
  for (size_t idx : node.endpoints) {
    const std::string& m = routes[idx].method;
    if (m == w.method) return idx;
    if (m == "GET" && w.method == "HEAD") get_fallback = idx;
  }
  return get_fallback;
}

// Depth-first search; returns the matching route index or SIZE_MAX.
template <typename NodeT, typename RoutesT>
size_t walk(const NodeT& node, size_t i, Walk& w, const RoutesT& routes) {
  if (i == w.nsegs) return pick(node, w, routes);
  std::string_view seg = (*w.segs)[i];
  for (const auto& [lit, child] : node.literals) {
    if (segment_equals(seg, lit)) {
      size_t r = walk(*child, i + 1, w, routes);
      if (r != SIZE_MAX) return r;
    }
  }
  if (node.param && !seg.empty() && w.nparams < kMaxParams) {
    w.params[w.nparams++] = seg;
    size_t r = walk(*node.param, i + 1, w, routes);
    if (r != SIZE_MAX) return r;
    --w.nparams;
  }
  if (node.rest && w.nparams < kMaxParams) {
    std::string_view rest = rest_of(*w.segs, i, w.nsegs);
    if (!rest.empty()) {
      size_t r = pick(*node.rest, w, routes);
      if (r != SIZE_MAX) {
        w.params[w.nparams++] = rest;
        return r;
      }
    }
  }
  return SIZE_MAX;
}

void append_method(std::string& allow, std::string_view m) {
  // Tiny list; a linear scan of the comma-separated string is fine.
  size_t pos = 0;
  while (pos < allow.size()) {
    size_t comma = allow.find(", ", pos);
    std::string_view item = std::string_view(allow).substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (item == m) return;
    if (comma == std::string::npos) break;
    pos = comma + 2;
  }
  if (!allow.empty()) allow += ", ";
  allow += m;
}

template <typename NodeT, typename RoutesT>
void walk_all(const NodeT& node, size_t i, const Walk& w, const RoutesT& routes, std::string& allow) {
  if (i == w.nsegs) {
    for (size_t idx : node.endpoints) {
      append_method(allow, routes[idx].method);
      if (routes[idx].method == "GET") append_method(allow, "HEAD");
    }
    return;
  }
  std::string_view seg = (*w.segs)[i];
  for (const auto& [lit, child] : node.literals) {
    if (segment_equals(seg, lit)) walk_all(*child, i + 1, w, routes, allow);
  }
  if (node.param && !seg.empty()) walk_all(*node.param, i + 1, w, routes, allow);
  if (node.rest && !rest_of(*w.segs, i, w.nsegs).empty()) walk_all(*node.rest, w.nsegs, w, routes, allow);
}

}  // namespace

void Router::set_body_limit(std::string_view method, std::string_view pattern, uint64_t bytes) {
  for (Route& r : routes_) {
    if (r.method == method && r.pattern == pattern) {
      r.max_body_bytes = bytes;
      any_body_limit_ = any_body_limit_ || bytes > 0;
      return;
    }
  }
  throw std::invalid_argument("set_body_limit: no route " + std::string(method) + " " + std::string(pattern));
}

uint64_t Router::body_limit(std::string_view method, std::string_view target) const {
  if (!any_body_limit_) return 0;
  std::string_view raw = target.substr(0, target.find('?'));
  std::array<std::string_view, kMaxSegments> segs;
  Walk w;
  w.segs = &segs;
  w.method = method;
  if (!split_path(raw, segs, w.nsegs)) return 0;
  size_t idx = walk(*root_, 0, w, routes_);
  return idx == SIZE_MAX ? 0 : routes_[idx].max_body_bytes;
}

bool Router::Match::offload() const { return offload_all || (route != nullptr && route->offload); }

Router::Match Router::match(HttpRequest& req) const {
  Match m;
  m.offload_all = offload_all_;
  // Match on the raw path so that an encoded '/' (%2F) stays inside one parameter.
  std::string_view raw = req.target;
  if (raw.empty() || raw.front() != '/') {
    raw = req.path;
  } else {
    size_t q = raw.find('?');
    if (q != std::string_view::npos) raw = raw.substr(0, q);
  }
  std::array<std::string_view, kMaxSegments> segs;
  Walk w;
  w.segs = &segs;
  w.method = req.method;
  if (!split_path(raw, segs, w.nsegs)) return m;
  size_t idx = walk(*root_, 0, w, routes_);
  if (idx != SIZE_MAX) {
    m.route = &routes_[idx];
    const Endpoint& ep = endpoints_[idx];
    req.path_params.clear();
    for (size_t i = 0; i < w.nparams; ++i) {
      std::string_view v = w.params[i];
      // Only the last parameter can be a catch-all, and it is handed back raw.
      bool raw = (ep.rest && i + 1 == w.nparams) || v.find('%') == std::string_view::npos;
      req.path_params.emplace_back(ep.param_names[i], raw ? std::string(v) : percent_decode(v, false));
    }
    return m;
  }
  walk_all(*root_, 0, w, routes_, m.allow);
  m.method_not_allowed = !m.allow.empty();
  return m;
}

HttpResponse Router::run_chain(size_t index, const Route& route, HttpRequest& req) const {
  if (index == middleware_.size()) return route.handler(req);
  // `next` captures a single pointer so std::function keeps it in its small buffer.
  struct Ctx {
    const Router* self;
    const Route* route;
    size_t index;
  } ctx{this, &route, index + 1};
  Handler next = [c = &ctx](HttpRequest& r) { return c->self->run_chain(c->index, *c->route, r); };
  return middleware_[index](req, route, next);
}

HttpResponse Router::handle(const Match& m, HttpRequest& req) const {
  if (m.route == nullptr) {
    if (m.method_not_allowed) {
      HttpResponse r = HttpResponse::problem(405, "method_not_allowed", "该地址不支持 " + req.method + " 方法", req.path);
      r.set_header("Allow", m.allow);
      return r;
    }
    return HttpResponse::problem(404, "not_found", "没有这个接口", req.path);
  }
  return run_chain(0, *m.route, req);
}

}  // namespace sl::net
