// TickPublisher: publishes numbered events into one room at a fixed rate. Only for the live
// benchmark (bench/live.sh, enabled by live.bench_publish_per_second): it stands in for the
// deliberation module's events, so the transport can be measured on its own. Each event is
//   {"type":"bench.tick","seq":N,"at":"<ISO>","data":{"sent_us":<µs since the epoch>}}
// with consecutive seq numbers in room "bench", starting from the number of ticks since the
// epoch (so they keep growing across restarts).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "pubsub/bus.h"

namespace sl::live {

class TickPublisher {
 public:
  TickPublisher(pubsub::Bus& bus, int per_second) : bus_(bus), per_second_(per_second) {}
  ~TickPublisher() { stop(); }
  void start();
  void stop();
  int64_t latest() const { return seq_.load(); }

 private:
  pubsub::Bus& bus_;
  const int per_second_;
  std::atomic<int64_t> seq_{0};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
};

}  // namespace sl::live
