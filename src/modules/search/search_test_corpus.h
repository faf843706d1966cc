// For search tests only: one corpus of mixed 简体/繁體 documents and the queries run against
// it, shared by the SQLite tests (search_test.cc) and the PostgreSQL ones
// (search_postgres_test.cc), with a reference that answers every query from the corpus alone
// (text.h's matcher), so both backends are held to the same list.
//
// Documents 301–307 are real comments from the vTaiwan uberX consultation (2015–2016) and 309
// from the Seattle $15/hour conversation, published by The Computational Democracy Project
// (compdemocracy/openData), CC BY 4.0: "Data was gathered using the Polis software
// (compdemocracy.org/polis) and is sub-licensed under CC BY 4.0 with Attribution to The
// Computational Democracy Project."
#pragma once

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "core/csv.h"
#include "modules/search/search.h"
#include "modules/search/text.h"
#include "storage/database.h"

namespace sl::search::testing {

constexpr TimeMs kT0 = 1'790'000'000'000;  // 2026-09-21
constexpr TimeMs kStep = 60'000;

inline std::vector<Doc> corpus() {
  std::vector<Doc> docs;
  auto add = [&docs](std::string kind, int64_t id, int64_t scope, int64_t author, std::optional<int64_t> sector,
                     std::optional<int64_t> dept, std::string subtopic, std::string title, std::string body) {
    Doc d;
    d.kind = std::move(kind);
    d.id = id;
    d.scope_id = scope;
    d.org_path = "/1/" + std::to_string(scope) + "/";
    d.author_id = author;
    d.sector_id = sector;
    d.department_id = dept;
    d.subtopic = std::move(subtopic);
    d.created_at = kT0 + static_cast<TimeMs>(docs.size()) * kStep;
    d.title = std::move(title);
    d.body = std::move(body);
    docs.push_back(std::move(d));
  };
  // Deliberation 1: 养老 (简体 and 繁體).
  add("post", 101, 1, 11, 21, {}, "社区养老", "关于社区养老服务的建议", "建议在每个街道建设养老服务中心，解决老年人就餐难问题。");
  add("post", 102, 1, 12, 22, {}, "养老金", "", "養老金的調整應該考慮物價上漲，農村老人的養老保險也要提高。");
  add("post", 103, 1, 11, {}, 31, "社区养老", "", "居家养老与机构养老并重，发展普惠型养老服务。");
  add("post", 104, 1, 13, {}, {}, "", "", "养，老：这两个字分开写。扶 贫也是。");
  add("attachment", 501, 1, 11, {}, {}, "", "养老服务设施规划（征求意见稿）.pdf", "");
  add("attachment", 502, 1, 12, {}, {}, "", "會議紀要.docx", "");
  // Deliberation 2: 扶贫.
  add("post", 201, 2, 13, 21, {}, "产业扶贫", "精准扶贫", "精准扶贫要因地制宜，發展特色產業，带动农民增收。");
  add("post", 202, 2, 12, {}, {}, "产业扶贫", "", "扶贫先扶志，扶贫必扶智。");
  add("post", 203, 2, 14, {}, 32, "", "", "2024年脱贫攻坚成果要巩固，防止返贫。");
  // Deliberation 3: vTaiwan uberX comments (繁體, real), and two more.
  add("post", 301, 3, 15, {}, {}, "", "", "uber就是叫派計程車，談不上運用閒置資源或是共乘");
  add("post", 302, 3, 16, {}, {}, "", "", "不管法律層面前提下，uber的媒合效益比較好，計程車的距離效益比較好");
  add("post", 303, 3, 17, {}, {}, "", "",
      "我覺得UberX在計費上，晚上應該費用能提高，不能以低價只為了乘客，卻讓司機無力持續，造成車輛數減少。");
  add("post", 304, 3, 15, {}, {}, "", "", "我覺得每位司機都該投保乘客責任險");
  add("post", 305, 3, 16, {}, {}, "", "", "至少他們比計程車乾淨，有禮貌，而且又便宜方便");
  add("post", 306, 3, 17, {}, {}, "", "",
      "我覺得 Uber 「費率加成」的邏輯很不透明，導致有時候 UberBlack 會比 UberX 要便宜的奇怪情況出現。");
  add("post", 307, 3, 15, {}, {}, "", "", "交通部應於線上公開2014年調查 Uber 是否違法的報告。");
  add("post", 308, 3, 18, {}, {}, "", "ＵＢＥＲ司機", "很專業");
  add("post", 309, 3, 19, {}, {}, "", "", "This will lead to robots.");
  return docs;
}

// The 197 vTaiwan uberX comments (testdata/README.md) as posts 1001.. in deliberations 7
// and 8, by their real authors and times.
inline std::vector<Doc> vtaiwan_corpus(const std::string& source_dir) {
  std::ifstream in(source_dir + "/src/modules/search/testdata/vtaiwan-uberx-comments.csv", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  auto records = csv::parse(ss.str());
  std::vector<Doc> docs;
  if (!records.ok()) return docs;
  for (size_t i = 1; i < records->size(); ++i) {
    const auto& f = (*records)[i].fields;
    if (f.size() != 4) continue;
    Doc d;
    d.kind = "post";
    d.id = 1000 + std::stoll(f[1]) + 1;
    d.scope_id = 7 + static_cast<int64_t>(i % 2);
    d.org_path = "/1/";
    d.author_id = std::stoll(f[2]) + 1;
    d.created_at = std::stoll(f[0]);
    d.body = f[3];
    docs.push_back(std::move(d));
  }
  return docs;
}

// A query as the tests describe it: text plus filters; scope defaults to every deliberation.
struct Case {
  std::string name;
  Query query;
  std::vector<std::string> expect;  // "kind:id", newest first
};

inline Query q(std::string text, std::vector<int64_t> scopes = {1, 2, 3}) {
  Query out;
  out.q = std::move(text);
  out.scope_ids = std::move(scopes);
  out.limit = 100;
  return out;
}

inline std::vector<Case> cases() {
  std::vector<Case> out;
  auto add = [&out](std::string name, Query query, std::vector<std::string> expect) {
    out.push_back(Case{std::move(name), std::move(query), std::move(expect)});
  };
  const std::vector<std::string> yanglao = {"attachment:501", "post:103", "post:102", "post:101"};
  add("养老 finds 简体 and 繁體, titles too, not 养，老", q("养老"), yanglao);
  add("養老 finds the same", q("養老"), yanglao);
  add("養老金", q("養老金"), {"post:102"});
  add("养老院 is not there", q("养老院"), {});
  add("扶贫 not across 扶 贫", q("扶贫"), {"post:202", "post:201"});
  add("a single character anywhere in a run", q("贫"), {"post:203", "post:202", "post:201", "post:104"});
  add("計程車 in 繁體 texts", q("计程车"), {"post:305", "post:302", "post:301"});
  add("乾 folds to 干 as in 乾淨", q("乾"), {"post:305"});
  add("an English word: the start of words, any case and width", q("Uber"),
      {"post:308", "post:307", "post:306", "post:303", "post:302", "post:301"});
  add("uberx", q("UBERX"), {"post:306", "post:303"});
  add("a word and a run", q("uber司机"), {"post:308"});
  add("司机", q("司機"), {"post:308", "post:304", "post:303"});
  add("digits and a run", q("2024年"), {"post:203"});
  add("English in a sentence", q("robots"), {"post:309"});
  add("every word must match", q("养老 建议"), {"post:101"});
  add("every word must match, none does together", q("养老 扶贫"), {});
  {
    Query x = q("养老");
    x.author_id = 11;
    add("author", x, {"attachment:501", "post:103", "post:101"});
  }
  {
    Query x = q("养老");
    x.sector_id = 22;
    add("sector", x, {"post:102"});
  }
  {
    Query x = q("养老");
    x.department_id = 31;
    add("department", x, {"post:103"});
  }
  {
    Query x = q("养老");
    x.subtopic = "社区养老";
    add("subtopic", x, {"post:103", "post:101"});
  }
  {
    Query x = q("养老");
    x.kind = "attachment";
    add("kind", x, {"attachment:501"});
  }
  add("scope: only the deliberations given", q("养老", {2, 3}), {});
  add("scope: one deliberation", q("贫", {2}), {"post:203", "post:202", "post:201"});
  {
    Query x = q("养老");
    x.from = kT0 + 1 * kStep;
    x.to = kT0 + 3 * kStep;
    add("time range [from, to)", x, {"post:103", "post:102"});
  }
  return out;
}

// The reference answer: the corpus filtered by the matcher of text.h, newest first.
inline std::vector<std::string> reference(const std::vector<Doc>& docs, const Query& query) {
  auto parsed = parse_query(query.q);
  if (!parsed.ok()) return {};
  std::vector<const Doc*> hits;
  for (const Doc& d : docs) {
    if (std::find(query.scope_ids.begin(), query.scope_ids.end(), d.scope_id) == query.scope_ids.end()) continue;
    if (query.author_id && d.author_id != *query.author_id) continue;
    if (query.sector_id && d.sector_id != query.sector_id) continue;
    if (query.department_id && d.department_id != query.department_id) continue;
    if (query.subtopic && d.subtopic != *query.subtopic) continue;
    if (query.kind && d.kind != *query.kind) continue;
    if (query.from && d.created_at < *query.from) continue;
    if (query.to && d.created_at >= *query.to) continue;
    if (!doc_matches(*parsed, tokenize(fold32(d.title)), tokenize(fold32(d.body)))) continue;
    hits.push_back(&d);
  }
  std::sort(hits.begin(), hits.end(), [](const Doc* a, const Doc* b) {
    return doc_key(a->created_at, a->kind, a->id) > doc_key(b->created_at, b->kind, b->id);
  });
  std::vector<std::string> out;
  for (const Doc* d : hits) out.push_back(d->kind + ":" + std::to_string(d->id));
  return out;
}

// Runs a query through every page (page size `page`), returning "kind:id" in order.
inline Result<std::vector<std::string>> run(storage::Database& db, Query query, int page = 100) {
  std::vector<std::string> out;
  query.limit = page;
  for (int guard = 0; guard < 1000; ++guard) {
    auto r = db.read_value<Page>([&](storage::Conn& c) { return find(c, query); });
    if (!r.ok()) return r.take_error();
    for (const Hit& h : r->hits) out.push_back(h.kind + ":" + std::to_string(h.id));
    if (!r->next) return out;
    query.after = r->next;
  }
  return Error::Internal("pagination does not end");
}

inline Status index_all(storage::Database& db, const std::vector<Doc>& docs) {
  return db.write([&](storage::Conn& c) -> Status {
    for (const Doc& d : docs) SL_TRY(index(c, d));
    return Ok();
  });
}

// Random queries made from pieces of the corpus: 1–4 characters cut from a document (in 简体
// or as written), sometimes two pieces, sometimes a piece with its neighbour across a
// boundary. Deterministic for a seed.
inline std::vector<std::string> random_queries(const std::vector<Doc>& docs, unsigned seed, int n) {
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto piece = [&]() {
    const Doc& d = docs[static_cast<size_t>(pick(0, static_cast<int>(docs.size()) - 1))];
    const std::string& src = d.body.empty() || pick(0, 3) == 0 ? d.title : d.body;
    std::u32string text = pick(0, 1) ? fold32(src) : [&] {
      std::u32string raw;
      for (size_t i = 0; i < src.size();) {
        char32_t c = decode_utf8(src, i);
        if (c != kInvalidCodePoint) raw.push_back(c);
      }
      return raw;
    }();
    if (text.empty()) return std::string("养老");
    size_t len = static_cast<size_t>(pick(1, 4));
    size_t at = static_cast<size_t>(pick(0, static_cast<int>(text.size()) - 1));
    return to_utf8(text.substr(at, len));
  };
  std::vector<std::string> out;
  while (static_cast<int>(out.size()) < n) {
    std::string s = piece();
    if (pick(0, 4) == 0) s += " " + piece();
    if (parse_query(s).ok()) out.push_back(s);
  }
  return out;
}

}  // namespace sl::search::testing
