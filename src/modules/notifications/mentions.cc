// @mentions: finding them (pure) and resolving them to people (storage). See mentions.h.
#include "modules/notifications/mentions.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

#include "modules/common/markdown.h"

namespace sl::notifications::mentions {

using storage::Conn;

namespace {

constexpr std::string_view kFullWidthAt = "\xEF\xBC\xA0";  // ＠

bool ascii_alnum(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'); }

// "@" that belongs to an e-mail address or a word ("a@b.cn", "x@y") is not a mention.
bool word_before(std::string_view text, size_t at) {
  if (at == 0) return false;
  char p = text[at - 1];
  return ascii_alnum(p) || p == '.' || p == '_' || p == '-' || p == '+';
}

bool continuation(char ch) { return (static_cast<unsigned char>(ch) & 0xC0) == 0x80; }

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (char ch : s)
    if (!continuation(ch)) ++n;
  return n;
}

// "person:12" -> (kPerson, 12); "org:34" -> (kDepartment, 34).
std::optional<std::pair<Kind, int64_t>> picked_target(std::string_view url) {
  Kind kind;
  if (url.substr(0, 7) == "person:") {
    kind = Kind::kPerson;
    url.remove_prefix(7);
  } else if (url.substr(0, 4) == "org:") {
    kind = Kind::kDepartment;
    url.remove_prefix(4);
  } else {
    return std::nullopt;
  }
  int64_t id = 0;
  auto [p, ec] = std::from_chars(url.data(), url.data() + url.size(), id);
  if (ec != std::errc() || p != url.data() + url.size() || id <= 0) return std::nullopt;
  return std::make_pair(kind, id);
}

}  // namespace

Found find(std::string_view md, const std::vector<Candidate>& candidates) {
  // Names -> the distinct candidates carrying them; (kind, id) -> candidate.
  std::unordered_map<std::string_view, std::vector<const Candidate*>> by_name;
  std::map<std::pair<Kind, int64_t>, const Candidate*> by_ref;
  size_t longest = 0;
  for (const Candidate& cand : candidates) {
    if (cand.name.empty()) continue;
    if (!by_ref.emplace(std::make_pair(cand.kind, cand.id), &cand).second) continue;  // listed twice
    by_name[cand.name].push_back(&cand);
    longest = std::max(longest, code_points(cand.name));
  }

  Found out;
  std::set<std::pair<Kind, int64_t>> seen;
  std::set<std::string, std::less<>> ambiguous;
  auto add = [&](const Candidate& cand) {
    auto key = std::make_pair(cand.kind, cand.id);
    if (seen.count(key)) return;
    if (out.mentions.size() >= kMaxMentions) {
      out.truncated = true;
      return;
    }
    seen.insert(key);
    out.mentions.push_back(Mention{cand.kind, cand.id, cand.name});
  };

  for (const markdown::Inline& seg : markdown::prose(md)) {
    if (seg.kind == markdown::Inline::Kind::kLink) {
      if (auto target = picked_target(seg.url)) {
        auto it = by_ref.find(*target);
        if (it != by_ref.end()) add(*it->second);
      }
      continue;
    }
    std::string_view text = seg.text;
    size_t i = 0;
    while (i < text.size()) {
      size_t marker = 0;
      if (text[i] == '@') marker = 1;
      else if (text.substr(i, kFullWidthAt.size()) == kFullWidthAt) marker = kFullWidthAt.size();
      if (marker == 0 || word_before(text, i)) {
        i += marker ? marker : 1;
        continue;
      }
      size_t start = i + marker;
      // Ends of the first 1..longest characters after the marker.
      std::vector<size_t> ends;
      for (size_t j = start; j < text.size() && ends.size() < longest;) {
        ++j;
        while (j < text.size() && continuation(text[j])) ++j;
        ends.push_back(j);
      }
      size_t next = start;
      for (size_t k = ends.size(); k-- > 0;) {
        std::string_view name = text.substr(start, ends[k] - start);
        auto it = by_name.find(name);
        if (it == by_name.end()) continue;
        // Latin names end at a word boundary ("@Li" is not "@Lisa").
        if (ends[k] < text.size() && ascii_alnum(name.back()) && ascii_alnum(text[ends[k]])) continue;
        if (it->second.size() == 1) {
          add(*it->second.front());
        } else if (!ambiguous.count(name)) {
          ambiguous.emplace(name);
          out.ambiguous.emplace_back(name);
        }
        next = ends[k];
        break;
      }
      i = next;
    }
  }
  return out;
}

bool may_mention(std::string_view md) {
  return md.find('@') != std::string_view::npos || md.find(kFullWidthAt) != std::string_view::npos ||
         md.find("person:") != std::string_view::npos || md.find("org:") != std::string_view::npos;
}

Result<std::vector<Candidate>> load_candidates(Conn& c, const std::vector<int64_t>& scope_org_ids) {
  std::vector<Candidate> out;
  std::set<int64_t> orgs(scope_org_ids.begin(), scope_org_ids.end());
  std::set<int64_t> people;
  for (int64_t org : orgs) {
    SL_ASSIGN(auto dept, c.query_one("SELECT id, name FROM orgs WHERE id = ? AND kind = 'department'", {org}));
    if (dept) out.push_back(Candidate{Kind::kDepartment, dept->i64(0), dept->str(1)});
    SL_ASSIGN(auto rows, c.query("SELECT DISTINCT p.id, p.display_name FROM memberships m JOIN people p ON p.id = m.person_id "
                                 "WHERE m.org_id = ? AND p.status = 'active' ORDER BY p.id",
                                 {org}));
    for (const auto& r : rows)
      if (people.insert(r.i64(0)).second) out.push_back(Candidate{Kind::kPerson, r.i64(0), r.str(1)});
  }
  return out;
}

Result<std::vector<int64_t>> responders(Conn& c, int64_t department_id) {
  SL_ASSIGN(auto rows, c.query("SELECT DISTINCT m.person_id FROM memberships m JOIN people p ON p.id = m.person_id "
                               "WHERE m.org_id = ? AND m.role = 'responder' AND p.status = 'active' ORDER BY m.person_id",
                               {department_id}));
  std::vector<int64_t> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(r.i64(0));
  return out;
}

Result<Resolved> resolve(Conn& c, std::string_view md, const std::vector<int64_t>& scope_org_ids, int64_t author_id) {
  Resolved r;
  if (!may_mention(md) || scope_org_ids.empty()) return r;
  SL_ASSIGN(auto candidates, load_candidates(c, scope_org_ids));
  r.found = find(md, candidates);
  std::set<int64_t> seen{author_id};
  for (const Mention& m : r.found.mentions) {
    if (m.kind == Kind::kPerson) {
      if (seen.insert(m.id).second) r.person_ids.push_back(m.id);
      continue;
    }
    SL_ASSIGN(auto ids, responders(c, m.id));
    for (int64_t id : ids)
      if (seen.insert(id).second) r.person_ids.push_back(id);
  }
  return r;
}

}  // namespace sl::notifications::mentions
