// Fuzz target: Markdown rendering (modules/common/markdown.h). Besides no crash and no
// sanitizer report, the HTML must be safe: only the tags and attributes the renderer may
// emit, links and images only with the URLs safe_link_url / safe_image_url allow, valid UTF-8;
// excerpts and truncations stay within their length.
#include <cstddef>
#include <cctype>
#include <cstdint>
#include <set>
#include <string>

#include "modules/common/markdown.h"
#include "net/websocket.h"  // valid_utf8

namespace {

[[noreturn]] void fail(const std::string& why, std::string_view md, std::string_view html) {
  std::fprintf(stderr, "\n==FUZZ== markdown: %s\n--- input ---\n%.*s\n--- html ---\n%.*s\n", why.c_str(),
               static_cast<int>(md.size()), md.data(), static_cast<int>(html.size()), html.data());
  std::abort();
}

std::string unescape(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '&') {
      size_t semi = v.find(';', i);
      if (semi != std::string_view::npos) {
        std::string_view ent = v.substr(i + 1, semi - i - 1);
        if (ent == "amp") out += '&';
        else if (ent == "quot") out += '"';
        else if (ent == "lt") out += '<';
        else if (ent == "gt") out += '>';
        else if (ent == "#39") out += '\'';
        else out.append(v.substr(i, semi - i + 1));
        i = semi;
        continue;
      }
    }
    out += v[i];
  }
  return out;
}

// The scheme a browser would see in a rendered attribute ("" when relative): leading spaces and
// control characters dropped, tabs and newlines removed, lower-cased.
std::string browser_scheme(const std::string& v) {
  std::string n;
  for (char ch : v) {
    auto u = static_cast<unsigned char>(ch);
    if (ch == '\t' || ch == '\n' || ch == '\r') continue;
    if (n.empty() && u <= 0x20) continue;
    n += static_cast<char>(std::tolower(u));
  }
  size_t colon = n.find(':');
  if (colon == std::string::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(n[0]))) return "";
  for (size_t i = 0; i < colon; ++i) {
    char c = n[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '.' && c != '-') return "";
  }
  return n.substr(0, colon);
}

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Walks the HTML: every '<' opens a tag of the allow-list with allowed attributes only.
void check_html(std::string_view md, const std::string& html) {
  static const std::set<std::string, std::less<>> tags = {
      "p", "br", "em", "strong", "a", "img", "code", "pre", "blockquote", "ul", "ol", "li", "h1", "h2", "h3",
      "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td", "del", "input", "span"};
  static const std::set<std::string, std::less<>> attrs = {
      "href", "src", "alt", "title", "class", "data-person-id", "data-org-id", "align", "type", "checked",
      "disabled", "start", "lang"};
  size_t i = 0;
  while ((i = html.find('<', i)) != std::string::npos) {
    size_t j = i + 1;
    if (j < html.size() && html[j] == '/') ++j;
    size_t name_start = j;
    while (j < html.size() && std::isalnum(static_cast<unsigned char>(html[j]))) ++j;
    std::string name = html.substr(name_start, j - name_start);
    if (!tags.count(name)) fail("tag <" + name + "> is not allowed", md, html);
    // attributes until '>'
    for (;;) {
      while (j < html.size() && html[j] == ' ') ++j;
      if (j >= html.size()) fail("unterminated tag", md, html);
      if (html[j] == '>') break;
      if (html[j] == '/' && j + 1 < html.size() && html[j + 1] == '>') {
        ++j;
        break;
      }
      size_t a = j;
      while (j < html.size() && html[j] != '=' && html[j] != ' ' && html[j] != '>' && html[j] != '/') ++j;
      std::string attr = html.substr(a, j - a);
      if (!attrs.count(attr)) fail("attribute " + attr + " is not allowed", md, html);
      if (j < html.size() && html[j] == '=') {
        ++j;
        if (j >= html.size() || html[j] != '"') fail("unquoted attribute " + attr, md, html);
        size_t end = html.find('"', j + 1);
        if (end == std::string::npos) fail("unterminated attribute " + attr, md, html);
        std::string value = unescape(std::string_view(html).substr(j + 1, end - j - 1));
        // What the page's browser would do with the rendered (escaped) value.
        std::string scheme = browser_scheme(value);
        if (attr == "href" && !(scheme.empty() || scheme == "http" || scheme == "https" || scheme == "mailto"))
          fail("unsafe href " + value, md, html);
        // A src that cmark's escaping made relative ("%08http://x") stays on our origin: harmless.
        if (attr == "src" && !(scheme.empty() || scheme == "http" || scheme == "https"))
          fail("unsafe src " + value, md, html);
        j = end + 1;
      }
    }
    i = j;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view md(reinterpret_cast<const char*>(data), size);
  std::string html = sl::markdown::to_html(md);
  if (!sl::net::valid_utf8(html)) fail("HTML is not valid UTF-8", md, html);
  check_html(md, html);
  (void)sl::markdown::to_text(md);
  (void)sl::markdown::prose(md);
  (void)sl::markdown::check_length(md, 5000);
  size_t max = size == 0 ? 1 : 1 + data[0] % 64;
  std::string ex = sl::markdown::excerpt(md, max);
  std::string cut = sl::markdown::truncate(md, max);
  if (sl::net::valid_utf8(md)) {
    if (code_points(cut) > max) fail("truncate is longer than " + std::to_string(max), md, cut);
    if (!sl::net::valid_utf8(cut)) fail("truncate cut a character", md, cut);
    if (code_points(ex) > max) fail("excerpt is longer than " + std::to_string(max), md, ex);
  }
  return 0;
}
