#include "core/clock.h"

#include <chrono>
#include <ctime>

namespace sl {

TimeMs SystemClock::now_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_iso8601(TimeMs t) {
  // Hand-written digits: this runs for every timestamp in every JSON response.
  std::time_t secs = static_cast<std::time_t>(t / 1000);
  int ms = static_cast<int>(t % 1000);
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[25] = "0000-00-00T00:00:00.000Z";
  auto put = [&buf](int pos, int value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      buf[pos + i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  int year = tm.tm_year + 1900;
  if (year < 0 || year > 9999) year = 0;
  put(0, year, 4);
  put(5, tm.tm_mon + 1, 2);
  put(8, tm.tm_mday, 2);
  put(11, tm.tm_hour, 2);
  put(14, tm.tm_min, 2);
  put(17, tm.tm_sec, 2);
  put(20, ms, 3);
  return std::string(buf, 24);
}

}  // namespace sl
