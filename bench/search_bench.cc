// Search costs, printed (a benchmark, not a test): indexing throughput and query latency on N
// documents, on SQLite and (given a URL) PostgreSQL.
//   build/sl_bench_search DIR N [POSTGRES_URL]
// Documents: 2–4 real vTaiwan comments each (繁體; every other document folded to 简体), 1,000
// deliberations, 5,000 authors, newest last; 1% mention 养老, 0.1% 扶贫. Indexing: bulk (500
// documents per transaction) and one document per transaction (what posting costs). Queries:
// the first page (20) of each, in all 1,000 deliberations and in one; median and p95 of R runs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/csv.h"
#include "modules/search/search.h"
#include "storage/database.h"
#include "storage/migrations.h"

using namespace sl;
using Clk = std::chrono::steady_clock;

namespace {

double ms_since(Clk::time_point t) { return std::chrono::duration<double, std::milli>(Clk::now() - t).count(); }

std::vector<std::string> load_comments() {
  std::ifstream in(std::string(SL_SOURCE_DIR) + "/src/modules/search/testdata/vtaiwan-uberx-comments.csv");
  std::stringstream ss;
  ss << in.rdbuf();
  std::vector<std::string> out;
  auto records = csv::parse(ss.str());
  if (records.ok())
    for (size_t i = 1; i < records->size(); ++i)
      if ((*records)[i].fields.size() == 4) out.push_back((*records)[i].fields[3]);
  return out;
}

std::vector<search::Doc> make_docs(int n) {
  const std::vector<std::string> comments = load_comments();
  std::mt19937 rng(20261122);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::vector<search::Doc> docs;
  docs.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    search::Doc d;
    d.kind = "post";
    d.id = i + 1;
    d.scope_id = 1 + i % 1000;
    d.org_path = "/1/";
    d.author_id = 1 + pick(0, 4999);
    if (pick(0, 3) == 0) d.sector_id = 1 + pick(0, 29);
    d.created_at = 1'790'000'000'000 + int64_t{i} * 1000;
    int parts = pick(2, 4);
    for (int p = 0; p < parts; ++p) d.body += comments[static_cast<size_t>(pick(0, static_cast<int>(comments.size()) - 1))];
    if (pick(0, 99) == 0) d.body += "关于社区养老服务的建议。";
    if (pick(0, 999) == 0) d.body += "精准扶贫要因地制宜。";
    if (i % 2) d.body = search::fold(d.body);
    docs.push_back(std::move(d));
  }
  return docs;
}

struct Latency {
  double median, p95;
  size_t hits;
};

Latency measure(storage::Database& db, const search::Query& q, int runs) {
  std::vector<double> ms;
  size_t hits = 0;
  for (int r = 0; r < runs; ++r) {
    auto t = Clk::now();
    auto page = db.read_value<search::Page>([&](storage::Conn& c) { return search::find(c, q); });
    ms.push_back(ms_since(t));
    if (!page.ok()) {
      std::printf("  query failed: %s\n", page.error().message.c_str());
      return {0, 0, 0};
    }
    hits = page->hits.size();
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 95 / 100)], hits};
}

