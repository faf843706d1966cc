// Folding: character-level 繁→简 from OpenCC's t2s configuration, full-width → half-width,
// lower case, whitespace runs → one space, zero-width characters dropped.
//
// Why character-level: OpenCC's t2s first converts phrases (TSPhrases, e.g. 乾隆 stays 乾隆
// while 乾燥 → 干燥), so the same character may fold differently in a query and in a document
// depending on its neighbours, and a substring search would miss. Folding one character at a
// time is context-free (a query folds exactly as the text around it did) and keeps a 1:1 map
// from folded characters to the original text, which the snippets need. We load t2s.json once
// through OpenCC's C++ API and keep the single-character entries of its dictionaries
// (TSCharacters: 4,113 characters, each to one character), closed under repetition so that
// folding twice changes nothing (薴 → 苧 → 苎 folds straight to 苎).
#include <opencc/Config.hpp>
#include <opencc/ConversionChain.hpp>
#include <opencc/Conversion.hpp>
#include <opencc/Converter.hpp>
#include <opencc/Dict.hpp>
#include <opencc/DictEntry.hpp>
#include <opencc/DictGroup.hpp>
#include <opencc/Lexicon.hpp>
#include <spdlog/spdlog.h>

#include <exception>
#include <list>
#include <memory>
#include <unordered_map>

#include "modules/search/search.h"
#include "modules/search/text.h"

namespace sl::search {

namespace {

constexpr const char* kT2sConfig = "/usr/share/opencc/t2s.json";
constexpr char32_t kInvalid = kInvalidCodePoint;

// Decodes one UTF-8 code point at s[i], advancing i; kInvalid (one byte consumed) for bytes
// that are not well-formed UTF-8 (overlong forms, surrogates, truncated sequences).
char32_t decode(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int n = 0;
  char32_t c = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) n = 1, c = b0 & 0x1F, min = 0x80;
  else if ((b0 & 0xF0) == 0xE0) n = 2, c = b0 & 0x0F, min = 0x800;
  else if ((b0 & 0xF8) == 0xF0) n = 3, c = b0 & 0x07, min = 0x10000;
  else {
    ++i;
    return kInvalid;
  }
  if (i + static_cast<size_t>(n) >= s.size()) {  // truncated sequence
    ++i;
    return kInvalid;
  }
  for (int k = 1; k <= n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return kInvalid;
    }
    c = (c << 6) | (b & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
    ++i;
    return kInvalid;
  }
  i += static_cast<size_t>(n) + 1;
  return c;
}

// The 繁→简 character table: a flat array for the Basic Multilingual Plane, a map beyond it.
class T2sTable {
 public:
  T2sTable() : bmp_(0x10000, 0) {
    try {
      opencc::Config config;
      opencc::ConverterPtr converter = config.NewFromFile(kT2sConfig);
      std::unordered_map<char32_t, char32_t> all;
      for (const opencc::ConversionPtr& conversion : converter->GetConversionChain()->GetConversions()) {
        std::list<opencc::DictPtr> dicts;
        if (auto group = std::dynamic_pointer_cast<opencc::DictGroup>(conversion->GetDict())) dicts = group->GetDicts();
        else dicts.push_back(conversion->GetDict());
        for (const opencc::DictPtr& dict : dicts) {
          for (const auto& entry : *dict->GetLexicon()) {
            char32_t from = single(entry->Key());
            char32_t to = single(entry->GetDefault());
            if (from != kInvalid && to != kInvalid && from != to) all.emplace(from, to);
          }
        }
      }
      for (auto& [from, to] : all) {
        char32_t target = to;
        for (int hops = 0; hops < 8; ++hops) {
          auto it = all.find(target);
          if (it == all.end() || it->second == target) break;
          target = it->second;
        }
        if (from < 0x10000) bmp_[from] = target;
        else astral_.emplace(from, target);
      }
      size_ = all.size();
      if (size_ == 0) error_ = std::string("OpenCC 配置 ") + kT2sConfig + " 中没有单字繁简对照";
    } catch (const std::exception& e) {
      error_ = std::string("无法加载 OpenCC 繁简配置 ") + kT2sConfig + ": " + e.what();
    }
    if (!error_.empty()) spdlog::error("{}", error_);
  }

