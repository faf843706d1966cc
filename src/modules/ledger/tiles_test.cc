#include "modules/ledger/tiles.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace sl::ledger {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

json::value tile_vectors() {
  std::ifstream in(fs::path(SL_SOURCE_DIR) / "src/modules/ledger/testdata/tile-vectors.json", std::ios::binary);
  EXPECT_TRUE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

TEST(Tiles, C2spIndexEncodingBothWays) {
  auto v = tile_vectors();
  int n = 0;
  for (const auto& e : v.at("c2sp_tile_index_encoding").as_array()) {
    uint64_t index = e.at("index").to_number<uint64_t>();
    std::string elems(e.at("path_elements").as_string());
    EXPECT_EQ(tile_path(0, index), "tile/0/" + elems);
    EXPECT_EQ(tile_path(3, index, 17), "tile/3/" + elems + ".p/17");
    EXPECT_EQ(entries_path(index), "tile/entries/" + elems);
    auto r = parse_tile_path("tile/2/" + elems);
    ASSERT_TRUE(r.ok()) << elems;
    EXPECT_FALSE(r->entries);
    EXPECT_EQ(r->level, 2);
    EXPECT_EQ(r->index, index);
    EXPECT_EQ(r->width, 256);
    auto p = parse_tile_path("tile/entries/" + elems + ".p/255");
    ASSERT_TRUE(p.ok()) << elems;
    EXPECT_TRUE(p->entries);
    EXPECT_EQ(p->index, index);
    EXPECT_EQ(p->width, 255);
    ++n;
  }
  EXPECT_EQ(n, 4);
  EXPECT_EQ(tile_path(0, 1234067), "tile/0/x001/x234/067");
}

// Go sumdb paths carry the tile height H ("tile/H/L/N", data tiles "tile/H/data/N"); C2SP fixes
// H = 8 and drops it ("tile/L/N", "tile/entries/N"). The N and .p/W parts are the same, so each
// vector is checked in its C2SP spelling, with C2SP's full width (256) for full tiles.
TEST(Tiles, GoSumdbPathsInC2spSpelling) {
  auto v = tile_vectors();
  int valid = 0, invalid = 0;
  for (const auto& e : v.at("go_sumdb_tile_paths").as_array()) {
    std::string go(e.at("path").as_string());  // tile/H/L/N...
    size_t h_end = go.find('/', 5);
    std::string c2sp = "tile/" + go.substr(h_end + 1);
    if (c2sp.starts_with("tile/data/")) c2sp = "tile/entries/" + c2sp.substr(10);
    auto r = parse_tile_path(c2sp);
    if (!e.at("valid").as_bool()) {
      EXPECT_FALSE(r.ok()) << c2sp;
      ++invalid;
      continue;
    }
    ASSERT_TRUE(r.ok()) << c2sp << ": " << r.error().message;
    int64_t level = e.at("L").to_number<int64_t>();
    bool partial = go.find(".p/") != std::string::npos;
    int width = partial ? int(e.at("W").to_number<int64_t>()) : 256;
    EXPECT_EQ(r->entries, level == -1) << c2sp;
    EXPECT_EQ(r->index, e.at("N").to_number<uint64_t>()) << c2sp;
    EXPECT_EQ(r->width, width) << c2sp;
    std::string back = r->entries ? entries_path(r->index, partial ? width : 0)
                                  : tile_path(int(level), r->index, partial ? width : 0);
    EXPECT_EQ(back, c2sp);
    if (!r->entries) {
      EXPECT_EQ(r->level, level);
    }
    ++valid;
  }
  EXPECT_EQ(valid, 6);
  EXPECT_EQ(invalid, 2);
}

TEST(Tiles, NonCanonicalPathsAreRejected) {
  for (std::string bad : {
           "tile/0/1",                  // not 3 digits
           "tile/0/01",
           "tile/0/0001",
           "tile/0/x000/001",           // leading zero group
           "tile/0/x001",               // x on the last element
           "tile/0/001/234",            // missing x
           "tile/0/x1/234",
           "tile/0/x001/x234",
           "tile/0/X001/234",
           "tile/0/x001//234",
           "tile/00/001",               // leading zero level
           "tile/01/001",
           "tile/64/001",               // level out of range
           "tile/-1/001",
           "tile/+1/001",
           "tile/a/001",
           "tile//001",
           "tile/0/001.p/0",            // width out of range
           "tile/0/001.p/256",
           "tile/0/001.p/05",
           "tile/0/001.p/",
           "tile/0/001.p/1x",
           "tile/0/001.p/255/",
           "tile/0/001.p",
           "tile/0/001/",
           "tile/0/",
           "tile/0",
           "tile/",
           "/tile/0/001",
           "tiles/0/001",
           "tile/entries/1",
           "tile/entries/x000/001",
           "tile/entries/001.p/0",
           "tile/data/001",
           "tile/8/0/001",              // Go sumdb spelling
           "tile/0/x018/x446/x744/x073/x709/x551/616",  // 2^64
           "tile/0/x999/x999/x999/x999/x999/x999/x999/999",
           "tile/0/00a",
           "tile/0/-01",
       }) {
    EXPECT_FALSE(parse_tile_path(bad).ok()) << bad;
  }
  auto max = parse_tile_path("tile/63/x018/x446/x744/x073/x709/x551/615.p/1");
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->index, UINT64_MAX);
  EXPECT_EQ(max->level, 63);
  EXPECT_EQ(max->width, 1);
  EXPECT_EQ(tile_path(64, 0), "");
  EXPECT_EQ(tile_path(-1, 0), "");
  EXPECT_EQ(tile_path(0, 0, 257), "");
  EXPECT_EQ(tile_path(0, 0, 256), "tile/0/000");
}

TEST(Tiles, RandomRoundTrips) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5000; ++i) {
    uint64_t index = rng() >> (rng() % 64);
    int level = int(rng() % 64);
    int width = int(rng() % 256);  // 0 = full
    bool entries = rng() % 4 == 0;
    std::string p = entries ? entries_path(index, width) : tile_path(level, index, width);
    auto r = parse_tile_path(p);
    ASSERT_TRUE(r.ok()) << p;
    EXPECT_EQ(r->entries, entries);
    EXPECT_EQ(r->index, index);
    EXPECT_EQ(r->width, width == 0 ? 256 : width);
    if (!entries) {
      EXPECT_EQ(r->level, level);
    }
  }
}

TEST(Tiles, TileInventoryForTreeSizes) {
  auto v = tile_vectors();
  for (const char* key : {"c2sp_tree_size_70000_tiles", "c2sp_tree_size_256_tiles"}) {
    uint64_t size = std::string(key).find("70000") != std::string::npos ? 70000 : 256;
    const auto& inv = v.at(key).as_object();
    for (int level = 0; level < 3; ++level) {
      std::string name = "level" + std::to_string(level);
      if (!inv.contains(name)) {
        EXPECT_EQ(full_tile_count(level, size), 0u);
        EXPECT_EQ(partial_tile_width(level, size), 0);
        continue;
      }
      EXPECT_EQ(full_tile_count(level, size), inv.at(name).at("full").to_number<uint64_t>()) << key << " " << name;
      EXPECT_EQ(partial_tile_width(level, size), inv.at(name).at("partial_width").to_number<int>()) << key << " " << name;
    }
  }
  EXPECT_EQ(full_tile_count(7, UINT64_MAX), 0u);
  EXPECT_EQ(partial_tile_width(7, UINT64_MAX), 255);
  EXPECT_EQ(partial_tile_width(8, UINT64_MAX), 0);
}

}  // namespace
}  // namespace sl::ledger
