// The state machine, exhaustively: every state × every action × every role, against the rules
// of the issue written out independently below (not read back from the table).
#include "modules/cases/case_machine.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

namespace sl::cases {
namespace {

// state: action=roles ... ; roles: S submitter, C co-signer, T staff, L lead unit, O co-unit, Y system.
const char* kSpec = R"(
draft: edit=S submit=S
cosigning: cosign=C decline_cosign=C withdraw=S
submitted: withdraw=S cosign=C accept=T decline=T merge=T convert=T
accepted: assign=T merge=T convert=T mark_key=T supervise=T
handling: assign=T request_reassign=L decide_reassign=T request_extension=L decide_extension=T progress=LO co_input=O answer=L supervise=T mark_key=T card=Y
answered: rate=S supervise=T mark_key=T card=Y
escalated: assign=T close=T supervise=T mark_key=T card=Y
closed: publish=T archive=T card=Y
declined: archive=T
merged: archive=T
archived:
)";

char letter(Role r) {
  switch (r) {
    case Role::kSubmitter: return 'S';
    case Role::kCosigner: return 'C';
    case Role::kStaff: return 'T';
    case Role::kLeadUnit: return 'L';
    case Role::kCoUnit: return 'O';
    case Role::kOther: return '-';
    case Role::kSystem: return 'Y';
  }
  return '?';
}

// state -> action -> letters
std::map<std::string, std::map<std::string, std::string>> spec() {
  std::map<std::string, std::map<std::string, std::string>> out;
  std::istringstream in(kSpec);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto colon = line.find(':');
    std::string state = line.substr(0, colon);
    out[state];
    std::istringstream parts(line.substr(colon + 1));
    std::string p;
    while (parts >> p) {
      auto eq = p.find('=');
      out[state][p.substr(0, eq)] = p.substr(eq + 1);
    }
  }
  return out;
}

// Facts under which every guarded action has some target.
Facts permissive(Action a) {
  Facts f;
  f.publishable = true;
  (void)a;
  return f;
}

TEST(CaseMachineTest, EveryStateActionRoleAgreesWithTheRules) {
  auto rules = spec();
  ASSERT_EQ(rules.size(), kAllStates.size());
  int checked = 0, allowed = 0;
  for (State s : kAllStates) {
    auto& row = rules.at(std::string(state_name(s)));
    for (int ai = 0; ai < kActionCount; ++ai) {
      Action a = static_cast<Action>(ai);
      auto it = row.find(std::string(action_name(a)));
      for (Role r : kAllRoles) {
        auto got = decide(s, a, {r}, permissive(a));
        ++checked;
        std::string where = std::string(state_name(s)) + " × " + std::string(action_name(a)) + " × " + std::string(role_name(r));
        if (it == row.end()) {
          ASSERT_FALSE(got.ok()) << where;
          EXPECT_EQ(got.error().slug, "invalid_transition") << where;
          EXPECT_EQ(got.error().code, Code::kConflict) << where;
        } else if (it->second.find(letter(r)) == std::string::npos) {
          ASSERT_FALSE(got.ok()) << where;
          EXPECT_EQ(got.error().code, Code::kForbidden) << where;
        } else {
          EXPECT_TRUE(got.ok()) << where << ": " << (got.ok() ? "" : got.error().message);
          ++allowed;
        }
      }
    }
  }
  EXPECT_EQ(checked, 11 * kActionCount * 7);
  EXPECT_EQ(allowed, 42);
}

TEST(CaseMachineTest, GuardsChooseTheTarget) {
  Facts f;
  f.cosign_needed = true;
  EXPECT_EQ(*decide(State::kDraft, Action::kSubmit, {Role::kSubmitter}, f), State::kCosigning);
  f.cosign_needed = false;
  EXPECT_EQ(*decide(State::kDraft, Action::kSubmit, {Role::kSubmitter}, f), State::kSubmitted);
  f.cosign_met = false;
  EXPECT_EQ(*decide(State::kCosigning, Action::kCosign, {Role::kCosigner}, f), State::kCosigning);
  f.cosign_met = true;
  EXPECT_EQ(*decide(State::kCosigning, Action::kCosign, {Role::kCosigner}, f), State::kSubmitted);
  Facts rate;
  EXPECT_EQ(*decide(State::kAnswered, Action::kRate, {Role::kSubmitter}, rate), State::kClosed);
  rate.unsatisfied = true;
  EXPECT_EQ(*decide(State::kAnswered, Action::kRate, {Role::kSubmitter}, rate), State::kHandling);
  rate.rehandled = true;
  EXPECT_EQ(*decide(State::kAnswered, Action::kRate, {Role::kSubmitter}, rate), State::kEscalated);
  Facts pub;
  auto refused = decide(State::kClosed, Action::kPublish, {Role::kStaff}, pub);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().slug, "not_publishable");
  pub.publishable = true;
  EXPECT_EQ(*decide(State::kClosed, Action::kPublish, {Role::kStaff}, pub), State::kClosed);
  // Other targets.
  EXPECT_EQ(*decide(State::kHandling, Action::kAnswer, {Role::kLeadUnit}, {}), State::kAnswered);
  EXPECT_EQ(*decide(State::kEscalated, Action::kAssign, {Role::kStaff}, {}), State::kHandling);
  EXPECT_EQ(*decide(State::kSubmitted, Action::kMerge, {Role::kStaff}, {}), State::kMerged);
  EXPECT_EQ(*decide(State::kClosed, Action::kArchive, {Role::kStaff}, {}), State::kArchived);
}

TEST(CaseMachineTest, SeveralRolesCountIfAnyIsAllowed) {
  EXPECT_TRUE(decide(State::kHandling, Action::kAnswer, {Role::kSubmitter, Role::kLeadUnit}, {}).ok());
  EXPECT_FALSE(decide(State::kHandling, Action::kAnswer, {Role::kSubmitter, Role::kCoUnit}, {}).ok());
  EXPECT_FALSE(decide(State::kHandling, Action::kAnswer, {}, {}).ok());
}

TEST(CaseMachineTest, NamesRoundTrip) {
  for (State s : kAllStates) EXPECT_EQ(parse_state(state_name(s)), s);
  for (int i = 0; i < kActionCount; ++i) EXPECT_EQ(parse_action(action_name(static_cast<Action>(i))), static_cast<Action>(i));
  EXPECT_FALSE(parse_state("nonsense"));
  EXPECT_FALSE(parse_action("nonsense"));
  std::set<std::string> labels;
  for (State s : kAllStates) labels.insert(state_label(s));
  EXPECT_EQ(labels.size(), kAllStates.size());
}

}  // namespace
}  // namespace sl::cases
