// Markdown for everything people write (posts, proposals, replies): GitHub-flavoured Markdown
// through cmark-gfm, turned into HTML that is safe to insert into a page, or into plain text.
//
// Safety is decided on the syntax tree, before rendering, by an allow-list:
//   - raw HTML (blocks and inline tags) is dropped entirely; the text between tags stays;
//   - links keep their href only for http:, https:, mailto: and scheme-less (relative) URLs;
//     any other link (javascript:, vbscript:, data:, file:, ... in any casing, with entities,
//     tabs or control characters inside) becomes its plain text;
//   - images keep their src only for http(s) URLs and our own /api/v1/attachments/ paths;
//     any other image becomes its alt text;
//   - mention links that the mention picker inserts, `@[王伟](person:12)` / `@[民政厅](org:34)`,
//     render as <span class="mention" data-person-id="12">@王伟</span> (data-org-id for org).
// cmark-gfm's own safe mode stays on underneath as a second line of defence.
// Extensions: tables, strikethrough (double tilde only: "3~5 天" is a range, not deleted text),
// autolinks (www. and http(s):// in text) and task lists. A line break in the source is a line
// break on the page, as people expect from a chat-like text box.
//
// Thread-safety: all functions may be called from any thread at any time; cmark-gfm's
// extension registry is filled once, on first use, under a function-local static.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sl::markdown {

// HTML for Markdown text. Invalid UTF-8 is replaced with U+FFFD. Never fails.
std::string to_html(std::string_view md);

// The words of Markdown text without any markup, for search indexing and notifications:
// blocks on their own lines, table cells separated by spaces, links as their text, images as
// their alt text, code as its text, raw HTML dropped.
std::string to_text(std::string_view md);

// to_text with all runs of whitespace folded to one space, cut to max_chars code points
// (with "…" when cut): the body of a notification or a search snippet.
std::string excerpt(std::string_view md, size_t max_chars);

// Cuts UTF-8 text to at most max_chars code points, never inside a character; appends "…"
// (counted in max_chars) when it had to cut. Invalid bytes are kept as they are.
std::string truncate(std::string_view text, size_t max_chars);

// What posts and other long texts may be: valid UTF-8, not blank, at most max_chars code points.
// Errors: invalid_text, text_empty, text_too_long (messages name `what`, e.g. "发言").
Status check_length(std::string_view md, size_t max_chars, std::string_view what = "内容");

// Is `url` acceptable as a link target / an image source? (the rules above)
bool safe_link_url(std::string_view url);
bool safe_image_url(std::string_view url);

// The prose of Markdown text in document order, for finding @mentions: text outside code
// spans, code blocks, raw HTML and link texts; and every link with its URL and text.
struct Inline {
  enum class Kind { kText, kLink };
  Kind kind = Kind::kText;
  std::string text;
  std::string url;  // links only
};
std::vector<Inline> prose(std::string_view md);

}  // namespace sl::markdown
