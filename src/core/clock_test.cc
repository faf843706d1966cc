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

}  // namespace
}  // namespace sl
