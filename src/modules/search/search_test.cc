// The search library on SQLite: the shared corpus and its queries, pagination, random queries
// against the reference matcher, re-indexing and removal. (search_postgres_test.cc runs the
// same on PostgreSQL and compares the two.)
#include "modules/search/search.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "core/json.h"
#include "modules/common/test_fixture.h"
#include "modules/search/search_test_corpus.h"

namespace sl::search {
namespace {

using testing::corpus;

class SearchStoreTest : public sl::testing::ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    docs_ = corpus();
    Status s = testing::index_all(*db_, docs_);
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  std::vector<std::string> run(const Query& query, int page = 100) {
    auto r = testing::run(*db_, query, page);
    EXPECT_TRUE(r.ok()) << query.q << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : std::vector<std::string>{"<error>"};
  }

  Result<Page> find_page(const Query& query) {
    return db_->read_value<Page>([&](storage::Conn& c) { return find(c, query); });
  }

  std::vector<Doc> docs_;
};

// Both SQLite plans: walk the index's matches (scan_scope_below = 0) or the scopes' documents.
constexpr int64_t kPlans[] = {0, int64_t{1} << 40};

TEST_F(SearchStoreTest, CorpusQueriesFindWhatTheyShould) {
  for (const testing::Case& c : testing::cases()) {
    for (int64_t plan : kPlans) {
      Query query = c.query;
      query.scan_scope_below = plan;
      EXPECT_EQ(run(query), c.expect) << c.name << " plan " << plan;
      EXPECT_EQ(run(query, 1), c.expect) << c.name << " plan " << plan << ", pages of 1";
    }
    EXPECT_EQ(testing::reference(docs_, c.query), c.expect) << c.name << " (reference)";
  }
}

TEST_F(SearchStoreTest, PagesFollowTheCursor) {
  for (const testing::Case& c : testing::cases()) EXPECT_EQ(run(c.query, 3), c.expect) << c.name;
  Query query = testing::q("养老");
  query.limit = 2;
  auto first = find_page(query);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->hits.size(), 2u);
  ASSERT_TRUE(first->next.has_value());
  EXPECT_EQ(first->next->key, doc_key(testing::kT0 + 2 * testing::kStep, "post", 103));
  query.after = decode_cursor(encode_cursor(*first->next)).value();
  auto second = find_page(query);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->hits.size(), 2u);
  EXPECT_EQ(second->hits[1].id, 101);
  EXPECT_FALSE(second->next.has_value());
}

TEST_F(SearchStoreTest, RandomQueriesAgreeWithTheReference) {
  int nonempty = 0;
  for (const std::string& text : testing::random_queries(docs_, 20261122, 400)) {
    Query query = testing::q(text);
    auto want = testing::reference(docs_, query);
    nonempty += !want.empty();
    for (int64_t plan : kPlans) {
      query.scan_scope_below = plan;
      EXPECT_EQ(run(query), want) << "q=" << text << " fts=" << fts_match(parse_query(text).value());
    }
  }
  EXPECT_GT(nonempty, 300);  // the queries come from the texts, so most find something
}

TEST_F(SearchStoreTest, HitsCarryTheRecordAndHighlightedOriginalText) {
  Query query = testing::q("养老金");
  auto page = find_page(query);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->hits.size(), 1u);
  const Hit& h = page->hits[0];
  EXPECT_EQ(h.kind, "post");
  EXPECT_EQ(h.id, 102);
  EXPECT_EQ(h.scope_id, 1);
  EXPECT_EQ(h.org_path, "/1/1/");
  EXPECT_EQ(h.author_id, 12);
  EXPECT_EQ(h.sector_id, 22);
  EXPECT_FALSE(h.department_id.has_value());
  EXPECT_EQ(h.subtopic, "养老金");
  EXPECT_EQ(h.created_at, testing::kT0 + testing::kStep);
  EXPECT_EQ(h.title_html, "");
  EXPECT_EQ(h.snippet_html, "<mark>養老金</mark>的調整應該考慮物價上漲，農村老人的養老保險也要提高。");

  auto attachment = find_page(testing::q("规划 PDF"));
  ASSERT_TRUE(attachment.ok());
  ASSERT_EQ(attachment->hits.size(), 1u);
  EXPECT_EQ(attachment->hits[0].title_html, "养老服务设施<mark>规划</mark>（征求意见稿）.<mark>pdf</mark>");
  EXPECT_EQ(attachment->hits[0].snippet_html, "");
}

