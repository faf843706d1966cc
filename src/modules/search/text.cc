// Tokens, terms, query parsing, the reference matcher and snippets. See text.h for the rules.
#include <algorithm>
#include <set>

#include "modules/search/text.h"

namespace sl::search {

namespace {

std::u32string from_utf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    char32_t c = decode_utf8(s, i);
    if (c != kInvalidCodePoint) out.push_back(c);
  }
  return out;
}

bool starts_with(const std::u32string& s, const std::u32string& p) { return s.compare(0, p.size(), p) == 0; }
bool ends_with(const std::u32string& s, const std::u32string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

// A string in an FTS5 query: double quotes, inner quotes doubled. (Terms hold only letters,
// digits and CJK characters, so this never has anything to escape; it is here all the same.)
std::string fts_string(std::u32string_view term) {
  std::string t = to_utf8(term);
  std::string out = "\"";
  for (char c : t) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

void append_escaped(std::string& out, char32_t c) {
  switch (c) {
    case U'&': out += "&amp;"; break;
    case U'<': out += "&lt;"; break;
    case U'>': out += "&gt;"; break;
    case U'"': out += "&quot;"; break;
    case U'\'': out += "&#39;"; break;
    default: out += to_utf8(std::u32string_view(&c, 1)); break;
  }
}

bool shows_as_space(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || c == U'\f' || c == U'\v' || c == 0xA0 ||
         c == 0x3000 || c == 0x2028 || c == 0x2029;
}

}  // namespace

// --- tokens and terms ------------------------------------------------------------------------

std::vector<Token> tokenize(std::u32string_view f) {
  std::vector<Token> out;
  const size_t n = f.size();
  size_t i = 0;
  while (i < n) {
    const char32_t c = f[i];
    if (is_cjk(c)) {
      size_t j = i + 1;
      while (j < n && is_cjk(f[j])) ++j;
      out.push_back(Token{TokenKind::kCjk, std::u32string(f.substr(i, j - i)), static_cast<uint32_t>(i),
                          static_cast<uint32_t>(j)});
      i = j;
    } else if (is_word_char(c)) {
      size_t j = i + 1;
      while (j < n && is_word_char(f[j])) ++j;
      out.push_back(Token{TokenKind::kWord, std::u32string(f.substr(i, std::min(j - i, kMaxWordChars))),
                          static_cast<uint32_t>(i), static_cast<uint32_t>(j)});
      i = j;
    } else {
      ++i;
    }
  }
  return out;
}

std::string token_text(const std::vector<Token>& tokens) {
  if (tokens.empty()) return {};
  std::string out = " ";
  for (const Token& t : tokens) {
    out += to_utf8(t.text);
    out += ' ';
  }
  return out;
}

std::vector<Token> parse_token_text(std::string_view text) {
  std::vector<Token> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t sp = text.find(' ', pos);
    if (sp == std::string_view::npos) sp = text.size();
    if (sp > pos) {
      std::u32string t = from_utf8(text.substr(pos, sp - pos));
      if (!t.empty()) out.push_back(Token{is_cjk(t[0]) ? TokenKind::kCjk : TokenKind::kWord, std::move(t), 0, 0});
    }
    pos = sp + 1;
  }
  return out;
}

std::string fts_terms(const std::vector<Token>& tokens) {
  std::string out;
  auto add = [&out](std::u32string_view term) {
    if (!out.empty()) out += ' ';
    out += to_utf8(term);
  };
  for (const Token& t : tokens) {
    if (t.kind == TokenKind::kWord) {
      add(t.text);
      continue;
    }
    const std::u32string_view run = t.text;
    for (size_t k = 0; k + 1 < run.size(); ++k) add(run.substr(k, 2));
    add(run.substr(run.size() - 1, 1));
  }
  return out;
}

std::vector<std::string> pg_terms(const std::vector<Token>& tokens) {
  std::set<std::string> terms;
  for (const Token& t : tokens) {
    if (t.kind == TokenKind::kWord) {
      terms.insert(to_utf8(t.text));
      for (size_t n = 1; n < t.text.size() && n <= kPgPrefixChars; ++n)
        terms.insert(to_utf8(std::u32string_view(t.text).substr(0, n)));
      continue;
    }
    const std::u32string_view run = t.text;
    for (size_t k = 0; k < run.size(); ++k) {
      terms.insert(to_utf8(run.substr(k, 1)));
      if (k + 1 < run.size()) terms.insert(to_utf8(run.substr(k, 2)));
    }
  }
  return {terms.begin(), terms.end()};
}

