#include "modules/cases/calendar.h"

#include <gtest/gtest.h>

#include "modules/common/test_fixture.h"

namespace sl::cases {
namespace {

TEST(CalendarTest, DaysRoundTripAndRejectImpossibleDates) {
  auto d = parse_day("2026-02-28");
  ASSERT_TRUE(d);
  EXPECT_EQ(format_day(*d), "2026-02-28");
  EXPECT_EQ(format_day(*d + 1), "2026-03-01");
  EXPECT_FALSE(parse_day("2026-02-29"));
  EXPECT_TRUE(parse_day("2024-02-29"));
  EXPECT_FALSE(parse_day("2026-13-01"));
  EXPECT_FALSE(parse_day("2026-1-01"));
  EXPECT_FALSE(parse_day("abcd-ef-gh"));
  EXPECT_EQ(weekday(*parse_day("2026-11-22")), 0);  // a Sunday
  EXPECT_EQ(year_of(*parse_day("2025-12-31")), 2025);
}

TEST(CalendarTest, BeijingDatesChangeAtSixteenUtc) {
  TimeMs t = *parse_iso8601("2026-11-22T15:59:59.999Z");
  EXPECT_EQ(format_day(beijing_day(t)), "2026-11-22");
  EXPECT_EQ(format_day(beijing_day(t + 1)), "2026-11-23");
  EXPECT_EQ(end_of_beijing_day(beijing_day(t)), t);
}

TEST(CalendarTest, WeekendsWithoutOverrides) {
  Calendar cal;
  Day fri = *parse_day("2026-11-20");
  EXPECT_TRUE(cal.is_working(fri));
  EXPECT_FALSE(cal.is_working(fri + 1));
  EXPECT_FALSE(cal.is_working(fri + 2));
  EXPECT_EQ(format_day(cal.add_working_days(fri, 1)), "2026-11-23");
  EXPECT_EQ(format_day(cal.add_working_days(fri, 5)), "2026-11-27");
  EXPECT_EQ(cal.working_days_between(fri, fri + 7), 5);
  EXPECT_EQ(cal.working_days_between(fri + 7, fri), 0);
  EXPECT_EQ(cal.add_working_days(fri, 0), fri);
}

class CalendarDbTest : public testing::ModuleTest {};

// The shipped national calendar: the 2025 National Day holiday (Oct 1–8) and its make-up
// working days (Sep 28 Sunday, Oct 11 Saturday); Spring Festival 2026 (Feb 15–23, make-up
// Feb 14 and Feb 28).
TEST_F(CalendarDbTest, OfficialCalendarOf2025And2026IsLoaded) {
  auto cal = db_->read_value<Calendar>([](storage::Conn& c) { return load_calendar(c, 999); });
  ASSERT_TRUE(cal.ok()) << cal.error().message;
  EXPECT_TRUE(cal->covered_years().count(2025));
  EXPECT_TRUE(cal->covered_years().count(2026));
  EXPECT_TRUE(cal->is_working(*parse_day("2025-09-28")));   // Sunday, make-up day
  EXPECT_FALSE(cal->is_working(*parse_day("2025-10-08")));  // Wednesday, holiday
  EXPECT_TRUE(cal->is_working(*parse_day("2025-10-11")));   // Saturday, make-up day
  // From Tuesday 2025-09-30: Oct 1–8 off, then Thu 9, Fri 10, Sat 11 (make-up), Mon 13.
  EXPECT_EQ(format_day(cal->add_working_days(*parse_day("2025-09-30"), 4)), "2025-10-13");
  EXPECT_FALSE(cal->is_working(*parse_day("2026-02-16")));
  EXPECT_TRUE(cal->is_working(*parse_day("2026-02-14")));
  EXPECT_TRUE(cal->is_working(*parse_day("2026-02-28")));
  // 2026-01-01..03 off, Sunday 2026-01-04 worked.
  EXPECT_EQ(format_day(cal->add_working_days(*parse_day("2025-12-31"), 1)), "2026-01-04");
}

TEST_F(CalendarDbTest, LocalDaysOverrideTheNationalOnesBelowTheirOrganisation) {
  ASSERT_TRUE(db_->write([](storage::Conn& c) -> Status {
                   SL_TRY(c.exec("INSERT INTO orgs (id, name, level, kind, path, created_at, updated_at) VALUES (1, '省', "
                                 "'province', 'cppcc', '/1/', 0, 0)"));
                   SL_TRY(c.exec("INSERT INTO orgs (id, parent_id, name, level, kind, path, created_at, updated_at) VALUES "
                                 "(2, 1, '市', 'city', 'cppcc', '/1/2/', 0, 0)"));
                   SL_TRY(c.exec("INSERT INTO calendar_days (org_id, day, kind, name) VALUES (1, '2026-11-23', 'holiday', '省庆')"));
                   SL_TRY(c.exec("INSERT INTO calendar_days (org_id, day, kind, name) VALUES (2, '2026-11-23', 'workday', '市里照常')"));
                   return Ok();
                 }).ok());
  auto prov = db_->read_value<Calendar>([](storage::Conn& c) { return load_calendar(c, 1); });
  auto city = db_->read_value<Calendar>([](storage::Conn& c) { return load_calendar(c, 2); });
  ASSERT_TRUE(prov.ok() && city.ok());
  EXPECT_FALSE(prov->is_working(*parse_day("2026-11-23")));
  EXPECT_TRUE(city->is_working(*parse_day("2026-11-23")));
}

}  // namespace
}  // namespace sl::cases
