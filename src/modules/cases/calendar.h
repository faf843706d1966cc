// Working days (工作日): the organisation's calendar of public holidays and make-up working
// days (调休上班), on top of Monday–Friday. The national calendar of mainland China ships with
// the program (migration 0010 seeds 2025 and 2026 from the State Council notices); an
// administrator adds later years, and each organisation may add local days (a local holiday, a
// local make-up day) that apply to it and to the organisations below it. Deadlines of cases are
// counted in these working days, dated in Beijing time (UTC+8).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "storage/database.h"

namespace sl::cases {

// A civil date as days since 1970-01-01.
using Day = int64_t;

Day day_from_civil(int y, unsigned m, unsigned d);
// "YYYY-MM-DD" → day; nullopt for anything else, including impossible dates.
std::optional<Day> parse_day(std::string_view s);
std::string format_day(Day d);
int year_of(Day d);
// 0 = Sunday ... 6 = Saturday.
int weekday(Day d);
// The date in Beijing (UTC+8) of an instant, and the last millisecond of a Beijing date.
Day beijing_day(TimeMs t);
TimeMs end_of_beijing_day(Day d);

class Calendar {
 public:
  // A listed day: working (a make-up working day) or not (a holiday). Later calls win.
  void set(Day d, bool working) { overrides_[d] = working; }
  void add_covered_year(int y) { years_.insert(y); }
  bool is_working(Day d) const;
  // The day `n` working days after `from` (from itself not counted). n ≥ 0.
  Day add_working_days(Day from, int n) const;
  // Working days in (a, b]; 0 when b ≤ a.
  int working_days_between(Day a, Day b) const;
  // Years for which the official calendar is loaded (outside them only weekends count).
  const std::set<int>& covered_years() const { return years_; }

 private:
  std::map<Day, bool> overrides_;
  std::set<int> years_;
};

// The calendar of an organisation: the national days, then the local days of its ancestors
// and itself (nearer ones win).
Result<Calendar> load_calendar(storage::Conn& c, int64_t org_id);

}  // namespace sl::cases