std::string pg_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

// --- queries ---------------------------------------------------------------------------------

Result<ParsedQuery> parse_query(std::string_view q) {
  size_t chars = 0;
  size_t i = 0;
  while (i < q.size()) {
    if (decode_utf8(q, i) == kInvalidCodePoint) return Error::Invalid("invalid_query", "搜索词不是有效的 UTF-8 文本");
    ++chars;
  }
  std::u32string folded = fold32(q);  // also trims and collapses whitespace
  if (folded.empty()) return Error::Invalid("query_required", "请输入搜索词");
  if (chars > kMaxQueryChars)
    return Error::Invalid("query_too_long", "搜索词最多 " + std::to_string(kMaxQueryChars) + " 个字");
  ParsedQuery out;
  std::set<std::string> seen;
  size_t pos = 0;
  while (pos <= folded.size()) {
    size_t sp = folded.find(U' ', pos);
    if (sp == std::u32string::npos) sp = folded.size();
    std::vector<Token> tokens = tokenize(std::u32string_view(folded).substr(pos, sp - pos));
    if (!tokens.empty() && seen.insert(token_text(tokens)).second) out.words.push_back(QueryWord{std::move(tokens)});
    pos = sp + 1;
  }
  if (out.words.empty()) return Error::Invalid("query_without_text", "搜索词须包含汉字、字母或数字");
  return out;
}

std::string fts_match(const ParsedQuery& q) {
  std::string out;
  for (const QueryWord& w : q.words) {
    std::vector<std::string> parts;
    const size_t k = w.tokens.size();
    for (size_t i = 0; i < k; ++i) {
      const Token& t = w.tokens[i];
      const bool last = i + 1 == k;
      if (t.kind == TokenKind::kWord) {
        parts.push_back(fts_string(t.text) + (last ? "*" : ""));  // the last word: a prefix
        continue;
      }
      const std::u32string_view run = t.text;
      if (run.size() == 1) {
        // Alone or last: any term that starts with it (a bigram, or a run's last character).
        // Before other tokens it must end its run: the run's last-character term.
        parts.push_back(fts_string(run) + (last ? "*" : ""));
        continue;
      }
      for (size_t j = 0; j + 1 < run.size(); ++j) parts.push_back(fts_string(run.substr(j, 2)));
      if (!last) parts.push_back(fts_string(run.substr(run.size() - 1, 1)));
    }
    if (!out.empty()) out += " AND ";
    out += '(';
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i) out += " + ";
      out += parts[i];
    }
    out += ')';
  }
  return out;
}

std::vector<std::string> pg_query_terms(const ParsedQuery& q) {
  std::set<std::string> terms;
  for (const QueryWord& w : q.words) {
    for (size_t i = 0; i < w.tokens.size(); ++i) {
      const Token& t = w.tokens[i];
      if (t.kind == TokenKind::kWord) {
        // Indexed: each word and its prefixes of up to kPgPrefixChars characters. The last
        // word of a query word matches as a prefix, so a longer one is looked up by its prefix.
        const bool prefix = i + 1 == w.tokens.size();
        terms.insert(to_utf8(prefix && t.text.size() > kPgPrefixChars
                                 ? std::u32string_view(t.text).substr(0, kPgPrefixChars)
                                 : std::u32string_view(t.text)));
        continue;
      }
      if (t.text.size() == 1) {
        terms.insert(to_utf8(t.text));
        continue;
      }
      for (size_t j = 0; j + 1 < t.text.size(); ++j) terms.insert(to_utf8(std::u32string_view(t.text).substr(j, 2)));
    }
  }
  return {terms.begin(), terms.end()};
}

std::vector<std::string> needles(const ParsedQuery& q) {
  std::vector<std::string> out;
  for (const QueryWord& w : q.words) {
    std::string n = w.tokens.front().kind == TokenKind::kCjk ? "" : " ";
    for (size_t i = 0; i < w.tokens.size(); ++i) {
      if (i) n += ' ';
      n += to_utf8(w.tokens[i].text);
    }
    out.push_back(std::move(n));
  }
  return out;
}