void bench(const char* name, storage::Database& db, const std::vector<search::Doc>& docs, const std::string& size_sql) {
  std::printf("== %s, %zu documents\n", name, docs.size());
  const size_t single = 2000;
  const size_t bulk_n = docs.size() - single;
  auto t = Clk::now();
  for (size_t i = 0; i < bulk_n; i += 500) {
    Status s = db.write([&](storage::Conn& c) -> Status {
      for (size_t j = i; j < std::min(bulk_n, i + 500); ++j) SL_TRY(search::index(c, docs[j]));
      return Ok();
    });
    if (!s.ok()) {
      std::printf("  index failed: %s\n", s.error().message.c_str());
      return;
    }
  }
  double bulk_ms = ms_since(t);
  std::printf("  index, 500 per transaction: %.0f documents/s (%zu in %.1f s)\n", bulk_n / (bulk_ms / 1000), bulk_n,
              bulk_ms / 1000);
  // One document per transaction, as when a post is written: a bare insert of the post
  // alone, then the same insert with the document indexed in the same transaction.
  (void)db.write([](storage::Conn& c) -> Status {
    SL_TRY(c.exec("CREATE TABLE IF NOT EXISTS bench_posts (id BIGINT PRIMARY KEY, body TEXT NOT NULL)"));
    return Ok();
  });
  auto one_by_one = [&](bool with_index) {
    auto start = Clk::now();
    for (size_t i = bulk_n; i < docs.size(); ++i) {
      (void)db.write([&](storage::Conn& c) -> Status {
        SL_TRY(c.exec("INSERT INTO bench_posts (id, body) VALUES (?, ?)",
                      {docs[i].id + (with_index ? 10'000'000 : 0), docs[i].body}));
        if (with_index) SL_TRY(search::index(c, docs[i]));
        return Ok();
      });
    }
    return ms_since(start) / static_cast<double>(single);
  };
  const double bare = one_by_one(false);
  const double indexed = one_by_one(true);
  std::printf("  one post per transaction: %.2f ms bare, %.2f ms with the document indexed (+%.2f ms)\n", bare,
              indexed, indexed - bare);
  if (db.dialect() == storage::Dialect::kPostgres)  // what autovacuum would have done by now
    (void)db.write([](storage::Conn& c) -> Status { return c.exec("ANALYZE search_docs").ok() ? Ok() : Ok(); });
  auto size = db.read_value<int64_t>([&](storage::Conn& c) -> Result<int64_t> {
    SL_ASSIGN(auto r, c.query_one(size_sql));
    return r->i64(0);
  });
  if (size.ok()) std::printf("  database size: %.0f MiB\n", static_cast<double>(*size) / (1 << 20));

  std::vector<int64_t> everywhere(1000);
  for (int i = 0; i < 1000; ++i) everywhere[static_cast<size_t>(i)] = i + 1;
  const char* queries[] = {"养老", "扶贫", "養老服務", "計程車", "uber", "车", "險", "共享經濟", "uber 計程車", "量子计算"};
  std::printf("  %-14s %28s %28s\n", "query", "all 1,000 deliberations", "one deliberation");
  std::printf("  %-14s %28s %28s\n", "", "median / p95 ms (hits)", "median / p95 ms (hits)");
  for (const char* text : queries) {
    search::Query q;
    q.q = text;
    q.limit = 20;
    q.scope_ids = everywhere;
    Latency all = measure(db, q, 30);
    q.scope_ids = {7};
    Latency one = measure(db, q, 30);
    std::printf("  %-14s %14.2f / %6.2f (%2zu) %14.2f / %6.2f (%2zu)\n", text, all.median, all.p95, all.hits, one.median,
                one.p95, one.hits);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "/tmp/sl-search-bench";
  const int n = argc > 2 ? std::atoi(argv[2]) : 100000;
  const std::string pg_url = argc > 3 ? argv[3] : "";
  auto t = Clk::now();
  const std::vector<search::Doc> docs = make_docs(std::max(n, 4000));
  size_t chars = 0;
  for (const auto& d : docs) chars += d.body.size();
  std::printf("made %zu documents (%.0f MiB of text, %.0f bytes each on average) in %.1f s\n", docs.size(),
              static_cast<double>(chars) / (1 << 20), static_cast<double>(chars) / docs.size(), ms_since(t) / 1000);

  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  storage::DatabaseOptions o;
  o.url = "sqlite:" + dir + "/bench.db";
  auto lite = storage::open_database(o);
  if (!lite.ok() || !storage::migrate(**lite).ok()) {
    std::printf("cannot open SQLite\n");
    return 1;
  }
  bench("SQLite", **lite, docs, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()");
  (*lite)->close();

  if (!pg_url.empty()) {
    o.url = pg_url;
    auto pg = storage::open_database(o);
    if (!pg.ok() || !storage::migrate(**pg).ok()) {
      std::printf("cannot open PostgreSQL\n");
      return 1;
    }
    bench("PostgreSQL", **pg, docs, "SELECT pg_database_size(current_database())");
    (*pg)->close();
  }
  return 0;
}
