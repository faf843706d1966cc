#include "live/tick_publisher.h"

#include <chrono>
#include <string>

#include "core/clock.h"

namespace sl::live {

void TickPublisher::start() {
  if (per_second_ <= 0 || thread_.joinable()) return;
  // Numbered by wall-clock time (ticks since the epoch), so a restarted server continues the
  // sequence instead of starting again at 1: a reconnecting client sees a gap, as it would
  // for a deliberation whose events went on while it was away.
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  seq_.store(now_ms * per_second_ / 1000);
  thread_ = std::thread([this] {
    using Clock = std::chrono::steady_clock;
    auto period = std::chrono::nanoseconds(1'000'000'000 / per_second_);
    auto next = Clock::now() + period;
    std::unique_lock lk(mu_);
    while (!cv_.wait_until(lk, next, [this] { return stopping_; })) {
      lk.unlock();
      auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
      int64_t seq = seq_.load() + 1;
      std::string payload = "{\"type\":\"bench.tick\",\"seq\":" + std::to_string(seq) + ",\"at\":\"" +
                            format_iso8601(now_us / 1000) + "\",\"data\":{\"sent_us\":" + std::to_string(now_us) + "}}";
      seq_.store(seq);
      bus_.publish(pubsub::Message{"bench", seq, std::move(payload)});
      next += period;
      lk.lock();
    }
  });
}

void TickPublisher::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace sl::live
