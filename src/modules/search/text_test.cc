// Folding, tokens, terms, queries, the reference matcher and snippets.
#include "modules/search/text.h"

#include <gtest/gtest.h>

#include "modules/search/search.h"

namespace sl::search {
namespace {

std::vector<std::string> texts(const std::vector<Token>& tokens) {
  std::vector<std::string> out;
  for (const Token& t : tokens) out.push_back(to_utf8(t.text));
  return out;
}

std::vector<Token> toks(std::string_view s) { return tokenize(fold32(s)); }

ParsedQuery pq(std::string_view q) {
  auto r = parse_query(q);
  EXPECT_TRUE(r.ok()) << q;
  return r.ok() ? *r : ParsedQuery{};
}

bool hit(std::string_view q, std::string_view title, std::string_view body = "") {
  return doc_matches(pq(q), toks(title), toks(body));
}

TEST(SearchFold, TraditionalToSimplifiedCharacterByCharacter) {
  ASSERT_TRUE(fold_ready().ok()) << fold_ready().error().message;
  EXPECT_EQ(fold("養老金的調整"), "养老金的调整");
  EXPECT_EQ(fold("發展特色產業"), "发展特色产业");
  EXPECT_EQ(fold("養老"), fold("养老"));
  // Character by character: 乾 folds to 干 wherever it stands (OpenCC's phrase table would
  // keep 乾隆), so a query for one character finds it in every context.
  EXPECT_EQ(fold("乾隆"), "干隆");
  EXPECT_EQ(fold("乾燥"), "干燥");
  // Simplified text is left alone; folding twice changes nothing (薴 → 苧 → 苎 in one step).
  EXPECT_EQ(fold("精准扶贫"), "精准扶贫");
  EXPECT_EQ(fold("薴"), fold(fold("薴")));
  EXPECT_EQ(fold("薴"), "苎");
}

TEST(SearchFold, FullWidthCaseAndWhitespace) {
  EXPECT_EQ(fold("ＵＢＥＲ　司機１２３！"), "uber 司机123!");
  EXPECT_EQ(fold("  Hello\t\n  World  "), "hello world");
  EXPECT_EQ(fold("ÉCOLE Ĳ Straße ΑΘΗΝΑ МОСКВА"), "école ĳ straße αθηνα москва");
  // Zero-width characters do not split words (nor hide words from the word filter).
  EXPECT_EQ(fold("赌\u200b博"), "赌博");
  EXPECT_EQ(fold(""), "");
  // Bytes that are not UTF-8 act as separators, never crash.
  EXPECT_EQ(fold(std::string("a\xff\xfe") + "b\xe4\xb8"), "a b");
}

TEST(SearchFold, MapsEveryFoldedCharacterBackToTheOriginalBytes) {
  const std::string original = "  養老 　ＡＢ";
  Folded f = fold_mapped(original);
  ASSERT_EQ(to_utf8(f.text), "养老 ab");
  ASSERT_EQ(f.begin.size(), f.text.size());
  EXPECT_EQ(original.substr(f.begin[0], f.end[0] - f.begin[0]), "養");
  EXPECT_EQ(original.substr(f.begin[1], f.end[1] - f.begin[1]), "老");
  EXPECT_EQ(original.substr(f.begin[2], f.end[2] - f.begin[2]), " 　");  // the whole run
  EXPECT_EQ(original.substr(f.begin[4], f.end[4] - f.begin[4]), "Ｂ");
}

TEST(SearchTokens, CjkRunsAndWords) {
  EXPECT_EQ(texts(toks("我觉得UberX在计费上，2024年 ok")),
            (std::vector<std::string>{"我觉得", "uberx", "在计费上", "2024", "年", "ok"}));
  auto t = toks("a 养老金");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[1].kind, TokenKind::kCjk);
  EXPECT_EQ(t[1].begin, 2u);
  EXPECT_EQ(t[1].end, 5u);
  // Kana and Hangul are runs too; punctuation separates.
  EXPECT_EQ(texts(toks("カタカナ・한국어")), (std::vector<std::string>{"カタカナ", "한국어"}));
  // Very long words are compared on their first kMaxWordChars characters.
  EXPECT_EQ(texts(toks(std::string(100, 'x')))[0].size(), kMaxWordChars);
}

TEST(SearchTokens, TokenTextRoundTrips) {
  auto t = toks("養老金 uber司機 2024");
  EXPECT_EQ(token_text(t), " 养老金 uber 司机 2024 ");
  auto back = parse_token_text(token_text(t));
  EXPECT_EQ(texts(back), texts(t));
  for (size_t i = 0; i < t.size(); ++i) EXPECT_EQ(back[i].kind, t[i].kind);
  EXPECT_EQ(token_text({}), "");
  EXPECT_TRUE(parse_token_text("").empty());
}

TEST(SearchTerms, BigramsThenTheLastCharacterOfEachRun) {
  EXPECT_EQ(fts_terms(toks("养老金")), "养老 老金 金");
  EXPECT_EQ(fts_terms(toks("扶 贫")), "扶 贫");
  EXPECT_EQ(fts_terms(toks("Uber司機")), "uber 司机 机");
  EXPECT_EQ(fts_terms(toks("")), "");
  // PostgreSQL: every bigram, every character, words and their short prefixes.
  EXPECT_EQ(pg_terms(toks("养老 ab")), (std::vector<std::string>{"a", "ab", "养", "养老", "老"}));
  EXPECT_EQ(pg_array({"养老", "a\"b", "c\\d"}), "{\"养老\",\"a\\\"b\",\"c\\\\d\"}");
}

TEST(SearchQuery, ValidatesLength) {
  EXPECT_EQ(parse_query("").error().slug, "query_required");
  EXPECT_EQ(parse_query(" \t　").error().slug, "query_required");
  EXPECT_EQ(parse_query("，。！").error().slug, "query_without_text");
  EXPECT_TRUE(parse_query(std::string(100 * 3, 'a').substr(0, 100)).ok());
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += "养";
  EXPECT_TRUE(parse_query(hundred).ok());
  EXPECT_EQ(parse_query(hundred + "老").error().slug, "query_too_long");
  EXPECT_EQ(parse_query("\xff").error().slug, "invalid_query");
}

TEST(SearchQuery, FtsExpressionAndPostgresTerms) {
  EXPECT_EQ(fts_match(pq("養老金")), "(\"养老\" + \"老金\")");
  EXPECT_EQ(fts_match(pq("养")), "(\"养\"*)");
  EXPECT_EQ(fts_match(pq("uber司機")), "(\"uber\" + \"司机\")");
  EXPECT_EQ(fts_match(pq("司機uber")), "(\"司机\" + \"机\" + \"uber\"*)");
  EXPECT_EQ(fts_match(pq("养老  扶贫 养老")), "(\"养老\") AND (\"扶贫\")");
  EXPECT_EQ(pg_query_terms(pq("养老金 x uberdriver")),
            (std::vector<std::string>{"uberdriv", "x", "养老", "老金"}));
  EXPECT_EQ(needles(pq("养老 uber司机 司机uber")), (std::vector<std::string>{"养老", " uber 司机", "司机 uber"}));
}

TEST(SearchMatch, TwoCharacterWordsAndSingleCharactersAreExact) {
  EXPECT_TRUE(hit("养老", "", "建设养老服务中心"));
  EXPECT_TRUE(hit("養老", "", "建设养老服务中心"));
  EXPECT_TRUE(hit("养老", "", "養老金的調整"));
  EXPECT_TRUE(hit("扶贫", "精准扶贫"));
  EXPECT_FALSE(hit("扶贫", "扶 贫"));      // not across a run boundary
  EXPECT_FALSE(hit("养老", "养，老"));
  EXPECT_FALSE(hit("养老院", "养老服务"));
  EXPECT_TRUE(hit("养", "老人养花"));       // a single character anywhere in a run
  EXPECT_TRUE(hit("花", "老人养花"));
  EXPECT_FALSE(hit("草", "老人养花"));
}

TEST(SearchMatch, WordsAndMixedQueries) {
  EXPECT_TRUE(hit("uber", "", "我覺得UberX在計費上"));   // the start of a word
  EXPECT_FALSE(hit("berx", "", "我覺得UberX在計費上"));  // not the middle of one
  EXPECT_TRUE(hit("UBER", "", "ｕｂｅｒ司機"));
  EXPECT_TRUE(hit("uber司机", "", "ＵＢＥＲ司機很好"));
  EXPECT_TRUE(hit("uber司机", "", "uber 司机"));        // separators between tokens are ignored
  EXPECT_FALSE(hit("uber司机", "", "uber 好司机"));     // but the next token must start with 司机
  EXPECT_TRUE(hit("司机uber", "", "老司机 UberX"));     // the first token may end a run
  EXPECT_FALSE(hit("司机uber", "", "司机们 uber"));
  EXPECT_TRUE(hit("2024年", "", "于2024年12月"));
  EXPECT_FALSE(hit("2024年", "", "20241年"));           // a word before other tokens is whole
}

TEST(SearchMatch, AllWordsMustMatchInTitleOrBody) {
  EXPECT_TRUE(hit("养老 建议", "关于养老的建议"));
  EXPECT_TRUE(hit("养老 建议", "建议", "养老"));
  EXPECT_FALSE(hit("养老 扶贫", "养老"));
  // A phrase does not run from the title into the body.
  EXPECT_FALSE(hit("养老金", "养老", "金"));
}

TEST(SearchSnippet, MarksTheOriginalText) {
  EXPECT_EQ(highlight_html("養老金的調整", pq("养老"), true, 200), "<mark>養老</mark>金的調整");
  EXPECT_EQ(highlight_html("a <b> & 養老", pq("养老"), true, 200), "a &lt;b&gt; &amp; <mark>養老</mark>");
  EXPECT_EQ(highlight_html("UberX 與 ＵＢＥＲ", pq("uber"), true, 200), "<mark>Uber</mark>X 與 <mark>ＵＢＥＲ</mark>");
  // Overlapping matches merge into one mark.
  EXPECT_EQ(highlight_html("养老金", pq("养老 老金"), true, 200), "<mark>养老金</mark>");
  EXPECT_EQ(highlight_html("无关", pq("养老"), true, 200), "无关");
}

TEST(SearchSnippet, WindowAroundTheFirstMatch) {
  std::string body;
  for (int i = 0; i < 100; ++i) body += "甲";
  body += "養老";
  for (int i = 0; i < 100; ++i) body += "乙";
  std::string s = highlight_html(body, pq("养老"), false, 40);
  EXPECT_EQ(s, "…" + std::string("甲甲甲甲甲甲甲甲甲甲") + "<mark>養老</mark>" +
                   [] {
                     std::string t;
                     for (int i = 0; i < 28; ++i) t += "乙";
                     return t;
                   }() +
                   "…");
  // No match: the start. Whitespace runs show as one space.
  EXPECT_EQ(highlight_html("第一行\n\n  第二行", pq("养老"), false, 40), "第一行 第二行");
  EXPECT_EQ(highlight_html("短", pq("养老"), false, 40), "短");
  // Near the end the window slides back to stay full.
  EXPECT_EQ(highlight_html("甲乙丙丁养老", pq("养老"), false, 4), "…丙丁<mark>养老</mark>");
}

}  // namespace
}  // namespace sl::search
