// Markdown through cmark-gfm with an allow-list applied to the syntax tree. See markdown.h.
#include "modules/common/markdown.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "core/json.h"
#include "net/websocket.h"  // valid_utf8

namespace sl::markdown {

namespace {

// cmark-gfm 0.29 keeps its table of inline "special characters" in a global array and, on every
// parse, switches the extensions' characters on at the start of inline parsing and off again at
// the end (cmark_manage_extensions_special_characters). Two parses on two threads therefore
// race: one finishing turns '~' and ':' off under the other, which then misses strikethrough
// and autolinks. Measured here: 4 wrong renderings in 80,000 parses on 4 threads. So parsing
// is serialised; rendering a finished tree touches no global state and runs in parallel.
std::mutex& parse_mutex() {
  static std::mutex mu;
  return mu;
}

struct Extensions {
  cmark_syntax_extension* table;
  cmark_syntax_extension* strikethrough;
  cmark_syntax_extension* autolink;
  cmark_syntax_extension* tasklist;
};

// Registers the core extensions once (cmark_gfm_core_extensions_ensure_registered is not
// thread-safe itself; a function-local static is).
const Extensions& extensions() {
  static const Extensions e = [] {
    cmark_gfm_core_extensions_ensure_registered();
    Extensions x{cmark_find_syntax_extension("table"), cmark_find_syntax_extension("strikethrough"),
                 cmark_find_syntax_extension("autolink"), cmark_find_syntax_extension("tasklist")};
    if (!x.table || !x.strikethrough || !x.autolink || !x.tasklist) std::abort();  // broken installation
    return x;
  }();
  return e;
}

constexpr int kParseOptions = CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_NORMALIZE | CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE;
// CMARK_OPT_UNSAFE is deliberately absent: cmark's own filter stays on under ours.
constexpr int kHtmlOptions = CMARK_OPT_HARDBREAKS | CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE;

struct ParserDeleter {
  void operator()(cmark_parser* p) const { cmark_parser_free(p); }
};
struct NodeDeleter {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct IterDeleter {
  void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};
using ParserPtr = std::unique_ptr<cmark_parser, ParserDeleter>;
using NodePtr = std::unique_ptr<cmark_node, NodeDeleter>;
using IterPtr = std::unique_ptr<cmark_iter, IterDeleter>;

// A parsed document; the parser stays alive because the HTML renderer needs its extension list.
struct Document {
  ParserPtr parser;
  NodePtr root;
};

// Invalid UTF-8 becomes U+FFFD, byte by byte, before parsing (cmark passes it through, and
// HTML or JSON holding it is broken; found by fuzz_markdown).
std::string valid_utf8_text(std::string_view s) {
  if (net::valid_utf8(s)) return std::string(s);
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len > 0 && i + len <= s.size() && net::valid_utf8(s.substr(i, len))) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

Document parse(std::string_view raw) {
  std::string text = valid_utf8_text(raw);
  std::string_view md = text;
  const Extensions& ext = extensions();
  Document d;
  d.parser.reset(cmark_parser_new(kParseOptions));
  for (cmark_syntax_extension* e : {ext.table, ext.strikethrough, ext.autolink, ext.tasklist})
    cmark_parser_attach_syntax_extension(d.parser.get(), e);
  std::lock_guard lk(parse_mutex());
  cmark_parser_feed(d.parser.get(), md.data(), md.size());
  d.root.reset(cmark_parser_finish(d.parser.get()));
  return d;
}

bool type_is(cmark_node* n, const char* name) { return std::strcmp(cmark_node_get_type_string(n), name) == 0; }

std::string_view str(const char* s) { return s ? std::string_view(s) : std::string_view(); }

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// What a browser would take the URL to be, for scheme checks: it drops leading and trailing
// C0 controls and spaces and removes tabs and newlines anywhere; we drop every byte <= 0x20
// and DEL anywhere (stricter), and lower-case ASCII.
std::string normalised(std::string_view url) {
  std::string s;
  s.reserve(url.size());
  for (char ch : url) {
    auto u = static_cast<unsigned char>(ch);
    if (u <= 0x20 || u == 0x7f) continue;
    s.push_back(ascii_lower(ch));
  }
  return s;
}

// The scheme of a normalised URL ("" if it has none, i.e. it is relative).
std::string_view scheme_of(std::string_view n) {
  size_t colon = n.find(':');
  if (colon == std::string_view::npos) return {};
  size_t delim = n.find_first_of("/?#");
  if (delim != std::string_view::npos && delim < colon) return {};  // "a/b:c" is a relative path
  return n.substr(0, colon);
}

// "person:12" / "org:34" from the mention picker: the kind and the id, or nothing.
std::optional<std::pair<std::string_view, std::string_view>> mention_target(std::string_view url) {
  for (std::string_view kind : {std::string_view("person"), std::string_view("org")}) {
    if (url.size() > kind.size() + 1 && url.substr(0, kind.size()) == kind && url[kind.size()] == ':') {
      std::string_view id = url.substr(kind.size() + 1);
      if (id.size() > 18 || id.front() == '0') return std::nullopt;
      for (char ch : id)
        if (ch < '0' || ch > '9') return std::nullopt;
      return std::make_pair(kind, id);
    }
  }
  return std::nullopt;
}

// All text under a node (alt text of an image, text of a link).
std::string text_under(cmark_node* node) {
  std::string out;
  IterPtr it(cmark_iter_new(node));
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE) {
    cmark_node* n = cmark_iter_get_node(it.get());
    if (ev != CMARK_EVENT_ENTER) continue;
    auto t = cmark_node_get_type(n);
    if (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE) out += str(cmark_node_get_literal(n));
    else if (t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK) out += ' ';
  }
  return out;
}

// Children that could not be moved where they belong (their new parent may not hold them, e.g.
// a GFM table cell): they are dropped from the page, and freed once the whole tree is sanitised,
// because nodes collected for later steps may sit inside them.
using Orphans = std::vector<cmark_node*>;

// Moves a node's children in front of it and frees it.
void unwrap(cmark_node* node, Orphans& orphans) {
  while (cmark_node* child = cmark_node_first_child(node)) {
    cmark_node_unlink(child);
    if (!cmark_node_insert_before(node, child)) orphans.push_back(child);
  }
  cmark_node_free(node);
}

void replace_with_text(cmark_node* node, const std::string& text) {
  cmark_node* t = cmark_node_new(CMARK_NODE_TEXT);
  cmark_node_set_literal(t, text.c_str());
  if (!cmark_node_replace(node, t)) cmark_node_free(t);
  cmark_node_free(node);
}

// A mention link becomes <span class="mention" data-...-id="N">@name</span>; the "@" typed
// before it moves inside the span.
void make_mention(cmark_node* link, std::string_view kind, std::string_view id, Orphans& orphans) {
  cmark_node* span = cmark_node_new(CMARK_NODE_CUSTOM_INLINE);
  std::string enter = "<span class=\"mention\" data-" + std::string(kind) + "-id=\"" + std::string(id) + "\">@";
  cmark_node_set_on_enter(span, enter.c_str());
  cmark_node_set_on_exit(span, "</span>");
  // Some parents may not hold a custom inline (a GFM table cell): there the mention stays
  // plain text, and the span, never linked into the tree, must be freed here.
  if (!cmark_node_insert_before(link, span)) {
    cmark_node_free(span);
    unwrap(link, orphans);
    return;
  }
  cmark_node* prev = cmark_node_previous(span);
  if (prev && cmark_node_get_type(prev) == CMARK_NODE_TEXT) {
    std::string before(str(cmark_node_get_literal(prev)));
    if (before.size() >= 1 && before.back() == '@') {
      before.pop_back();
    } else if (before.size() >= 3 && before.compare(before.size() - 3, 3, "\xEF\xBC\xA0") == 0) {  // ＠
      before.resize(before.size() - 3);
    }
    cmark_node_set_literal(prev, before.c_str());
  }
  while (cmark_node* child = cmark_node_first_child(link)) {
    cmark_node_unlink(child);
    if (!cmark_node_append_child(span, child)) orphans.push_back(child);
  }
  cmark_node_free(link);
}

// Applies the allow-list to a parsed tree (see markdown.h). Nodes are collected first and
// changed afterwards, raw HTML first, then links, then images: an image may sit inside a link
// and a link inside an image's description, and a node is freed only after its children moved.
void sanitise(cmark_node* root, bool render_mentions) {
  std::vector<cmark_node*> html, links, images;
  {
    IterPtr it(cmark_iter_new(root));
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE) {
      if (ev != CMARK_EVENT_ENTER) continue;
      cmark_node* n = cmark_iter_get_node(it.get());
      switch (cmark_node_get_type(n)) {
        case CMARK_NODE_HTML_BLOCK:
        case CMARK_NODE_HTML_INLINE: html.push_back(n); break;
        case CMARK_NODE_LINK: links.push_back(n); break;
        case CMARK_NODE_IMAGE: images.push_back(n); break;
        default: break;
      }
    }
  }
  for (cmark_node* n : html) cmark_node_free(n);  // cmark_node_free unlinks
  Orphans orphans;
  // An orphan itself (no parent now) is left alone: it is freed below with what it holds.
  for (cmark_node* n : links) {
    if (cmark_node_parent(n) == nullptr) continue;
    std::string_view url = str(cmark_node_get_url(n));
    if (auto m = mention_target(url)) {
      if (render_mentions) make_mention(n, m->first, m->second, orphans);
      else unwrap(n, orphans);
    } else if (!safe_link_url(url)) {
      unwrap(n, orphans);
    }
  }
  // Innermost first (the reverse of document order): replacing an image frees its description,
  // and an image's description may hold another image.
  for (auto it = images.rbegin(); it != images.rend(); ++it) {
    cmark_node* n = *it;
    if (cmark_node_parent(n) == nullptr) continue;
    if (!safe_image_url(str(cmark_node_get_url(n)))) replace_with_text(n, text_under(n));
  }
  for (cmark_node* n : orphans) cmark_node_free(n);
}

bool is_utf8_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

bool safe_link_url(std::string_view url) {
  std::string n = normalised(url);
  std::string_view scheme = scheme_of(n);
  return scheme.empty() || scheme == "http" || scheme == "https" || scheme == "mailto";
}

bool safe_image_url(std::string_view url) {
  std::string n = normalised(url);
  std::string_view scheme = scheme_of(n);
  if (scheme == "http" || scheme == "https") {
    // The scheme as written, too: "ht\x7ftp://x" normalises to http but is a relative path on
    // the page (found by fuzz_markdown).
    std::string_view raw = url;
    while (!raw.empty() && static_cast<unsigned char>(raw.front()) <= 0x20) raw.remove_prefix(1);
    std::string head;
    for (char ch : raw.substr(0, scheme.size() + 1)) head.push_back(ascii_lower(ch));
    if (head != std::string(scheme) + ":") return false;
    return n.size() > scheme.size() + 3;
  }
  if (!scheme.empty()) return false;
  // Our own attachments, and nothing that could climb out of them.
  constexpr std::string_view kPrefix = "/api/v1/attachments/";
  if (url.substr(0, kPrefix.size()) != kPrefix || url.size() == kPrefix.size()) return false;
  for (char ch : url) {
    auto u = static_cast<unsigned char>(ch);
    if (u <= 0x20 || u == 0x7f || ch == '\\') return false;
  }
  return url.find("..") == std::string_view::npos && url.find("%2e") == std::string_view::npos &&
         url.find("%2E") == std::string_view::npos;
}

std::string to_html(std::string_view md) {
  Document d = parse(md);
  sanitise(d.root.get(), /*render_mentions=*/true);
  char* html = cmark_render_html(d.root.get(), kHtmlOptions, cmark_parser_get_syntax_extensions(d.parser.get()));
  std::string out(html);
  std::free(html);
  // cmark-gfm 0.29 writes some numeric entities (e.g. &#xFFFF;) as bytes that are not UTF-8.
  return valid_utf8_text(out);
}

std::string to_text(std::string_view md) {
  Document d = parse(md);
  sanitise(d.root.get(), /*render_mentions=*/false);
  std::string out;
  auto newline = [&] {
    while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
    if (!out.empty() && out.back() != '\n') out.push_back('\n');
  };
  IterPtr it(cmark_iter_new(d.root.get()));
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE) {
    cmark_node* n = cmark_iter_get_node(it.get());
    auto t = cmark_node_get_type(n);
    if (ev == CMARK_EVENT_ENTER) {
      switch (t) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE: out += str(cmark_node_get_literal(n)); break;
        case CMARK_NODE_CODE_BLOCK:
          newline();
          out += str(cmark_node_get_literal(n));
          newline();
          break;
        case CMARK_NODE_SOFTBREAK: out += ' '; break;
        case CMARK_NODE_LINEBREAK: newline(); break;
        default:
          if (type_is(n, "table_cell") && !out.empty() && out.back() != '\n') out += ' ';
          break;
      }
    } else if (ev == CMARK_EVENT_EXIT) {
      if (t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_HEADING || t == CMARK_NODE_ITEM || t == CMARK_NODE_BLOCK_QUOTE ||
          type_is(n, "table_row") || type_is(n, "table_header") || type_is(n, "tasklist")) {
        newline();
      }
    }
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string truncate(std::string_view text, size_t max_chars) {
  size_t count = 0, i = 0;
  // Find the byte offset after max_chars code points.
  while (i < text.size() && count < max_chars) {
    ++i;
    while (i < text.size() && is_utf8_continuation(static_cast<unsigned char>(text[i]))) ++i;
    ++count;
  }
  if (i >= text.size()) return std::string(text);
  if (max_chars == 0) return {};
  // Cut one character earlier to make room for the ellipsis.
  size_t cut = i;
  do {
    --cut;
  } while (cut > 0 && is_utf8_continuation(static_cast<unsigned char>(text[cut])));
  return std::string(text.substr(0, cut)) + "\xE2\x80\xA6";  // …
}

std::string excerpt(std::string_view md, size_t max_chars) {
  std::string text = to_text(md), folded;
  folded.reserve(text.size());
  bool space = false;
  for (char ch : text) {
    if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r') {
      space = !folded.empty();
      continue;
    }
    if (space) folded.push_back(' ');
    space = false;
    folded.push_back(ch);
  }
  return truncate(folded, max_chars);
}

