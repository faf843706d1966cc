// The search library on PostgreSQL (a real throwaway server, pg_test_server.h) and SQLite side
// by side: the same documents indexed in both, the same queries, identical result lists —
// the hand-written cases, random queries cut from the texts, the 197 real vTaiwan comments,
// every page size, and after re-indexing and removal.
#include <gtest/gtest.h>

#include <filesystem>

#include "modules/search/search.h"
#include "modules/search/search_test_corpus.h"
#include "storage/migrations.h"
#include "storage/postgres/pg_test_server.h"

namespace sl::search {
namespace {

namespace fs = std::filesystem;

class SearchBothBackendsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::pgtest::PgServer& server = storage::pgtest::PgServer::get();
    ASSERT_TRUE(server.ok()) << "PostgreSQL did not start: " << server.error();
    storage::DatabaseOptions po;
    po.url = server.url();
    po.pool_size = 2;
    auto pg = storage::open_database(po);
    ASSERT_TRUE(pg.ok()) << pg.error().message;
    pg_ = std::move(pg).value();
    Status clean = pg_->write([](storage::Conn& c) -> Status {
      SL_TRY(c.exec("DROP SCHEMA IF EXISTS public CASCADE"));
      SL_TRY(c.exec("CREATE SCHEMA public"));
      return Ok();
    });
    ASSERT_TRUE(clean.ok()) << clean.error().message;
    auto migrated = storage::migrate(*pg_);
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;

    dir_ = fs::temp_directory_path() / ("sl-search-both-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    storage::DatabaseOptions so;
    so.url = "sqlite:" + (dir_ / "s.db").string();
    auto lite = storage::open_database(so);
    ASSERT_TRUE(lite.ok()) << lite.error().message;
    sqlite_ = std::move(lite).value();
    ASSERT_TRUE(storage::migrate(*sqlite_).ok());

    docs_ = testing::corpus();
    auto more = testing::vtaiwan_corpus(SL_SOURCE_DIR);
    ASSERT_EQ(more.size(), 197u);
    docs_.insert(docs_.end(), more.begin(), more.end());
    for (storage::Database* db : {pg_.get(), sqlite_.get()}) {
      Status s = testing::index_all(*db, docs_);
      ASSERT_TRUE(s.ok()) << s.error().message;
    }
  }
  void TearDown() override {
    if (pg_) pg_->close();
    if (sqlite_) sqlite_->close();
    fs::remove_all(dir_);
  }

  // Runs the query on both, PostgreSQL with each of its plans, SQLite with each of its own;
  // expects every list to equal the reference.
  void expect_same(const Query& query, const std::string& label, int page = 100) {
    const auto want = testing::reference(docs_, query);
    struct Plan {
      const char* name;
      int64_t scan_scope_below, pg_newest_window;
    };
    constexpr int64_t kAlways = int64_t{1} << 40;
    for (Plan plan : {Plan{"scope", kAlways, 0}, Plan{"index", 0, 0}, Plan{"newest", 0, 40}}) {
      Query x = query;
      x.scan_scope_below = plan.scan_scope_below;
      x.pg_newest_window = plan.pg_newest_window;
      auto pg = testing::run(*pg_, x, page);
      ASSERT_TRUE(pg.ok()) << label << ": " << pg.error().message;
      EXPECT_EQ(*pg, want) << label << ", PostgreSQL plan " << plan.name;
      if (plan.pg_newest_window > 0 && plan.scan_scope_below == 0) continue;  // SQLite has two plans
      auto lite = testing::run(*sqlite_, x, page);
      ASSERT_TRUE(lite.ok()) << label << ": " << lite.error().message;
      EXPECT_EQ(*lite, want) << label << ", SQLite plan " << plan.name;
    }
  }

  Status write_both(const std::function<Status(storage::Conn&)>& fn) {
    SL_TRY(pg_->write(fn));
    return sqlite_->write(fn);
  }

