// Metrics: Prometheus text exposition of request counts and latency histograms per route,
// open connections, and whatever gauges other parts register (database pool). Lock-free on
// the hot path: per-route counters are atomics created at start-up for every route.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sl::net {

class Metrics {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                       0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  // Registers a route label ahead of time (so observation never allocates).
  void register_route(const std::string& method, const std::string& pattern);
  // Records one request. Unknown (method, route) pairs go to the label "other".
  void observe(const std::string& method, const std::string& pattern, int status, double seconds);
  void connection_opened() { open_connections_++; connections_total_++; }
  void connection_closed() { open_connections_--; }
  int64_t open_connections() const { return open_connections_.load(); }
  // A gauge computed on scrape, e.g. database pool in use.
  void add_gauge(std::string name, std::string help, std::function<double()> fn);
  // A counter kept elsewhere (e.g. frames sent by the live hub), read on scrape.
  void add_counter(std::string name, std::string help, std::function<double()> fn);
  std::string render() const;

  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

 private:
  struct Series {
    std::string method, route;
    std::array<std::atomic<uint64_t>, 5> by_class{};  // 1xx..5xx
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};
    std::atomic<uint64_t> sum_us{0};
    std::atomic<uint64_t> count{0};
  };
  Series* find(const std::string& method, const std::string& pattern);
  Series* get_or_create_locked(const std::string& method, const std::string& route);
  void publish_index_locked();
  mutable std::mutex mu_;  // guards series_ map shape only (registration, render)
  std::map<std::string, std::unique_ptr<Series>> series_;
  // Immutable lookup snapshot (route -> [(method, series)]) so `observe` reads it with one
  // atomic load and no lock. Registration only marks it stale; the next `observe` rebuilds
  // it once under the lock. Old snapshots are kept until destruction (few rebuilds: after
  // start-up registration, and once per new "other" method).
  struct Index;
  std::atomic<const Index*> index_{nullptr};
  std::atomic<bool> stale_{true};
  std::vector<std::unique_ptr<const Index>> indexes_;
  std::atomic<int64_t> open_connections_{0};
  std::atomic<uint64_t> connections_total_{0};
  struct Gauge {
    std::string name, help;
    std::function<double()> fn;
    const char* type = "gauge";
  };
  std::vector<Gauge> gauges_;
};

}  // namespace sl::net
