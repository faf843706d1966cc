#include "modules/cases/case_machine.h"

#include <algorithm>

namespace sl::cases {

namespace {

using R = Role;
using S = State;
using A = Action;
using G = Guard;

const std::vector<Role> kStaffOnly = {R::kStaff};
const std::vector<Role> kUnits = {R::kLeadUnit, R::kCoUnit};

}  // namespace

// The whole machine. An action absent for a state is invalid there; roles not listed are refused.
const std::vector<Transition>& transitions() {
  static const std::vector<Transition> t = {
      {S::kDraft, A::kEdit, {R::kSubmitter}, S::kDraft},
      {S::kDraft, A::kSubmit, {R::kSubmitter}, S::kCosigning, G::kCosignNeeded},
      {S::kDraft, A::kSubmit, {R::kSubmitter}, S::kSubmitted, G::kNoCosignNeeded},

      {S::kCosigning, A::kCosign, {R::kCosigner}, S::kCosigning, G::kCosignShort},
      {S::kCosigning, A::kCosign, {R::kCosigner}, S::kSubmitted, G::kCosignMet},
      {S::kCosigning, A::kDeclineCosign, {R::kCosigner}, S::kCosigning},
      {S::kCosigning, A::kWithdraw, {R::kSubmitter}, S::kDraft},

      {S::kSubmitted, A::kWithdraw, {R::kSubmitter}, S::kDraft},
      {S::kSubmitted, A::kCosign, {R::kCosigner}, S::kSubmitted},  // late confirmations still count
      {S::kSubmitted, A::kAccept, kStaffOnly, S::kAccepted},
      {S::kSubmitted, A::kDecline, kStaffOnly, S::kDeclined},
      {S::kSubmitted, A::kMerge, kStaffOnly, S::kMerged},
      {S::kSubmitted, A::kConvert, kStaffOnly, S::kSubmitted},

      {S::kAccepted, A::kAssign, kStaffOnly, S::kHandling},
      {S::kAccepted, A::kMerge, kStaffOnly, S::kMerged},
      {S::kAccepted, A::kConvert, kStaffOnly, S::kAccepted},
      {S::kAccepted, A::kMarkKey, kStaffOnly, S::kAccepted},
      {S::kAccepted, A::kSupervise, kStaffOnly, S::kAccepted},

      {S::kHandling, A::kAssign, kStaffOnly, S::kHandling},
      {S::kHandling, A::kRequestReassign, {R::kLeadUnit}, S::kHandling},
      {S::kHandling, A::kDecideReassign, kStaffOnly, S::kHandling},
      {S::kHandling, A::kRequestExtension, {R::kLeadUnit}, S::kHandling},
      {S::kHandling, A::kDecideExtension, kStaffOnly, S::kHandling},
      {S::kHandling, A::kProgress, kUnits, S::kHandling},
      {S::kHandling, A::kCoInput, {R::kCoUnit}, S::kHandling},
      {S::kHandling, A::kAnswer, {R::kLeadUnit}, S::kAnswered},
      {S::kHandling, A::kSupervise, kStaffOnly, S::kHandling},
      {S::kHandling, A::kMarkKey, kStaffOnly, S::kHandling},
      {S::kHandling, A::kCard, {R::kSystem}, S::kHandling},

      {S::kAnswered, A::kRate, {R::kSubmitter}, S::kClosed, G::kSatisfied},
      {S::kAnswered, A::kRate, {R::kSubmitter}, S::kHandling, G::kUnsatisfiedFirst},
      {S::kAnswered, A::kRate, {R::kSubmitter}, S::kEscalated, G::kUnsatisfiedAgain},
      {S::kAnswered, A::kSupervise, kStaffOnly, S::kAnswered},
      {S::kAnswered, A::kMarkKey, kStaffOnly, S::kAnswered},
      {S::kAnswered, A::kCard, {R::kSystem}, S::kAnswered},  // clears the card of an answered case

      {S::kEscalated, A::kAssign, kStaffOnly, S::kHandling},
      {S::kEscalated, A::kClose, kStaffOnly, S::kClosed},
      {S::kEscalated, A::kSupervise, kStaffOnly, S::kEscalated},
      {S::kEscalated, A::kMarkKey, kStaffOnly, S::kEscalated},
      {S::kEscalated, A::kCard, {R::kSystem}, S::kEscalated},

      {S::kClosed, A::kPublish, kStaffOnly, S::kClosed, G::kPublishable},
      {S::kClosed, A::kArchive, kStaffOnly, S::kArchived},
      {S::kClosed, A::kCard, {R::kSystem}, S::kClosed},
      {S::kDeclined, A::kArchive, kStaffOnly, S::kArchived},
      {S::kMerged, A::kArchive, kStaffOnly, S::kArchived},
  };
  return t;
}

namespace {

bool holds(Guard g, const Facts& f) {
  switch (g) {
    case G::kAlways: return true;
    case G::kCosignNeeded: return f.cosign_needed;
    case G::kNoCosignNeeded: return !f.cosign_needed;
    case G::kCosignShort: return !f.cosign_met;
    case G::kCosignMet: return f.cosign_met;
    case G::kSatisfied: return !f.unsatisfied;
    case G::kUnsatisfiedFirst: return f.unsatisfied && !f.rehandled;
    case G::kUnsatisfiedAgain: return f.unsatisfied && f.rehandled;
    case G::kPublishable: return f.publishable;
  }
  return false;
}

Error guard_error(Guard g) {
  if (g == G::kPublishable) return Error::Conflict("not_publishable", "该类别不公开答复，或提出人未同意公开");
  return Error::Conflict("invalid_transition", "当前状态下不能进行此操作");
}

}  // namespace

Result<State> decide(State from, Action action, const std::vector<Role>& roles, const Facts& facts) {
  bool applies = false, permitted = false;
  std::optional<Guard> failed;
  for (const Transition& t : transitions()) {
    if (t.from != from || t.action != action) continue;
    applies = true;
    bool role_ok = std::any_of(t.roles.begin(), t.roles.end(),
                               [&](Role r) { return std::find(roles.begin(), roles.end(), r) != roles.end(); });
    if (!role_ok) continue;
    permitted = true;
    if (holds(t.guard, facts)) return t.to;
    failed = t.guard;
  }
  if (!applies)
    return Error::Conflict("invalid_transition", "案件当前为「" + state_label(from) + "」，不能" + std::string(action_name(action)));
  if (!permitted) return Error::Forbidden("你无权对该案件进行此操作");
  return guard_error(*failed);
}

namespace {
struct Named {
  std::string_view name;
};
constexpr std::array<std::string_view, 11> kStateNames = {"draft",   "cosigning", "submitted", "declined", "merged", "accepted",
                                                          "handling", "answered", "escalated", "closed",   "archived"};
constexpr std::array<std::string_view, kActionCount> kActionNames = {
    "edit",    "submit",          "withdraw",        "cosign",          "decline_cosign",    "accept",
    "decline", "merge",           "convert",         "assign",          "request_reassign",  "decide_reassign",
    "request_extension", "decide_extension", "progress", "co_input",     "answer",            "rate",
    "close",   "supervise",       "mark_key",        "publish",         "archive",           "card"};
constexpr std::array<std::string_view, 7> kRoleNames = {"submitter", "cosigner", "staff", "lead_unit", "co_unit", "other", "system"};
}  // namespace

std::string_view state_name(State s) { return kStateNames[static_cast<size_t>(s)]; }
std::optional<State> parse_state(std::string_view s) {
  for (size_t i = 0; i < kStateNames.size(); ++i)
    if (kStateNames[i] == s) return static_cast<State>(i);
  return std::nullopt;
}
std::string_view action_name(Action a) { return kActionNames[static_cast<size_t>(a)]; }
std::optional<Action> parse_action(std::string_view s) {
  for (size_t i = 0; i < kActionNames.size(); ++i)
    if (kActionNames[i] == s) return static_cast<Action>(i);
  return std::nullopt;
}
std::string_view role_name(Role r) { return kRoleNames[static_cast<size_t>(r)]; }

std::string state_label(State s) {
  switch (s) {
    case S::kDraft: return "草稿";
    case S::kCosigning: return "征集联名";
    case S::kSubmitted: return "待审查";
    case S::kDeclined: return "不予立案";
    case S::kMerged: return "已并案";
    case S::kAccepted: return "已立案";
    case S::kHandling: return "办理中";
    case S::kAnswered: return "已答复";
    case S::kEscalated: return "待协调";
    case S::kClosed: return "已办结";
    case S::kArchived: return "已归档";
  }
  return "";
}

}  // namespace sl::cases