TEST_F(SearchStoreTest, IndexReplacesAndUnindexRemoves) {
  Doc d = docs_[0];  // post 101
  d.title = "改过的标题";
  d.body = "現在談的是扶貧。";
  d.author_id = 99;
  ASSERT_TRUE(db_->write([&](storage::Conn& c) { return index(c, d); }).ok());
  EXPECT_EQ(run(testing::q("社区")), std::vector<std::string>{});  // the old text is gone
  EXPECT_EQ(run(testing::q("扶贫")), (std::vector<std::string>{"post:202", "post:201", "post:101"}));
  Query by_author = testing::q("扶贫");
  by_author.author_id = 99;
  EXPECT_EQ(run(by_author), std::vector<std::string>{"post:101"});
  // A new creation time moves it in the order (a new key); the old key is gone.
  d.created_at = testing::kT0 + 100 * testing::kStep;
  ASSERT_TRUE(db_->write([&](storage::Conn& c) { return index(c, d); }).ok());
  EXPECT_EQ(run(testing::q("扶贫")), (std::vector<std::string>{"post:101", "post:202", "post:201"}));
  EXPECT_EQ(run(testing::q("扶贫"), 1), (std::vector<std::string>{"post:101", "post:202", "post:201"}));

  ASSERT_TRUE(db_->write([&](storage::Conn& c) { return unindex(c, "post", 101); }).ok());
  EXPECT_EQ(run(testing::q("扶贫")), (std::vector<std::string>{"post:202", "post:201"}));
  EXPECT_TRUE(db_->write([&](storage::Conn& c) { return unindex(c, "post", 101); }).ok());  // again: fine
  EXPECT_TRUE(db_->write([&](storage::Conn& c) { return unindex(c, "post", 424242); }).ok());

  // The contentless FTS5 index stayed consistent through the deletes.
  Status check = db_->write([](storage::Conn& c) -> Status {
    SL_TRY(c.exec("INSERT INTO search_fts (search_fts) VALUES ('integrity-check')"));
    return Ok();
  });
  EXPECT_TRUE(check.ok()) << (check.ok() ? "" : check.error().message);
  auto rows = db_->read_value<int64_t>([](storage::Conn& c) -> Result<int64_t> {
    SL_ASSIGN(auto r, c.query_one("SELECT COUNT(*) FROM search_docs"));
    return r->i64(0);
  });
  EXPECT_EQ(*rows, static_cast<int64_t>(docs_.size()) - 1);
}

TEST_F(SearchStoreTest, RejectsBadInput) {
  Query bad = testing::q("");
  EXPECT_EQ(find_page(bad).error().slug, "query_required");
  Query zero = testing::q("养老");
  zero.limit = 0;
  EXPECT_EQ(find_page(zero).error().slug, "invalid_limit");
  // No readable deliberations: nothing, without asking the database.
  auto none = find_page(testing::q("养老", {}));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->hits.empty());
  EXPECT_FALSE(none->next.has_value());

  Doc d = docs_[0];
  d.kind = "Post";
  EXPECT_EQ(db_->write([&](storage::Conn& c) { return index(c, d); }).error().slug, "invalid_kind");
  d.kind = "post";
  d.id = 0;
  EXPECT_EQ(db_->write([&](storage::Conn& c) { return index(c, d); }).error().slug, "invalid_id");
}

TEST(SearchCursor, RoundTripsAndRejectsGarbage) {
  Cursor c{doc_key(1'790'000'000'000, "attachment", 42)};
  auto back = decode_cursor(encode_cursor(c));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->key, c.key);
  EXPECT_FALSE(decode_cursor("").ok());
  EXPECT_FALSE(decode_cursor("!!!").ok());
  EXPECT_FALSE(decode_cursor(sl::json::encode_cursor(5)).ok());
  EXPECT_EQ(decode_cursor("azo").error().slug, "invalid_cursor");
}

TEST(SearchKey, TimeFirstThenAHashOfKindAndId) {
  const TimeMs t = 1'790'000'000'000;
  EXPECT_LT(doc_key(t, "post", 999), doc_key(t + 1, "post", 1));
  EXPECT_EQ(doc_key(t, "post", 7) >> 21, t);
  EXPECT_NE(doc_key(t, "post", 7), doc_key(t, "post", 8));
  EXPECT_NE(doc_key(t, "post", 7), doc_key(t, "attachment", 7));
  EXPECT_EQ(doc_key(-5, "post", 1) >> 21, 0);                     // clamped
  EXPECT_EQ(doc_key(int64_t{1} << 50, "post", 1) >> 21, (int64_t{1} << 42) - 1);
  EXPECT_GT(doc_key(int64_t{1} << 50, "post", 1), 0);
}