Status check_length(std::string_view md, size_t max_chars, std::string_view what) {
  auto len = json::utf8_length(md);
  if (!len) return Error::Invalid("invalid_text", std::string(what) + "不是合法的 UTF-8 文本");
  if (md.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return Error::Invalid("text_empty", std::string(what) + "不能为空");
  if (*len > max_chars)
    return Error::Invalid("text_too_long", std::string(what) + "最多 " + std::to_string(max_chars) + " 字");
  return Ok();
}

std::vector<Inline> prose(std::string_view md) {
  Document d = parse(md);
  std::vector<Inline> out;
  IterPtr it(cmark_iter_new(d.root.get()));
  cmark_event_type ev;
  int in_link = 0;
  while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE) {
    cmark_node* n = cmark_iter_get_node(it.get());
    auto t = cmark_node_get_type(n);
    if (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE) {
      if (ev == CMARK_EVENT_ENTER) {
        if (t == CMARK_NODE_LINK && in_link == 0)
          out.push_back(Inline{Inline::Kind::kLink, text_under(n), std::string(str(cmark_node_get_url(n)))});
        ++in_link;
      } else {
        --in_link;
      }
      continue;
    }
    if (ev == CMARK_EVENT_ENTER && t == CMARK_NODE_TEXT && in_link == 0)
      out.push_back(Inline{Inline::Kind::kText, std::string(str(cmark_node_get_literal(n))), {}});
    // A soft break ends a text run: a mention never spans lines.
  }
  return out;
}

}  // namespace sl::markdown
