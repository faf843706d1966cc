// WordFilter: screens text against a list of sensitive words (敏感词) when it is posted.
//
// An Aho–Corasick automaton over folded text: the words and the text are both folded
// (search::fold: 繁→简, full-width → half-width, lower case, zero-width characters dropped),
// so 賭博, 赌博 and ＤＵＢＯ-style variants of a listed word are all found, in one pass over
// the text whatever the size of the list. Every occurrence of every word is reported,
// overlapping ones included (a list with 赌博 and 网络赌博 finds both in 网络赌博).
//
// Thread-safety: immutable once built; matches() may be called from any number of threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sl::search {

class WordFilter {
 public:
  struct Found {
    std::string word;  // the list entry, as written in the list
    size_t begin = 0;  // where it occurs in the text given to matches(): byte offsets
    size_t end = 0;    //   into that text, end exclusive
  };

  WordFilter() = default;  // an empty list: finds nothing
  // Entries that fold to nothing (blank, punctuation only... ) are ignored; duplicates
  // (after folding) are kept once.
  explicit WordFilter(const std::vector<std::string>& words);

  // A list file: one word per line, UTF-8; blank lines and lines starting with # are ignored.
  static Result<WordFilter> load(const std::string& path);
  // The baseline list built into the program (config/sensitive-words.txt in the sources).
  static WordFilter baseline();
  static WordFilter from_text(std::string_view list_text);

  // Every occurrence of a listed word in `text` (folded here; already folded text folds to
  // itself), ordered by position, then longest first.
  std::vector<Found> matches(std::string_view text) const;
  bool empty() const { return words_.empty(); }
  size_t size() const { return words_.size(); }

 private:
  struct Node {
    std::vector<std::pair<char32_t, int32_t>> next;  // sorted by character
    int32_t fail = 0;
    int32_t word = -1;         // index of the word ending here, or -1
    int32_t dict_suffix = -1;  // nearest node on the fail chain that ends a word, or -1
  };
  int32_t child(int32_t node, char32_t c) const;

  std::vector<Node> nodes_;
  std::vector<std::string> words_;    // as listed
  std::vector<uint32_t> lengths_;     // folded length in code points
};

}  // namespace sl::search
