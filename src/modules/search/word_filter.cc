// The Aho–Corasick automaton of the sensitive-word filter. See word_filter.h.
#include "modules/search/word_filter.h"

#include <algorithm>
#include <deque>
#include <fstream>
#include <set>
#include <sstream>

#include "modules/search/text.h"

namespace sl::search {

// Defined in the generated embedded_sensitive_words.cc (cmake/embed_text.cmake).
extern const char* const kBaselineSensitiveWords;

namespace {

int32_t find_edge(const std::vector<std::pair<char32_t, int32_t>>& edges, char32_t c) {
  auto it = std::lower_bound(edges.begin(), edges.end(), c,
                             [](const std::pair<char32_t, int32_t>& e, char32_t x) { return e.first < x; });
  return it != edges.end() && it->first == c ? it->second : -1;
}

}  // namespace

WordFilter::WordFilter(const std::vector<std::string>& words) {
  nodes_.emplace_back();  // the root
  std::set<std::u32string> seen;
  for (const std::string& w : words) {
    std::u32string f = fold32(w);
    if (f.empty() || tokenize(f).empty() || !seen.insert(f).second) continue;
    int32_t node = 0;
    for (char32_t c : f) {
      int32_t next = find_edge(nodes_[node].next, c);
      if (next < 0) {
        next = static_cast<int32_t>(nodes_.size());
        nodes_.emplace_back();
        auto& edges = nodes_[node].next;
        edges.insert(std::upper_bound(edges.begin(), edges.end(), std::make_pair(c, int32_t{-1}),
                                      [](const auto& a, const auto& b) { return a.first < b.first; }),
                     {c, next});
      }
      node = next;
    }
    nodes_[node].word = static_cast<int32_t>(words_.size());
    words_.push_back(w);
    lengths_.push_back(static_cast<uint32_t>(f.size()));
  }
  // Breadth-first: failure links and the nearest word on each failure chain.
  std::deque<int32_t> queue;
  for (auto& [c, n] : nodes_[0].next) {
    nodes_[n].fail = 0;
    queue.push_back(n);
  }
  while (!queue.empty()) {
    const int32_t u = queue.front();
    queue.pop_front();
    for (auto [c, v] : nodes_[u].next) {
      int32_t f = nodes_[u].fail;
      int32_t target = -1;
      for (;;) {
        target = find_edge(nodes_[f].next, c);
        if (target >= 0 || f == 0) break;
        f = nodes_[f].fail;
      }
      nodes_[v].fail = (target >= 0 && target != v) ? target : 0;
      const Node& fn = nodes_[nodes_[v].fail];
      nodes_[v].dict_suffix = fn.word >= 0 ? nodes_[v].fail : fn.dict_suffix;
      queue.push_back(v);
    }
  }
}

int32_t WordFilter::child(int32_t node, char32_t c) const {
  for (;;) {
    int32_t next = find_edge(nodes_[node].next, c);
    if (next >= 0) return next;
    if (node == 0) return 0;
    node = nodes_[node].fail;
  }
}

std::vector<WordFilter::Found> WordFilter::matches(std::string_view text) const {
  std::vector<Found> out;
  if (words_.empty()) return out;
  const Folded f = fold_mapped(text);
  int32_t node = 0;
  for (size_t i = 0; i < f.text.size(); ++i) {
    node = child(node, f.text[i]);
    for (int32_t n = nodes_[node].word >= 0 ? node : nodes_[node].dict_suffix; n >= 0; n = nodes_[n].dict_suffix) {
      const int32_t w = nodes_[n].word;
      const size_t first = i + 1 - lengths_[w];
      out.push_back(Found{words_[w], f.begin[first], f.end[i]});
    }
  }
  std::sort(out.begin(), out.end(), [](const Found& a, const Found& b) {
    if (a.begin != b.begin) return a.begin < b.begin;
    if (a.end != b.end) return a.end > b.end;
    return a.word < b.word;
  });
  return out;
}

WordFilter WordFilter::from_text(std::string_view list_text) {
  std::vector<std::string> words;
  std::istringstream in{std::string(list_text)};
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    size_t stop = line.find_last_not_of(" \t");
    words.push_back(line.substr(start, stop - start + 1));
  }
  return WordFilter(words);
}

Result<WordFilter> WordFilter::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::Invalid("bad_config", "无法读取敏感词表 " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return from_text(ss.str());
}

WordFilter WordFilter::baseline() { return from_text(kBaselineSensitiveWords); }

}  // namespace sl::search