TEST_F(SearchStoreTest, DocumentsOfTheSameMillisecondGetKeysOfTheirOwn) {
  // Many documents in one millisecond: every one is found, in key order, across pages.
  std::vector<Doc> same;
  for (int i = 0; i < 300; ++i) {
    Doc d = docs_[0];
    d.id = 10'000 + i;
    d.created_at = testing::kT0 - 5;
    same.push_back(d);
  }
  ASSERT_TRUE(testing::index_all(*db_, same).ok());
  Query query = testing::q("社区养老");
  auto all = run(query);
  EXPECT_EQ(all.size(), 301u);  // 101 and the 300
  EXPECT_EQ(run(query, 7), all);
}

TEST_F(SearchStoreTest, AKeyCollisionTakesTheNextKey) {
  // Two ids whose keys collide in one millisecond (found by trying ids).
  const TimeMs t = testing::kT0 - 7;
  std::map<int64_t, int64_t> by_key;
  int64_t a = 0, b = 0;
  for (int64_t id = 20'000; id < 200'000 && !a; ++id) {
    auto [it, fresh] = by_key.emplace(doc_key(t, "post", id), id);
    if (!fresh) a = it->second, b = id;
  }
  ASSERT_NE(a, 0);
  for (int64_t id : {a, b}) {
    Doc d = docs_[0];
    d.id = id;
    d.created_at = t;
    d.title = "碰撞";
    d.body = "";
    ASSERT_TRUE(db_->write([&](storage::Conn& c) { return index(c, d); }).ok());
  }
  const std::string first = "post:" + std::to_string(a), second = "post:" + std::to_string(b);
  EXPECT_EQ(run(testing::q("碰撞")), (std::vector<std::string>{second, first}));  // b took key + 1
  EXPECT_EQ(run(testing::q("碰撞"), 1), (std::vector<std::string>{second, first}));
  // Re-indexing b keeps its key; removing a leaves b.
  Doc d = docs_[0];
  d.id = b;
  d.created_at = t;
  d.title = "碰撞 again";
  ASSERT_TRUE(db_->write([&](storage::Conn& c) { return index(c, d); }).ok());
  ASSERT_TRUE(db_->write([&](storage::Conn& c) { return unindex(c, "post", a); }).ok());
  EXPECT_EQ(run(testing::q("碰撞 again")), std::vector<std::string>{second});
}

// On SQLite the FTS5 rows of a group commit are written together before its COMMIT: writes that
// fail drop theirs, the others' are all found, re-indexed and removed ones as they should be, and
// the contentless index stays consistent.
TEST_F(SearchStoreTest, GroupCommitsIndexOnlyTheWritesThatCommit) {
  constexpr int kThreads = 8, kPer = 30;
  std::mutex mu;
  std::set<std::string> expect;
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < kPer; ++i) {
        const int id = 50'000 + t * 100 + i, kind = i % 4;
        Doc d = docs_[0];
        d.id = id;
        d.created_at = testing::kT0 + id;
        d.title = "并发检索";
        d.body = "第" + std::to_string(id) + "条";
        Status s = db_->write([&](storage::Conn& c) -> Status {
          SL_TRY(index(c, d));
          if (kind == 1) return Error::Invalid("boom", "fails after indexing");
          if (kind == 2) {  // indexed again with other words in the same write, same key
            Doc again = d;
            again.title = "并发修改";
            SL_TRY(index(c, again));
          }
          if (kind == 3) SL_TRY(unindex(c, "post", id));
          return Ok();
        });
        if (kind == 1) {
          EXPECT_FALSE(s.ok());
          continue;
        }
        ASSERT_TRUE(s.ok()) << s.error().message;
        std::lock_guard lk(mu);
        if (kind == 0) expect.insert("post:" + std::to_string(id));
        if (kind == 2) expect.insert("修改 post:" + std::to_string(id));
      }
    });
  for (auto& th : ts) th.join();
  std::set<std::string> found;
  for (auto& h : run(testing::q("并发检索"), 100)) found.insert(h);
  for (auto& h : run(testing::q("并发修改"), 100)) found.insert("修改 " + h);
  EXPECT_EQ(found, expect);
  EXPECT_EQ(expect.size(), static_cast<size_t>(kThreads * (kPer / 4 + (kPer % 4 > 0) + kPer / 4 + (kPer % 4 > 2))));
  Status check = db_->write([](storage::Conn& c) -> Status {
    SL_TRY(c.exec("INSERT INTO search_fts (search_fts) VALUES ('integrity-check')"));
    return Ok();
  });
  EXPECT_TRUE(check.ok()) << (check.ok() ? "" : check.error().message);
}

}  // namespace
}  // namespace sl::search
