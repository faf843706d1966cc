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

std::optional<TimeMs> parse_iso8601(std::string_view s) {
  size_t i = 0;
  auto num = [&](int width, int& out) {
    if (i + width > s.size()) return false;
    out = 0;
    for (int k = 0; k < width; ++k) {
      char ch = s[i + k];
      if (ch < '0' || ch > '9') return false;
      out = out * 10 + (ch - '0');
    }
    i += width;
    return true;
  };
  auto lit = [&](char a, char b = 0) {
    if (i < s.size() && (s[i] == a || (b && s[i] == b))) {
      ++i;
      return true;
    }
    return false;
  };
  int y, mo, d, h, mi, sec = 0, ms = 0;
  if (!num(4, y) || !lit('-') || !num(2, mo) || !lit('-') || !num(2, d) || !lit('T', ' ') || !num(2, h) || !lit(':') ||
      !num(2, mi))
    return std::nullopt;
  if (lit(':')) {
    if (!num(2, sec)) return std::nullopt;
    if (lit('.')) {
      int digits = 0;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (digits < 3) ms = ms * 10 + (s[i] - '0');
        ++digits;
        ++i;
      }
      if (digits == 0) return std::nullopt;
      for (int k = digits; k < 3; ++k) ms *= 10;
    }
  }
  int offset_min = 0;
  if (lit('Z', 'z')) {
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int sign = s[i] == '-' ? -1 : 1;
    ++i;
    int oh, om;
    if (!num(2, oh) || !lit(':') || !num(2, om) || oh > 23 || om > 59) return std::nullopt;
    offset_min = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] + (mo == 2 && leap ? 1 : 0) || h > 23 || mi > 59 || sec > 59)
    return std::nullopt;
  // Days from 1970-01-01 (civil-from-days inverse, H. Hinnant).
  int yy = y - (mo <= 2 ? 1 : 0);
  int era = (yy >= 0 ? yy : yy - 399) / 400;
  int yoe = yy - era * 400;
  int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = int64_t{era} * 146097 + doe - 719468;
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - int64_t{offset_min} * 60;
  return secs * 1000 + ms;
}

}  // namespace sl
