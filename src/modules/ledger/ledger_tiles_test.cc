// tlog-tiles serving: hash tiles and entry bundles, exactly what the latest checkpoint covers,
// checked against hashes recomputed here from the entries.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "modules/common/test_fixture.h"
#include "modules/ledger/ledger.h"
#include "modules/ledger/note.h"
#include "modules/ledger/tiles.h"
#include "net/router.h"

namespace sl::ledger {
namespace {

class LedgerTilesTest : public testing::ModuleTest {
 protected:
  void append_n(int n) {
    auto r = db_->write([&](storage::Conn& c) -> Status {
      access::Caller actor;
      actor.person_id = 7;
      for (int i = 0; i < n; ++i) {
        // Varied lengths, so the bundle's length prefixes matter.
        std::string content = "{\"n\":" + std::to_string(i) + ",\"pad\":\"" + std::string(size_t(i % 37), 'x') + "\"}";
        SL_TRY(ledger_->append(c, actor, Change{"thing.created", "thing", i + 1, content, "salt"}));
      }
      return Ok();
    });
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  uint64_t checkpoint() {
    auto r = ledger_->checkpoint_now();
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : 0;
  }
  // Every entry so far, in order.
  std::vector<std::string> all_entries() {
    std::vector<std::string> out;
    for (;;) {
      auto page = ledger_->entries(out.size(), 1000);
      EXPECT_TRUE(page.ok());
      if (!page.ok()) return out;
      auto& items = page->at("items").as_array();
      if (items.empty()) return out;
      for (const auto& it : items) out.emplace_back(it.as_object().at("entry").as_string());
    }
  }
  Checkpoint latest() {
    auto note = ledger_->latest_checkpoint();
    EXPECT_TRUE(note.ok());
    auto v = parse_vkey(ledger_->verifier_key());
    auto opened = open_note(*note, {*v});
    EXPECT_TRUE(opened.ok());
    auto cp = parse_checkpoint(opened->text);
    EXPECT_TRUE(cp.ok());
    return *cp;
  }
  std::string tile_ok(std::string_view path) {
    auto r = ledger_->tile(path);
    EXPECT_TRUE(r.ok()) << path << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : std::string();
  }
  void expect_error(std::string_view path, Code code, std::string_view slug) {
    auto r = ledger_->tile(path);
    ASSERT_FALSE(r.ok()) << path << " was served";
    EXPECT_EQ(r.error().code, code) << path;
    EXPECT_EQ(r.error().slug, slug) << path;
  }
};

std::string bytes_of(const Hash& h) { return std::string(h.begin(), h.end()); }

// MTH over leaf hashes [begin, end), straight from RFC 9162 §2.1.1.
Hash mth(const std::vector<Hash>& leaves, size_t begin, size_t end) {
  if (end - begin == 1) return leaves[begin];
  size_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  return node_hash(mth(leaves, begin, begin + k), mth(leaves, begin + k, end));
}

std::vector<std::string> parse_bundle(std::string_view b) {
  std::vector<std::string> out;
  while (!b.empty()) {
    EXPECT_GE(b.size(), 2u);
    if (b.size() < 2) break;
    size_t n = (size_t(uint8_t(b[0])) << 8) | uint8_t(b[1]);
    b.remove_prefix(2);
    EXPECT_GE(b.size(), n);
    if (b.size() < n) break;
    out.emplace_back(b.substr(0, n));
    b.remove_prefix(n);
  }
  return out;
}

TEST_F(LedgerTilesTest, HashTilesHoldTheLeafAndSubtreeHashes) {
  append_n(600);
  ASSERT_EQ(checkpoint(), 600u);
  std::vector<std::string> entries = all_entries();
  ASSERT_EQ(entries.size(), 600u);
  std::vector<Hash> leaves;
  for (const auto& e : entries) leaves.push_back(leaf_hash(e));

  // Level 0, tile 0: the leaf hashes 0..255.
  std::string t0 = tile_ok("0/000");
  ASSERT_EQ(t0.size(), 256u * 32);
  for (size_t i = 0; i < 256; ++i) EXPECT_EQ(t0.substr(i * 32, 32), bytes_of(leaves[i])) << i;
  std::string t1 = tile_ok("0/001");
  ASSERT_EQ(t1.size(), 256u * 32);
  EXPECT_EQ(t1.substr(255 * 32), bytes_of(leaves[511]));
  // The right edge: 600 - 512 = 88 leaves.
  std::string t2 = tile_ok("0/002.p/88");
  ASSERT_EQ(t2.size(), 88u * 32);
  EXPECT_EQ(t2.substr(87 * 32), bytes_of(leaves[599]));
  // A narrower partial tile is the prefix (its content depends only on its width).
  EXPECT_EQ(tile_ok("0/002.p/10"), t2.substr(0, 10 * 32));
  EXPECT_EQ(tile_ok("0/001.p/44"), t1.substr(0, 44 * 32));

  // Level 1: 600 / 256 = 2 hashes at tree level 8, the roots of the first two 256-leaf subtrees.
  std::string l1 = tile_ok("1/000.p/2");
  ASSERT_EQ(l1.size(), 64u);
  EXPECT_EQ(l1.substr(0, 32), bytes_of(mth(leaves, 0, 256)));
  EXPECT_EQ(l1.substr(32, 32), bytes_of(mth(leaves, 256, 512)));
  EXPECT_EQ(tile_ok("1/000.p/1"), l1.substr(0, 32));

  // Not covered: 404.
  for (const char* p : {"0/002", "0/002.p/89", "0/003.p/1", "0/003", "1/000", "1/000.p/3", "1/001.p/1", "2/000.p/1",
                        "63/000.p/1", "0/x001/000", "0/x018/x446/x744/x073/x709/x551/615"})
    expect_error(p, Code::kNotFound, "tile_not_found");

  // The root recomputed from the level-0 tiles alone is the checkpoint's.
  std::vector<Hash> mirrored;
  for (const std::string* t : {&t0, &t1, &t2})
    for (size_t i = 0; i < t->size(); i += 32) {
      Hash h;
      std::copy(t->begin() + long(i), t->begin() + long(i + 32), h.begin());
      mirrored.push_back(h);
    }
  ASSERT_EQ(mirrored.size(), 600u);
  EXPECT_EQ(mth(mirrored, 0, mirrored.size()), latest().root);
}

TEST_F(LedgerTilesTest, EntryBundlesRoundTrip) {
  append_n(600);
  ASSERT_EQ(checkpoint(), 600u);
  std::vector<std::string> entries = all_entries();

  std::vector<std::string> got = parse_bundle(tile_ok("entries/000"));
  ASSERT_EQ(got.size(), 256u);
  for (size_t i = 0; i < 256; ++i) EXPECT_EQ(got[i], entries[i]) << i;
  got = parse_bundle(tile_ok("entries/002.p/88"));
  ASSERT_EQ(got.size(), 88u);
  for (size_t i = 0; i < 88; ++i) EXPECT_EQ(got[i], entries[512 + i]) << i;
  std::string one = tile_ok("entries/001.p/1");
  ASSERT_GE(one.size(), 2u);
  EXPECT_EQ(size_t(uint8_t(one[0])) << 8 | uint8_t(one[1]), entries[256].size());
  EXPECT_EQ(one.substr(2), entries[256]);

  // Entries appended after the latest checkpoint are not served until one covers them.
  append_n(10);
  expect_error("entries/002.p/89", Code::kNotFound, "tile_not_found");
  expect_error("0/002.p/89", Code::kNotFound, "tile_not_found");
  expect_error("entries/002", Code::kNotFound, "tile_not_found");
  ASSERT_EQ(checkpoint(), 610u);
  got = parse_bundle(tile_ok("entries/002.p/98"));
  ASSERT_EQ(got.size(), 98u);
  EXPECT_EQ(got.back(), all_entries()[609]);
  // The width of the earlier checkpoint is still served (and unchanged).
  EXPECT_EQ(parse_bundle(tile_ok("entries/002.p/88")).size(), 88u);
}

TEST_F(LedgerTilesTest, BeforeAnyCheckpointNothingIsServed) {
  expect_error("0/000.p/1", Code::kNotFound, "tile_not_found");
  append_n(3);
  expect_error("entries/000.p/1", Code::kNotFound, "tile_not_found");
  ASSERT_EQ(checkpoint(), 3u);
  EXPECT_EQ(parse_bundle(tile_ok("entries/000.p/3")).size(), 3u);
  EXPECT_EQ(tile_ok("0/000.p/3").size(), 96u);
}

TEST_F(LedgerTilesTest, BadPathsAreInvalid) {
  append_n(300);
  checkpoint();
  for (const char* p : {"", "0", "0/", "0/0", "0/00", "0/0000", "00/000", "-1/000", "64/000", "0/000.p/0", "0/000.p/256",
                        "0/000.p/", "0/000.p/01", "0/000.p", "0/000/", "0/x000/001", "0/x1/000", "0/x001", "entries",
                        "entries/", "entries/00", "entry/000", "tile/0/000", "/0/000", "0//000", "0/%30%30%30",
                        "0/000?x=1", "0/000.P/5", "a/000", "0/x001/x002/x003/x004/x005/x006/x007/x008/000"})
    expect_error(p, Code::kInvalidArgument, "invalid_tile_path");
  expect_error(std::string(100, '0'), Code::kInvalidArgument, "invalid_tile_path");
}

net::HttpRequest get(std::string target) {
  net::HttpRequest r;
  r.method = "GET";
  r.target = target;
  r.path = target;
  return r;
}

TEST_F(LedgerTilesTest, RouteServesImmutableOctetsAndProblems) {
  append_n(300);
  checkpoint();
  net::Router router;
  register_tile_routes(router, *ledger_);

  auto ok = get("/api/v1/ledger/tile/0/000");
  auto m = router.match(ok);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/ledger/tile/{path...}");
  net::HttpResponse r = router.handle(m, ok);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/octet-stream");
  EXPECT_EQ(r.header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(r.body.size(), 256u * 32);

  auto bundle = get("/api/v1/ledger/tile/entries/001.p/44");
  r = router.handle(router.match(bundle), bundle);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(parse_bundle(r.body).size(), 44u);

  auto bad = get("/api/v1/ledger/tile/0/0");
  r = router.handle(router.match(bad), bad);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(boost::json::parse(r.body).at("code").as_string(), "invalid_tile_path");

  // Percent-escapes are not canonical: the catch-all hands the path over raw.
  auto escaped = get("/api/v1/ledger/tile/0%2F000");
  r = router.handle(router.match(escaped), escaped);
  EXPECT_EQ(r.status, 400);

  auto missing = get("/api/v1/ledger/tile/0/001");
  r = router.handle(router.match(missing), missing);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(boost::json::parse(r.body).at("code").as_string(), "tile_not_found");
  EXPECT_NE(r.header("Cache-Control"), "public, max-age=31536000, immutable");
}

}  // namespace
}  // namespace sl::ledger
