// SQL of the cases module, and nothing else.
#pragma once

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "modules/cases/cases.h"
#include "storage/database.h"

namespace sl::cases::store {

using storage::Conn;

struct KindSettings {
  int64_t id = 0;  // 0: defaults (no row yet)
  int64_t org_id = 0;
  std::string kind;
  bool enabled = true;
  std::string submitters = "members";  // members | members_and_public
  bool category_required = false;
  std::vector<std::string> categories;
  bool attachments_allowed = true;
  int cosigners_required = 0;
  int deadline_working_days = 20;
  std::string publication = "with_consent";  // never | with_consent | always
  std::string ledger_salt;
};
// The row for (org, kind), or nothing (the caller applies defaults).
Result<std::optional<KindSettings>> find_settings(Conn& c, int64_t org_id, const std::string& kind);
Result<std::optional<KindSettings>> find_settings_by_id(Conn& c, int64_t id);
Result<int64_t> upsert_settings(Conn& c, const KindSettings& s, TimeMs now);
Status set_settings_salt(Conn& c, int64_t id, const std::string& salt);

struct CaseRow {
  int64_t id = 0, org_id = 0, submitter_id = 0;
  std::string kind, state, title, body, category;
  bool allow_publish = false;
  std::optional<TimeMs> published_at;
  std::optional<int64_t> merged_into;
  std::optional<std::string> decline_reason;
  std::optional<int64_t> lead_unit_id;
  std::optional<TimeMs> assigned_at;
  std::optional<std::string> deadline_day;
  std::optional<TimeMs> deadline_at;
  std::string card = "none";
  std::optional<TimeMs> card_at;
  bool key_case = false;
  int rehandled = 0;
  std::optional<std::string> pending, pending_data;
  std::optional<std::string> answer;
  std::optional<TimeMs> answered_at;
  std::optional<int64_t> answer_working_days, answered_on_time;
  std::optional<std::string> rating, rating_reason;
  std::optional<TimeMs> rated_at, submitted_at, accepted_at, closed_at, archived_at;
  TimeMs created_at = 0, updated_at = 0;
  std::string ledger_salt;
  // joined
  std::string submitter_name, org_name, org_path, lead_unit_name;
  std::optional<TimeMs> erased_at;  // set: the content was erased (cases::erase_person)
};
Result<std::optional<CaseRow>> find_case(Conn& c, int64_t id);
Result<int64_t> insert_case(Conn& c, const CaseRow& r, TimeMs now);
Status update_case(Conn& c, const CaseRow& r, TimeMs now);

struct UnitRow {
  int64_t org_id = 0;
  std::string name, role;  // lead | co
  std::optional<std::string> input;
  std::optional<TimeMs> input_at;
};
Result<std::vector<UnitRow>> units(Conn& c, int64_t case_id);
Status set_units(Conn& c, int64_t case_id, int64_t lead, const std::vector<int64_t>& co);
Status set_unit_input(Conn& c, int64_t case_id, int64_t org_id, const std::string& input, TimeMs now);

struct CosignerRow {
  int64_t person_id = 0;
  std::string name, state;
  TimeMs at = 0;
};
Result<std::vector<CosignerRow>> cosigners(Conn& c, int64_t case_id);
Status set_invited(Conn& c, int64_t case_id, const std::vector<int64_t>& people, TimeMs now);
Status set_cosigner_state(Conn& c, int64_t case_id, int64_t person_id, const std::string& state, TimeMs now);

struct EventRow {
  int64_t id = 0, case_id = 0;
  std::string action;
  std::optional<int64_t> actor_id;
  std::string actor_name, from_state, to_state, note, data;
  TimeMs at = 0;
};
Result<int64_t> insert_event(Conn& c, const EventRow& e);
Result<std::vector<EventRow>> events(Conn& c, int64_t case_id);
Result<std::optional<EventRow>> find_event(Conn& c, int64_t id);

// Ids of cases matching a filter, newest first, below `before` (0: from the newest).
// `person_id` for scope mine, `unit_ids` for scope unit; `hide_reports`: leaders' view.
struct Query {
  ListFilter f;
  int64_t person_id = 0;
  std::vector<int64_t> unit_ids;
  bool hide_reports = false;
};
Result<std::vector<int64_t>> list_ids(Conn& c, const Query& q, int64_t before, int limit);

// Handling cases with a deadline, and cases not handling that still carry a card.
Result<std::vector<int64_t>> sweep_candidates(Conn& c);

// Right to deletion: the person's cases whose content goes (drafts, those still collecting
// co-signers, and every social-condition report), the answer events of a case, and the
// emptying of a case's content (title, body, category, reasons, answer, notes, co-units' input).
Result<std::vector<int64_t>> cases_to_erase(Conn& c, int64_t person_id);
Result<std::vector<int64_t>> answer_event_ids(Conn& c, int64_t case_id);
Status erase_case_content(Conn& c, int64_t case_id, TimeMs now);

// Canonical content of a record for the ledger (none once erased).
Result<std::optional<ledger::RecordState>> case_state(Conn& c, int64_t id);
Result<std::optional<ledger::RecordState>> settings_state(Conn& c, int64_t id);
Status set_case_salt(Conn& c, int64_t id, const std::string& salt);
// The local days of an organisation's calendar (id: the organisation; 0: the national calendar,
// its years included) as one record.
Result<std::optional<ledger::RecordState>> calendar_state(Conn& c, int64_t org_id);
Status set_calendar_salt(Conn& c, int64_t org_id, const std::string& salt);

}  // namespace sl::cases::store
