#include "core/clock.h"

#include <gtest/gtest.h>

namespace sl {
namespace {

TEST(Clock, Iso8601) {
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(1'795'320'159'123), "2026-11-22T04:02:39.123Z");
  EXPECT_EQ(format_iso8601(-1), "1969-12-31T23:59:59.999Z");
  FakeClock c(5);
  c.advance_ms(10);
  EXPECT_EQ(c.now_ms(), 15);
}

TEST(Clock, ParseIso8601) {
  EXPECT_EQ(parse_iso8601("1970-01-01T00:00:00.000Z"), 0);
  EXPECT_EQ(parse_iso8601("2026-11-22T04:02:39.123Z"), 1'795'320'159'123);
  EXPECT_EQ(parse_iso8601("2026-11-22T12:02:39.123+08:00"), 1'795'320'159'123);
  EXPECT_EQ(parse_iso8601("2026-11-22 04:02Z"), 1'795'320'120'000);
  EXPECT_EQ(parse_iso8601("1969-12-31T23:59:59.999Z"), -1);
  EXPECT_EQ(parse_iso8601("2024-02-29T00:00:00Z"), 1'709'164'800'000);
  for (TimeMs t : {TimeMs{0}, TimeMs{951'782'400'000}, TimeMs{1'795'320'159'123}, TimeMs{4'102'444'799'999}})
    EXPECT_EQ(parse_iso8601(format_iso8601(t)), t) << t;
  for (const char* bad : {"", "2026-11-22", "2026-11-22T04:02", "2025-02-29T00:00Z", "2026-13-01T00:00Z",
                          "2026-11-22T24:00Z", "2026-11-22T04:02:39.Z", "2026-11-22T04:02Zjunk", "2026-11-22T04:02+0800"})
    EXPECT_FALSE(parse_iso8601(bad).has_value()) << bad;
}

}  // namespace
}  // namespace sl