std::vector<std::pair<uint32_t, uint32_t>> find_matches(const QueryWord& word, const std::vector<Token>& doc) {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  const std::vector<Token>& q = word.tokens;
  const size_t k = q.size();
  if (k == 0) return out;
  if (k == 1) {
    const Token& t = q[0];
    for (const Token& d : doc) {
      if (d.kind != t.kind) continue;
      if (t.kind == TokenKind::kWord) {
        if (starts_with(d.text, t.text)) out.emplace_back(d.begin, d.begin + static_cast<uint32_t>(t.text.size()));
        continue;
      }
      for (size_t pos = d.text.find(t.text); pos != std::u32string::npos; pos = d.text.find(t.text, pos + 1))
        out.emplace_back(d.begin + pos, d.begin + pos + t.text.size());
    }
    return out;
  }
  for (size_t j = 0; j + k <= doc.size(); ++j) {
    bool ok = true;
    for (size_t i = 0; i < k && ok; ++i) {
      const Token& t = q[i];
      const Token& d = doc[j + i];
      if (t.kind != d.kind) ok = false;
      else if (i + 1 == k) ok = starts_with(d.text, t.text);
      else if (i == 0 && t.kind == TokenKind::kCjk) ok = ends_with(d.text, t.text);
      else ok = t.text == d.text;
    }
    if (!ok) continue;
    const Token& first = doc[j];
    const Token& last = doc[j + k - 1];
    uint32_t b = q.front().kind == TokenKind::kCjk ? first.end - static_cast<uint32_t>(q.front().text.size()) : first.begin;
    uint32_t e = last.begin + static_cast<uint32_t>(q.back().text.size());
    out.emplace_back(b, e);
  }
  return out;
}

bool doc_matches(const ParsedQuery& q, const std::vector<Token>& title, const std::vector<Token>& body) {
  for (const QueryWord& w : q.words)
    if (find_matches(w, title).empty() && find_matches(w, body).empty()) return false;
  return true;
}

// --- snippets --------------------------------------------------------------------------------

std::string highlight_html(std::string_view original, const ParsedQuery& q, bool whole, size_t max_chars) {
  if (max_chars == 0) max_chars = 1;
  // Matches, as byte ranges of the original, sorted and merged.
  const Folded f = fold_mapped(original);
  const std::vector<Token> tokens = tokenize(f.text);
  std::vector<std::pair<size_t, size_t>> bytes;
  for (const QueryWord& w : q.words)
    for (auto [b, e] : find_matches(w, tokens)) bytes.emplace_back(f.begin[b], f.end[e - 1]);
  std::sort(bytes.begin(), bytes.end());
  std::vector<std::pair<size_t, size_t>> merged;
  for (auto r : bytes) {
    if (!merged.empty() && r.first <= merged.back().second) merged.back().second = std::max(merged.back().second, r.second);
    else merged.push_back(r);
  }

  // The original as code points with their byte offsets (invalid bytes show as U+FFFD).
  std::vector<size_t> starts;
  std::u32string cps;
  for (size_t i = 0; i < original.size();) {
    starts.push_back(i);
    char32_t c = decode_utf8(original, i);
    cps.push_back(c == kInvalidCodePoint ? 0xFFFD : c);
  }
  const size_t n = cps.size();
  starts.push_back(original.size());
  auto cp_index = [&](size_t byte) {
    return static_cast<size_t>(std::lower_bound(starts.begin(), starts.end(), byte) - starts.begin());
  };
  std::vector<std::pair<size_t, size_t>> ranges;  // in code points
  for (auto [b, e] : merged) ranges.emplace_back(cp_index(b), cp_index(e));

  size_t ws = 0;
  if (!whole && !ranges.empty()) {
    const size_t context = max_chars / 4;
    ws = ranges.front().first > context ? ranges.front().first - context : 0;
    if (n - ws < max_chars) ws = n > max_chars ? n - max_chars : 0;
  }
  while (ws < n && shows_as_space(cps[ws])) ++ws;
  const size_t we = std::min(n, ws + max_chars);

  std::string out;
  if (ws > 0) out += "…";
  size_t r = 0;
  bool in_mark = false;
  bool last_space = false;
  for (size_t idx = ws; idx < we; ++idx) {
    while (r < ranges.size() && ranges[r].second <= idx) {
      if (in_mark) out += "</mark>";
      in_mark = false;
      ++r;
    }
    if (!in_mark && r < ranges.size() && ranges[r].first <= idx) {
      out += "<mark>";
      in_mark = true;
    }
    const char32_t c = cps[idx];
    if (shows_as_space(c)) {
      if (!last_space) out += ' ';
      last_space = true;
      continue;
    }
    last_space = false;
    append_escaped(out, c);
  }
  if (in_mark) out += "</mark>";
  if (we < n) out += "…";
  return out;
}

}  // namespace sl::search
