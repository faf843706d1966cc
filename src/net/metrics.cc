// Metrics: per-(method, route) counters and latency histograms as atomics, rendered in the
// Prometheus text exposition format on scrape.
#include "net/metrics.h"

#include <charconv>
#include <cmath>
#include <unordered_map>

namespace sl::net {

struct Metrics::Index {
  std::unordered_map<std::string, std::vector<std::pair<std::string, Series*>>> by_route;
};

namespace {

// Keeps label cardinality bounded whatever methods clients invent.
const std::string& normalized_method(const std::string& m) {
  static const std::string kKnown[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  static const std::string kOther = "OTHER";
  for (const auto& k : kKnown) {
    if (k == m) return k;
  }
  return kOther;
}

void append_label_value(std::string& out, const std::string& v) {
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

void append_double(std::string& out, double v) {
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  char buf[400];  // fixed notation of DBL_MAX needs 309 digits
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);  // shortest round-trip
  out.append(buf, res.ptr);
}

void append_labels(std::string& out, const std::string& method, const std::string& route) {
  out += "method=\"";
  append_label_value(out, method);
  out += "\",route=\"";
  append_label_value(out, route);
  out += '"';
}

std::string key_of(const std::string& method, const std::string& route) { return method + ' ' + route; }

}  // namespace

Metrics::Metrics() = default;
Metrics::~Metrics() = default;

Metrics::Series* Metrics::get_or_create_locked(const std::string& method, const std::string& route) {
  auto& slot = series_[key_of(method, route)];
  if (!slot) {
    slot = std::make_unique<Series>();
    slot->method = method;
    slot->route = route;
    stale_.store(true, std::memory_order_release);
  }
  return slot.get();
}

void Metrics::publish_index_locked() {
  auto idx = std::make_unique<Index>();
  for (auto& [key, s] : series_) idx->by_route[s->route].emplace_back(s->method, s.get());
  index_.store(idx.get(), std::memory_order_release);
  indexes_.push_back(std::move(idx));
  stale_.store(false, std::memory_order_release);
}

void Metrics::register_route(const std::string& method, const std::string& pattern) {
  std::lock_guard lock(mu_);
  get_or_create_locked(method, pattern);
}

Metrics::Series* Metrics::find(const std::string& method, const std::string& pattern) {
  if (stale_.load(std::memory_order_acquire)) {
    std::lock_guard lock(mu_);
    if (stale_.load(std::memory_order_relaxed)) publish_index_locked();
  }
  const Index* idx = index_.load(std::memory_order_acquire);
  auto it = idx->by_route.find(pattern);
  if (it != idx->by_route.end()) {
    for (const auto& [m, s] : it->second) {
      if (m == method) return s;
    }
  }
  // Unregistered pair: counted under route "other" (created once per method, then cached).
  const std::string& nm = normalized_method(method);
  static const std::string kOther = "other";
  auto other = idx->by_route.find(kOther);
  if (other != idx->by_route.end()) {
    for (const auto& [m, s] : other->second) {
      if (m == nm) return s;
    }
  }
  std::lock_guard lock(mu_);
  Series* s = get_or_create_locked(nm, kOther);
  if (stale_.load(std::memory_order_relaxed)) publish_index_locked();
  return s;
}

void Metrics::observe(const std::string& method, const std::string& pattern, int status, double seconds) {
  Series* s = find(method, pattern);
  int cls = status / 100 - 1;
  if (cls < 0) cls = 0;
  if (cls > 4) cls = 4;
  s->by_class[static_cast<size_t>(cls)].fetch_add(1, std::memory_order_relaxed);
  size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  s->buckets[b].fetch_add(1, std::memory_order_relaxed);
  double us = seconds * 1e6;
  s->sum_us.fetch_add(us > 0 ? static_cast<uint64_t>(us) : 0, std::memory_order_relaxed);
  s->count.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::add_gauge(std::string name, std::string help, std::function<double()> fn) {
  std::lock_guard lock(mu_);
  gauges_.push_back(Gauge{std::move(name), std::move(help), std::move(fn)});
}

void Metrics::add_counter(std::string name, std::string help, std::function<double()> fn) {
  std::lock_guard lock(mu_);
  gauges_.push_back(Gauge{std::move(name), std::move(help), std::move(fn), "counter"});
}

std::string Metrics::render() const {
  std::string out;
  out.reserve(4096);
  std::lock_guard lock(mu_);

  out += "# HELP shangliang_http_requests_total HTTP requests by method, route pattern and status class.\n";
  out += "# TYPE shangliang_http_requests_total counter\n";
  static const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  for (const auto& [key, s] : series_) {
    for (size_t c = 0; c < s->by_class.size(); ++c) {
      uint64_t v = s->by_class[c].load(std::memory_order_relaxed);
      if (v == 0) continue;
      out += "shangliang_http_requests_total{";
      append_labels(out, s->method, s->route);
      out += ",code=\"";
      out += kClasses[c];
      out += "\"} ";
      out += std::to_string(v);
      out += '\n';
    }
  }

  out += "# HELP shangliang_http_request_duration_seconds Time from a complete request to its response.\n";
  out += "# TYPE shangliang_http_request_duration_seconds histogram\n";
  for (const auto& [key, s] : series_) {
    uint64_t count = s->count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += s->buckets[b].load(std::memory_order_relaxed);
      out += "shangliang_http_request_duration_seconds_bucket{";
      append_labels(out, s->method, s->route);
      out += ",le=\"";
      if (b < kBuckets.size()) append_double(out, kBuckets[b]);
      else out += "+Inf";
      out += "\"} ";
      out += std::to_string(cumulative);
      out += '\n';
    }
    out += "shangliang_http_request_duration_seconds_sum{";
    append_labels(out, s->method, s->route);
    out += "} ";
    append_double(out, static_cast<double>(s->sum_us.load(std::memory_order_relaxed)) / 1e6);
    out += '\n';
    out += "shangliang_http_request_duration_seconds_count{";
    append_labels(out, s->method, s->route);
    out += "} ";
    // Buckets and count are separate atomics; report the bucket total so they agree.
    out += std::to_string(cumulative);
    out += '\n';
  }

  out += "# HELP shangliang_http_open_connections Open HTTP connections.\n";
  out += "# TYPE shangliang_http_open_connections gauge\n";
  out += "shangliang_http_open_connections " + std::to_string(open_connections_.load()) + "\n";
  out += "# HELP shangliang_http_connections_total HTTP connections accepted.\n";
  out += "# TYPE shangliang_http_connections_total counter\n";
  out += "shangliang_http_connections_total " + std::to_string(connections_total_.load()) + "\n";

  for (const auto& g : gauges_) {
    out += "# HELP " + g.name + " " + g.help + "\n";
    out += "# TYPE " + g.name + " " + g.type + "\n";
    out += g.name + " ";
    append_double(out, g.fn ? g.fn() : 0.0);
    out += '\n';
  }
  return out;
}

}  // namespace sl::net
