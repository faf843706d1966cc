#include "modules/common/route_util.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sl::routes {
namespace {

TEST(RouteUtilEtag, QuotedHexThatTellsEveryOneByteChangeApart) {
  std::string body(1000, 'a');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  std::string tag = etag_of(body);
  ASSERT_EQ(tag.size(), 18u);
  EXPECT_EQ(tag.front(), '"');
  EXPECT_EQ(tag.back(), '"');
  EXPECT_EQ(tag.find_first_not_of("0123456789abcdef", 1), 17u);
  EXPECT_EQ(etag_of(body), tag);  // stable
  std::set<std::string> seen{tag};
  // A change at any offset — in the 32-byte blocks or the tail — and any length gives a new tag.
  for (size_t i = 0; i < body.size(); ++i) {
    std::string b = body;
    b[i] = static_cast<char>(b[i] ^ 1);
    EXPECT_TRUE(seen.insert(etag_of(b)).second) << "offset " << i;
  }
  for (size_t n = 0; n < 100; ++n) EXPECT_TRUE(seen.insert(etag_of(std::string_view(body).substr(0, n))).second) << n;
  // Like counts swapping places (same bytes, different order) are different bodies.
  EXPECT_NE(etag_of(R"({"a":12,"b":21})"), etag_of(R"({"a":21,"b":12})"));
}

}  // namespace
}  // namespace sl::routes
