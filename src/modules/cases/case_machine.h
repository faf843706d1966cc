// The state machine of a case, in one table (case_machine.cc kTransitions). Every change of a
// case goes through decide(): the service asks it before it writes anything, so no use case
// can move a case in a way the table does not list.
//
//   draft ─submit─→ cosigning ─cosign (enough)─→ submitted ─accept─→ accepted ─assign─→ handling
//     ↑  └─submit (no co-signers needed)──────────↗   │ decline → declined       ↑  │ answer
//     └───────── withdraw (cosigning, submitted) ─────┘ merge → merged           │  ↓
//                                                                    rate: unsatisfied (first)
//   answered ─rate: satisfied / basically─→ closed ─archive─→ archived        answered
//           └─rate: unsatisfied again─→ escalated ─assign─→ handling / ─close─→ closed
//
// Roles are relations between the caller and one case (a caller may hold several): the
// submitter, an invited co-signer, staff of the case's organisation (and above), the lead
// handling unit, a co-handling unit, anyone else, and the system (the deadline sweep).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sl::cases {

enum class State { kDraft, kCosigning, kSubmitted, kDeclined, kMerged, kAccepted, kHandling, kAnswered, kEscalated, kClosed, kArchived };
inline constexpr std::array<State, 11> kAllStates = {State::kDraft,    State::kCosigning, State::kSubmitted, State::kDeclined,
                                                     State::kMerged,   State::kAccepted,  State::kHandling,  State::kAnswered,
                                                     State::kEscalated, State::kClosed,   State::kArchived};

enum class Action {
  kEdit,              // the proposer changes a draft
  kSubmit,            // the proposer hands it in
  kWithdraw,          // the proposer takes it back to draft before review
  kCosign,            // an invited co-signer confirms (联名)
  kDeclineCosign,     // an invited co-signer declines
  kAccept,            // staff: 立案
  kDecline,           // staff: 不予立案, with a reason
  kMerge,             // staff: 并案 into another case
  kConvert,           // staff: proposal ⇄ social-condition report
  kAssign,            // staff: lead and co-handling units, deadline (交办; again: reassign)
  kRequestReassign,   // lead unit: asks to be replaced
  kDecideReassign,    // staff: approves (with the new units) or refuses
  kRequestExtension,  // lead unit: asks for more working days
  kDecideExtension,   // staff: approves or refuses
  kProgress,          // lead or co-handling unit: a progress note
  kCoInput,           // co-handling unit: its input to the lead unit (协办意见)
  kAnswer,            // lead unit: the answer (答复), after every co-unit's input
  kRate,              // proposer: satisfied / basically satisfied / unsatisfied (+reason)
  kClose,             // staff: closes an escalated case
  kSupervise,         // staff: a supervision note (督办意见)
  kMarkKey,           // staff: marks or unmarks a key case (重点督办)
  kPublish,           // staff: publishes the answer (when kind and proposer allow)
  kArchive,           // staff: 归档
  kCard,              // system: the deadline sweep gives or clears a yellow/red card
};
inline constexpr int kActionCount = 24;

enum class Role { kSubmitter, kCosigner, kStaff, kLeadUnit, kCoUnit, kOther, kSystem };
inline constexpr std::array<Role, 7> kAllRoles = {Role::kSubmitter, Role::kCosigner, Role::kStaff, Role::kLeadUnit,
                                                  Role::kCoUnit,    Role::kOther,    Role::kSystem};

// What decides between several targets of one action (facts the service gathers first).
enum class Guard {
  kAlways,
  kCosignNeeded,     // submit: the kind needs co-signers → cosigning
  kNoCosignNeeded,   // submit: none needed → submitted
  kCosignShort,      // cosign: still fewer confirmed than needed → stays
  kCosignMet,        // cosign: enough confirmed → submitted
  kSatisfied,        // rate: satisfied or basically satisfied → closed
  kUnsatisfiedFirst, // rate: unsatisfied, not re-handled yet → handling again
  kUnsatisfiedAgain, // rate: unsatisfied after a re-handling → escalated (to staff)
  kPublishable,      // publish: the kind publishes and (if it asks) the proposer agreed
};

struct Facts {
  bool cosign_needed = false;  // the kind requires co-signers (submit)
  bool cosign_met = false;     // enough have confirmed, counting this one (cosign)
  bool unsatisfied = false;    // the rating given (rate)
  bool rehandled = false;      // the case was re-handled once already
  bool publishable = false;    // publish is allowed for this case
};

struct Transition {
  State from;
  Action action;
  std::vector<Role> roles;
  State to;
  Guard guard = Guard::kAlways;
};

// The table itself (for documentation, the API and tests).
const std::vector<Transition>& transitions();

// Decides a step: the target state, or why not —
//   invalid_transition (409) when the action does not apply in this state at all,
//   Forbidden (403) when it applies but none of `roles` may take it,
//   the guard's own refusal (409/422) when no guard holds (e.g. not_publishable).
Result<State> decide(State from, Action action, const std::vector<Role>& roles, const Facts& facts);

std::string_view state_name(State s);
std::optional<State> parse_state(std::string_view s);
std::string_view action_name(Action a);
std::optional<Action> parse_action(std::string_view s);
std::string_view role_name(Role r);
std::string state_label(State s);  // zh-CN

}  // namespace sl::cases
