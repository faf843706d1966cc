// @mentions in what people write: who is meant, and who is to be told.
//
// Two forms:
//   - typed:    "@王伟民 请看" — Chinese names have no spaces around them, so a name is found by
//               matching the text after "@" (or the full-width "＠") against the candidates in
//               scope, longest name first ("@王伟民" is 王伟民 even when 王伟 is also in scope).
//               A name that several people in scope share is ambiguous and tells nobody; the
//               mention picker exists for that case.
//   - picked:   "@[王伟](person:12)" / "@[江南省民政厅](org:34)", inserted by the web UI's mention
//               picker: the id decides, the shown name does not.
// Candidates are the people who are members of the organisations in scope (a deliberation's
// organisations and the departments asked to respond), and those organisations that are
// departments. Mentioning a department tells its responder accounts (部门联络员). Mentions
// of anyone outside the scope are ignored, so nobody can be notified by guessing ids.
// Mentions inside code, raw HTML and link texts do not count; e-mail addresses are not mentions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "storage/database.h"

namespace sl::notifications::mentions {

// At most this many distinct people or departments are mentioned per text; the rest are not told.
inline constexpr size_t kMaxMentions = 20;

enum class Kind { kPerson, kDepartment };

struct Candidate {
  Kind kind = Kind::kPerson;
  int64_t id = 0;    // person id or organisation id
  std::string name;  // display name or organisation name
};

struct Mention {
  Kind kind = Kind::kPerson;
  int64_t id = 0;
  std::string name;  // the candidate's name (not what a picked link showed)
};

struct Found {
  std::vector<Mention> mentions;        // distinct, in order of first appearance, ≤ kMaxMentions
  std::vector<std::string> ambiguous;   // typed names shared by several candidates (distinct)
  bool truncated = false;               // more than kMaxMentions distinct mentions were written
};

// Pure: the mentions in Markdown text `md`, given the candidates in scope.
Found find(std::string_view md, const std::vector<Candidate>& candidates);

// Does the text contain anything that could be a mention? (cheap; saves loading candidates)
bool may_mention(std::string_view md);

// Storage: the candidates in scope (see above): active people with a membership in any of
// `scope_org_ids`, and those organisations that are departments.
Result<std::vector<Candidate>> load_candidates(storage::Conn& c, const std::vector<int64_t>& scope_org_ids);
// The active responder accounts of a department.
Result<std::vector<int64_t>> responders(storage::Conn& c, int64_t department_id);

struct Resolved {
  Found found;
  std::vector<int64_t> person_ids;  // who to notify: distinct, author excluded, departments expanded
};

// Everything at once, inside the caller's unit of work: find the mentions in `md` among the
// candidates of `scope_org_ids` and turn them into the people to notify. `author_id` (the
// writer) is never notified of their own mention.
Result<Resolved> resolve(storage::Conn& c, std::string_view md, const std::vector<int64_t>& scope_org_ids,
                         int64_t author_id);

}  // namespace sl::notifications::mentions
