#include "modules/ledger/node_cache.h"

#include <gtest/gtest.h>

namespace sl::ledger {
namespace {

std::vector<CompactRange::Node> grow(CompactRange& r, uint64_t n) {
  std::vector<CompactRange::Node> out;
  for (uint64_t i = 0; i < n; ++i) {
    Hash leaf = leaf_hash(std::to_string(r.size()));
    for (const auto& node : r.append(leaf)) out.push_back(node);
  }
  return out;
}

TEST(NodeCache, HoldsTheUpperLevelsOfCommittedRunsInOrder) {
  NodeCache cache;
  CompactRange r;
  auto first = grow(r, 1000);
  cache.extend(0, 1000, first);
  EXPECT_EQ(cache.size(), 1000u);
  for (const auto& n : first) {
    auto h = cache.find({n.level, n.index});
    if (n.level < NodeCache::kMinLevel) {
      EXPECT_FALSE(h.has_value());
    } else {
      ASSERT_TRUE(h.has_value()) << n.level << "/" << n.index;
      EXPECT_EQ(*h, n.hash);
    }
  }
  EXPECT_FALSE(cache.find({8, 3}).has_value());  // [768, 1024) is not complete yet
  EXPECT_TRUE(cache.find({9, 0}).has_value());

  // A run that does not start where the cache ends (another process grew the tree) is ignored.
  CompactRange r2 = r;
  auto skipped = grow(r2, 500);
  cache.extend(1200, 1500, skipped);
  EXPECT_EQ(cache.size(), 1000u);
  EXPECT_FALSE(cache.find({8, 3}).has_value());
  // The next run in step is taken.
  auto second = grow(r, 500);
  cache.extend(1000, 1500, second);
  EXPECT_EQ(cache.size(), 1500u);
  EXPECT_TRUE(cache.find({8, 3}).has_value());
  EXPECT_TRUE(cache.find({8, 4}).has_value());
  EXPECT_FALSE(cache.find({8, 5}).has_value());

  // Nodes that do not continue the levels (a bug upstream) empty the cache instead of
  // leaving a wrong tree in it.
  std::vector<CompactRange::Node> wrong = {{8, 9, Hash{}}};
  cache.extend(1500, 2600, wrong);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.find({9, 0}).has_value());
}

}  // namespace
}  // namespace sl::ledger
