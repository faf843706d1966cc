#include "modules/cases/calendar.h"

#include <charconv>
#include <cstdio>
#include <vector>

namespace sl::cases {

namespace {
constexpr TimeMs kDayMs = 86'400'000;
constexpr TimeMs kBeijingOffsetMs = 8 * 3'600'000;

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
}  // namespace

// Howard Hinnant's days_from_civil / civil_from_days.
Day day_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<Day>(era) * 146097 + static_cast<Day>(doe) - 719468;
}

namespace {
void civil_from_day(Day z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yoe + era * 400) + (m <= 2);
}
}  // namespace

std::optional<Day> parse_day(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int y = 0;
  unsigned m = 0, d = 0;
  auto num = [&](size_t pos, size_t len, auto& out) {
    auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return ec == std::errc() && p == s.data() + pos + len;
  };
  if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d)) return std::nullopt;
  if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  Day day = day_from_civil(y, m, d);
  int y2;
  unsigned m2, d2;
  civil_from_day(day, y2, m2, d2);
  if (y2 != y || m2 != m || d2 != d) return std::nullopt;
  return day;
}

std::string format_day(Day day) {
  int y;
  unsigned m, d;
  civil_from_day(day, y, m, d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
  return buf;
}

int year_of(Day day) {
  int y;
  unsigned m, d;
  civil_from_day(day, y, m, d);
  return y;
}

int weekday(Day d) { return static_cast<int>(((d % 7) + 7 + 4) % 7); }  // 1970-01-01 was a Thursday

Day beijing_day(TimeMs t) { return floor_div(t + kBeijingOffsetMs, kDayMs); }
TimeMs end_of_beijing_day(Day d) { return (d + 1) * kDayMs - kBeijingOffsetMs - 1; }

bool Calendar::is_working(Day d) const {
  auto it = overrides_.find(d);
  if (it != overrides_.end()) return it->second;
  int w = weekday(d);
  return w != 0 && w != 6;
}

Day Calendar::add_working_days(Day from, int n) const {
  Day d = from;
  for (int k = 0; k < n;) {
    ++d;
    if (is_working(d)) ++k;
  }
  return d;
}

int Calendar::working_days_between(Day a, Day b) const {
  int n = 0;
  for (Day d = a + 1; d <= b; ++d)
    if (is_working(d)) ++n;
  return n;
}

Result<Calendar> load_calendar(storage::Conn& c, int64_t org_id) {
  Calendar cal;
  SL_ASSIGN(auto path_row, c.query_one("SELECT path FROM orgs WHERE id = ?", {org_id}));
  std::vector<int64_t> chain{0};  // national first, then the path from the root down
  if (path_row) {
    const std::string& path = path_row->str(0);
    size_t i = 0;
    while (i < path.size()) {
      size_t j = path.find('/', i);
      if (j == std::string::npos) j = path.size();
      if (j > i) chain.push_back(std::stoll(path.substr(i, j - i)));
      i = j + 1;
    }
  }
  for (int64_t o : chain) {
    SL_ASSIGN(auto rows, c.query("SELECT day, kind FROM calendar_days WHERE org_id = ?", {o}));
    for (const auto& r : rows)
      if (auto d = parse_day(r.str(0))) cal.set(*d, r.str(1) == "workday");
  }
  SL_ASSIGN(auto years, c.query("SELECT year FROM calendar_years WHERE org_id = 0"));
  for (const auto& r : years) cal.add_covered_year(static_cast<int>(r.i64(0)));
  return cal;
}

}  // namespace sl::cases
