// The sensitive-word filter: Aho–Corasick over folded text.
#include "modules/search/word_filter.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace sl::search {
namespace {

// "word@begin-end" for each occurrence, byte offsets into the text.
std::vector<std::string> found(const WordFilter& f, std::string_view text) {
  std::vector<std::string> out;
  for (const auto& m : f.matches(text))
    out.push_back(m.word + "@" + std::to_string(m.begin) + "-" + std::to_string(m.end));
  return out;
}

TEST(WordFilter, FindsOverlappingWords) {
  WordFilter f({"he", "she", "his", "hers"});
  EXPECT_EQ(f.size(), 4u);
  EXPECT_EQ(found(f, "ushers"), (std::vector<std::string>{"she@1-4", "hers@2-6", "he@2-4"}));
  WordFilter g({"赌博", "网络赌博", "博彩"});
  // 网(0) 络(3) 赌(6) 博(9) 彩(12): every occurrence, longest first at the same start.
  EXPECT_EQ(found(g, "网络赌博彩"), (std::vector<std::string>{"网络赌博@0-12", "赌博@6-12", "博彩@9-15"}));
  EXPECT_EQ(found(g, "aaa赌博aaa赌博"), (std::vector<std::string>{"赌博@3-9", "赌博@12-18"}));
}

TEST(WordFilter, TraditionalSimplifiedAndFullWidthAlike) {
  WordFilter f({"賭博網站", "代开发票", "ＢＡＤ"});
  // A listed 繁體 word finds 简体 text and the other way round; offsets are in the text given.
  EXPECT_EQ(found(f, "这是赌博网站"), (std::vector<std::string>{"賭博網站@6-18"}));
  EXPECT_EQ(found(f, "代開發票，請聯繫"), (std::vector<std::string>{"代开发票@0-12"}));
  EXPECT_EQ(found(f, "so Bad"), (std::vector<std::string>{"ＢＡＤ@3-6"}));
  EXPECT_EQ(found(f, "ｂａｄ"), (std::vector<std::string>{"ＢＡＤ@0-9"}));
  // Zero-width characters inside a word do not hide it.
  EXPECT_EQ(found(f, "赌\u200b博网站"), (std::vector<std::string>{"賭博網站@0-15"}));
  EXPECT_TRUE(found(f, "赌 博网站").empty());
  EXPECT_TRUE(found(f, "").empty());
  EXPECT_TRUE(found(WordFilter(), "赌博网站").empty());
}

TEST(WordFilter, ListFilesIgnoreCommentsBlanksAndDuplicates) {
  std::string path = ::testing::TempDir() + "/sl_words.txt";
  {
    std::ofstream out(path);
    out << "# comment\n\n  赌博  \r\n賭博\n！！！\n裸聊\n";
  }
  auto f = WordFilter::load(path);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->size(), 2u);  // 賭博 folds to 赌博; punctuation-only lines are no words
  EXPECT_EQ(found(*f, "裸聊赌博"), (std::vector<std::string>{"裸聊@0-6", "赌博@6-12"}));
  std::remove(path.c_str());
  auto missing = WordFilter::load(path);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().slug, "bad_config");
}

TEST(WordFilter, BaselineListIsBuiltIn) {
  WordFilter b = WordFilter::baseline();
  EXPECT_GT(b.size(), 20u);
  EXPECT_FALSE(b.matches("網絡賭博").empty());
  EXPECT_TRUE(b.matches("建议在每个街道建设养老服务中心").empty());
}

}  // namespace
}  // namespace sl::search
