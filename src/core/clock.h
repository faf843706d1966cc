// Clock and randomness come in through interfaces so tests are deterministic.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sl {

// Milliseconds since the Unix epoch.
using TimeMs = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimeMs now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeMs now_ms() const override;
};

// A clock tests move by hand. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimeMs start = 1'700'000'000'000) : t_(start) {}
  TimeMs now_ms() const override { return t_.load(); }
  void advance_ms(TimeMs d) { t_ += d; }
  void set_ms(TimeMs t) { t_ = t; }

 private:
  std::atomic<TimeMs> t_;
};

// ISO-8601 UTC with milliseconds, e.g. 2026-11-22T03:42:39.123Z
std::string format_iso8601(TimeMs t);
// Parses YYYY-MM-DDTHH:MM[:SS[.fff]] followed by Z or ±HH:MM (also a space for T); nullopt
// for anything else, including impossible dates.
std::optional<TimeMs> parse_iso8601(std::string_view s);

}  // namespace sl