  std::unique_ptr<storage::Database> pg_, sqlite_;
  fs::path dir_;
  std::vector<Doc> docs_;
};

std::vector<int64_t> all_scopes() { return {1, 2, 3, 7, 8}; }

TEST_F(SearchBothBackendsTest, TheCorpusCasesGiveIdenticalLists) {
  for (testing::Case c : testing::cases()) {
    auto pg = testing::run(*pg_, c.query);
    ASSERT_TRUE(pg.ok()) << c.name << ": " << pg.error().message;
    EXPECT_EQ(*pg, c.expect) << c.name;
    expect_same(c.query, c.name);
    expect_same(c.query, c.name + " (pages of 1)", 1);
  }
}

TEST_F(SearchBothBackendsTest, RealCommentsGiveIdenticalLists) {
  // 計程車 and Uber are all over the vTaiwan comments: long lists, many pages.
  for (std::string text : {"計程車", "计程车", "uber", "UberX", "司機", "乘客 保險", "交通部", "車", "政府", "共享經濟",
                           "uber司機", "司機uber"}) {
    Query query = testing::q(text, all_scopes());
    auto pg = testing::run(*pg_, query);
    ASSERT_TRUE(pg.ok()) << pg.error().message;
    if (text == std::string("計程車") || text == std::string("uber")) {
      EXPECT_GT(pg->size(), 40u) << text;
    }
    expect_same(query, text);
    expect_same(query, text + " (pages of 7)", 7);
    query.scope_ids = {8};
    expect_same(query, text + " in one deliberation");
  }
}

TEST_F(SearchBothBackendsTest, RandomQueriesGiveIdenticalLists) {
  int found = 0;
  for (const std::string& text : testing::random_queries(docs_, 7, 500)) {
    Query query = testing::q(text, all_scopes());
    found += !testing::reference(docs_, query).empty();
    expect_same(query, "q=" + text);
    if (HasFailure()) break;
  }
  EXPECT_GT(found, 400);
}

TEST_F(SearchBothBackendsTest, HitsAreIdenticalToTheSnippet) {
  for (std::string text : {"養老", "uber 計程車", "規劃"}) {
    Query query = testing::q(text, all_scopes());
    auto pg = pg_->read_value<Page>([&](storage::Conn& c) { return find(c, query); });
    auto lite = sqlite_->read_value<Page>([&](storage::Conn& c) { return find(c, query); });
    ASSERT_TRUE(pg.ok() && lite.ok());
    ASSERT_EQ(pg->hits.size(), lite->hits.size());
    ASSERT_FALSE(pg->hits.empty()) << text;
    for (size_t i = 0; i < pg->hits.size(); ++i) {
      const Hit& a = pg->hits[i];
      const Hit& b = lite->hits[i];
      EXPECT_EQ(std::tie(a.kind, a.id, a.scope_id, a.org_path, a.author_id, a.sector_id, a.department_id, a.subtopic,
                         a.created_at, a.title_html, a.snippet_html),
                std::tie(b.kind, b.id, b.scope_id, b.org_path, b.author_id, b.sector_id, b.department_id, b.subtopic,
                         b.created_at, b.title_html, b.snippet_html))
          << text << " #" << i;
    }
  }
}

TEST_F(SearchBothBackendsTest, ReindexAndUnindexAgree) {
  Doc d = docs_[0];  // post 101
  d.body = "現在談的是扶貧。";
  d.title = "";
  ASSERT_TRUE(write_both([&](storage::Conn& c) { return index(c, d); }).ok());
  docs_[0] = d;
  expect_same(testing::q("扶贫", all_scopes()), "after re-indexing");
  expect_same(testing::q("社区", all_scopes()), "the old text is gone");
  ASSERT_TRUE(write_both([&](storage::Conn& c) { return unindex(c, "post", 101); }).ok());
  ASSERT_TRUE(write_both([&](storage::Conn& c) { return unindex(c, "post", 101); }).ok());
  docs_.erase(docs_.begin());
  expect_same(testing::q("扶贫", all_scopes()), "after removal");
  expect_same(testing::q("贫", all_scopes()), "after removal, one character");
}

}  // namespace
}  // namespace sl::search
