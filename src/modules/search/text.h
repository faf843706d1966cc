// The text side of search, shared by both storage backends, the snippets and the word filter:
// folding (繁→简, full-width → half-width, lower case) with a map back to the original bytes,
// tokens, index terms, query parsing, the reference matcher and highlighted snippets.
//
// Matching is defined on tokens, once, here:
//   - Folded text splits into tokens: CJK runs (maximal runs of Han, kana, Hangul, bopomofo)
//     and words (maximal runs of Latin, Greek, Cyrillic letters and digits, compared on their
//     first kMaxWordChars characters). Everything else separates tokens.
//   - A query is folded and split at whitespace into query words; every query word must match
//     (AND), in the title or in the body.
//   - A query word of one CJK run matches anywhere inside a CJK run of the document (exact
//     substring: 养老 inside 养老金, a single character anywhere). A query word of one word
//     token matches the start of a word (uber finds UberX; 2024 finds 20241231).
//   - A query word of several tokens (uber司机, 2024年) matches consecutive document tokens:
//     the first may be the end of a run, the last the start of a run or of a word, the ones
//     between must be equal (and a first word token too).
// SQLite (an FTS5 phrase of bigrams, or for small scopes a substring check of the token text)
// and PostgreSQL (GIN over the terms, then the same substring check) both implement exactly
// this; find_matches() is the reference the tests compare them with, and the snippets use it
// to mark what matched.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace sl::search {

// --- folding ---------------------------------------------------------------------------------

// Folded text, one entry per folded code point, with the original bytes it came from.
// Folding is code point by code point (character-level 繁→简), so every folded character has
// one source; a run of whitespace folds to one space that spans the whole run.
struct Folded {
  std::u32string text;
  std::vector<uint32_t> begin;  // byte offset in the original where text[i] starts
  std::vector<uint32_t> end;    // and where it ends (exclusive)
};

Folded fold_mapped(std::string_view original);
// Folds into code points without the map (the index path).
std::u32string fold32(std::string_view original);
std::string to_utf8(std::u32string_view s);

// Decodes the UTF-8 code point at s[i] and advances i; kInvalidCodePoint (one byte consumed)
// for bytes that are not well-formed UTF-8.
constexpr char32_t kInvalidCodePoint = 0xFFFFFFFF;
char32_t decode_utf8(std::string_view s, size_t& i);

bool is_cjk(char32_t c);
bool is_word_char(char32_t c);

// --- tokens and terms ------------------------------------------------------------------------

constexpr size_t kMaxWordChars = 64;

enum class TokenKind : uint8_t { kCjk, kWord };
struct Token {
  TokenKind kind = TokenKind::kWord;
  std::u32string text;  // a CJK run, or a word (at most kMaxWordChars)
  uint32_t begin = 0;   // position in the folded text (code points), end exclusive
  uint32_t end = 0;
};

std::vector<Token> tokenize(std::u32string_view folded);
// The token text stored beside each document: " tok tok tok " (leading and trailing space),
// "" for no tokens. PostgreSQL rechecks candidates against it (needles()); SQLite re-derives
// the FTS5 terms from it to delete a document from its contentless index.
std::string token_text(const std::vector<Token>& tokens);
std::vector<Token> parse_token_text(std::string_view text);
// The FTS5 term sequence, space-separated (FTS5's ascii tokenizer splits it): each word, and
// for each CJK run its overlapping bigrams followed by its last character. The last character
// keeps phrases from running across a run boundary, and with it every character of a run is
// the first character of some term, so a single-character query is a prefix query.
std::string fts_terms(const std::vector<Token>& tokens);
// The PostgreSQL term set (GIN has no prefix queries): every bigram and every CJK character;
// each word, and its prefixes of up to kPgPrefixChars characters; sorted, unique.
constexpr size_t kPgPrefixChars = 8;
std::vector<std::string> pg_terms(const std::vector<Token>& tokens);
// A PostgreSQL text[] literal: {"a","b"}.
std::string pg_array(const std::vector<std::string>& items);

// --- queries ---------------------------------------------------------------------------------

constexpr size_t kMaxQueryChars = 100;

struct QueryWord {
  std::vector<Token> tokens;  // at least one
};
struct ParsedQuery {
  std::vector<QueryWord> words;  // at least one; all must match
};

// 1..kMaxQueryChars characters with at least one letter, digit or CJK character; else
// InvalidArgument with a clear message.
Result<ParsedQuery> parse_query(std::string_view q);
// SQLite: the FTS5 MATCH expression, e.g. ("养老" + "老金") AND ("uber").
std::string fts_match(const ParsedQuery& q);
// PostgreSQL: terms every match must contain (for `terms @> ...`).
std::vector<std::string> pg_query_terms(const ParsedQuery& q);
// The exact check over the token text (" tok tok "): one needle per query word, which the
// title's or the body's token text must contain. The tokens joined by spaces, after a space
// when the first is a word (so a word must start there); a run may end or begin anywhere.
std::vector<std::string> needles(const ParsedQuery& q);

// The reference matcher: where `word` matches in a document's tokens, as ranges of the
// folded text (code points, end exclusive). Empty when it does not.
std::vector<std::pair<uint32_t, uint32_t>> find_matches(const QueryWord& word, const std::vector<Token>& doc);
// Does the document (title and body tokens) match every word of the query?
bool doc_matches(const ParsedQuery& q, const std::vector<Token>& title, const std::vector<Token>& body);

// --- snippets --------------------------------------------------------------------------------

// HTML-escaped original text with every match wrapped in <mark>…</mark>; no other markup.
// whole: the whole text (cut with "…" after max_chars characters). Otherwise a snippet of
// about max_chars characters around the first match (or the start when nothing matched),
// with "…" where it was cut. Whitespace runs show as one space.
std::string highlight_html(std::string_view original, const ParsedQuery& q, bool whole, size_t max_chars);

}  // namespace sl::search
