// A small SQL lexer shared by storage/dialect.cc and the PostgreSQL backend: tells code apart
// from string literals ('...' with '' escapes, E'...' with backslash escapes), quoted
// identifiers ("..."), dollar-quoted bodies ($$...$$, $tag$...$tag$) and comments
// (-- to end of line, nesting /* */). Internal to storage/.
#pragma once

#include <cctype>
#include <cstddef>
#include <string_view>

namespace sl::storage::detail {

inline bool sql_ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

// At sql[i] == '$': the length of a dollar-quote tag ("$$" or "$tag$"), or 0 if this `$`
// opens none (a positional parameter like $1, or a `$` inside an identifier).
inline size_t sql_dollar_tag_length(std::string_view sql, size_t i) {
  if (i > 0 && sql_ident_char(sql[i - 1])) return 0;
  size_t j = i + 1;
  if (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j])) != 0) return 0;
  while (j < sql.size() && sql[j] != '$') {
    if (!sql_ident_char(sql[j])) return 0;
    ++j;
  }
  if (j >= sql.size()) return 0;
  return j - i + 1;
}

// Calls on_code(i) for every character of code, and on_skip(begin, end) for every literal,
// quoted identifier, dollar-quoted body or comment (an unterminated one runs to the end).
template <typename OnCode, typename OnSkip>
void scan_sql(std::string_view sql, OnCode&& on_code, OnSkip&& on_skip) {
  const size_t len = sql.size();
  size_t i = 0;
  while (i < len) {
    const char c = sql[i];
    size_t end = i;
    if (c == '\'') {
      const bool escapes =
          i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') && (i < 2 || !sql_ident_char(sql[i - 2]));
      size_t j = i + 1;
      while (j < len) {
        if (escapes && sql[j] == '\\' && j + 1 < len) {
          j += 2;
        } else if (sql[j] == '\'' && j + 1 < len && sql[j + 1] == '\'') {
          j += 2;
        } else if (sql[j] == '\'') {
          break;
        } else {
          ++j;
        }
      }
      end = j < len ? j + 1 : len;
    } else if (c == '"') {
      size_t j = i + 1;
      while (j < len) {
        if (sql[j] == '"' && j + 1 < len && sql[j + 1] == '"') {
          j += 2;
        } else if (sql[j] == '"') {
          break;
        } else {
          ++j;
        }
      }
      end = j < len ? j + 1 : len;
    } else if (c == '-' && i + 1 < len && sql[i + 1] == '-') {
      const size_t nl = sql.find('\n', i);
      end = nl == std::string_view::npos ? len : nl + 1;
    } else if (c == '/' && i + 1 < len && sql[i + 1] == '*') {
      size_t j = i + 2;
      int depth = 1;
      while (j < len && depth > 0) {
        if (sql[j] == '/' && j + 1 < len && sql[j + 1] == '*') {
          ++depth;
          j += 2;
        } else if (sql[j] == '*' && j + 1 < len && sql[j + 1] == '/') {
          --depth;
          j += 2;
        } else {
          ++j;
        }
      }
      end = j;
    } else if (c == '$') {
      if (const size_t tag_len = sql_dollar_tag_length(sql, i); tag_len > 0) {
        const size_t close = sql.find(sql.substr(i, tag_len), i + tag_len);
        end = close == std::string_view::npos ? len : close + tag_len;
      }
    }
    if (end > i) {
      on_skip(i, end);
      i = end;
    } else {
      on_code(i);
      ++i;
    }
  }
}

// How many statements the text holds: `;`-separated pieces with code in them.
inline int sql_statement_count(std::string_view sql) {
  int count = 0;
  bool in_statement = false;
  scan_sql(
      sql,
      [&](size_t i) {
        const char c = sql[i];
        if (c == ';') {
          in_statement = false;
        } else if (!in_statement && std::isspace(static_cast<unsigned char>(c)) == 0) {
          in_statement = true;
          ++count;
        }
      },
      [&](size_t begin, size_t) {
        // A literal or quoted identifier is code; a comment is not.
        const char c = sql[begin];
        if (!in_statement && (c == '\'' || c == '"' || c == '$')) {
          in_statement = true;
          ++count;
        }
      });
  return count;
}

}  // namespace sl::storage::detail
