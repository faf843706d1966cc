#include "core/csv.h"

#include <gtest/gtest.h>

namespace sl::csv {
namespace {

TEST(Csv, QuotesNewlinesAndLineNumbers) {
  auto r = parse("\xEF\xBB\xBFname,note\r\n\"张三\",\"say \"\"hi\"\"\"\n\n李四,\"two\nlines\"\n王五,");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].fields[0], "name");
  EXPECT_EQ((*r)[1].fields[1], "say \"hi\"");
  EXPECT_EQ((*r)[1].line, 2);
  EXPECT_EQ((*r)[2].line, 4);
  EXPECT_EQ((*r)[2].fields[1], "two\nlines");
  EXPECT_EQ((*r)[3].line, 6);
  EXPECT_EQ((*r)[3].fields.size(), 2u);
  EXPECT_EQ((*r)[3].fields[1], "");
}

TEST(Csv, MalformedIsAnError) {
  EXPECT_FALSE(parse("a,\"b\nc").ok());
  EXPECT_FALSE(parse("a,\"b\"x\n").ok());
}

}  // namespace
}  // namespace sl::csv