  char32_t map(char32_t c) const {
    if (c < 0x10000) {
      char32_t t = bmp_[c];
      return t ? t : c;
    }
    auto it = astral_.find(c);
    return it == astral_.end() ? c : it->second;
  }
  const std::string& error() const { return error_; }

 private:
  static char32_t single(const std::string& s) {
    if (s.empty()) return kInvalid;
    size_t i = 0;
    char32_t c = decode(s, i);
    return i == s.size() ? c : kInvalid;
  }

  std::vector<char32_t> bmp_;
  std::unordered_map<char32_t, char32_t> astral_;
  size_t size_ = 0;
  std::string error_;
};

const T2sTable& table() {
  static const T2sTable t;  // built once, on first use; thread-safe (magic static), then read-only
  return t;
}

bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 ||
         c < 0x20 || c == 0x7F || c == kInvalid;
}

// Invisible characters that would otherwise split words (and hide words from the filter).
bool is_dropped(char32_t c) {
  return (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF || c == 0x00AD;
}

char32_t lower(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  if (c >= 0x100 && c <= 0x137) return c | 1;
  if (c >= 0x139 && c <= 0x148) return (c & 1) ? c + 1 : c;
  if (c >= 0x14A && c <= 0x177) return c | 1;
  if (c == 0x178) return 0xFF;
  if (c >= 0x179 && c <= 0x17E) return (c & 1) ? c + 1 : c;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  return c;
}

// One code point as it folds (before whitespace handling).
char32_t fold_char(char32_t c, const T2sTable& t) {
  if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;  // full-width ASCII
  return lower(t.map(c));
}

template <bool kMapped>
void fold_impl(std::string_view in, std::u32string& out, std::vector<uint32_t>* begins, std::vector<uint32_t>* ends) {
  const T2sTable& t = table();
  out.reserve(in.size() / 2 + 1);
  bool pending_space = false;
  uint32_t space_begin = 0, space_end = 0;
  size_t i = 0;
  while (i < in.size()) {
    const size_t at = i;
    char32_t c = decode(in, i);
    if (is_dropped(c)) continue;
    if (is_space(c)) {
      if (!pending_space) space_begin = static_cast<uint32_t>(at);
      pending_space = true;
      space_end = static_cast<uint32_t>(i);
      continue;
    }
    if (pending_space) {
      if (!out.empty()) {
        out.push_back(U' ');
        if constexpr (kMapped) {
          begins->push_back(space_begin);
          ends->push_back(space_end);
        }
      }
      pending_space = false;
    }
    out.push_back(fold_char(c, t));
    if constexpr (kMapped) {
      begins->push_back(static_cast<uint32_t>(at));
      ends->push_back(static_cast<uint32_t>(i));
    }
  }
}

}  // namespace

char32_t decode_utf8(std::string_view s, size_t& i) { return decode(s, i); }

bool is_cjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x3FFFF) ||
         (c >= 0xF900 && c <= 0xFAFF) || c == 0x3005 || c == 0x3007 || (c >= 0x3040 && c <= 0x30FF && c != 0x30FB) ||
         (c >= 0x3100 && c <= 0x312F) || (c >= 0x31A0 && c <= 0x31BF) || (c >= 0x31F0 && c <= 0x31FF) ||
         (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0x1100 && c <= 0x11FF) || (c >= 0x3130 && c <= 0x318F);
}

bool is_word_char(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  return (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x370 && c <= 0x3FF && c != 0x37E && c != 0x387) ||
         (c >= 0x400 && c <= 0x4FF);
}

Folded fold_mapped(std::string_view original) {
  Folded f;
  fold_impl<true>(original, f.text, &f.begin, &f.end);
  return f;
}

std::u32string fold32(std::string_view original) {
  std::u32string out;
  fold_impl<false>(original, out, nullptr, nullptr);
  return out;
}

std::string to_utf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size() * 3);
  for (char32_t c : s) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

Status fold_ready() {
  if (!table().error().empty()) return Error::Internal(table().error());
  return Ok();
}

std::string fold(std::string_view text) { return to_utf8(fold32(text)); }

}  // namespace sl::search
