// SQL of the surveys module, and nothing else.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "modules/ledger/ledger.h"
#include "modules/surveys/questionnaire.h"
#include "modules/surveys/surveys.h"
#include "storage/database.h"

namespace sl::surveys::store {

using storage::Conn;

struct SurveyRow {
  int64_t id = 0, org_id = 0;
  std::string org_name, org_path;
  std::string kind = "survey";
  std::optional<std::string> scope_type;
  std::optional<int64_t> scope_id;
  std::string title, description;
  std::string state = "draft";
  std::string audience = "members";
  bool anonymous = true;
  std::string results_visibility = "staff";
  bool sms_check = false;
  int64_t max_per_address = 0;
  std::optional<TimeMs> closes_at;
  std::string questions = "[]";  // JSON text
  std::string hash_key;
  int64_t response_count = 0, last_seq = 0;
  std::optional<int64_t> created_by;
  TimeMs created_at = 0, updated_at = 0;
  std::optional<TimeMs> opened_at, closed_at;
  int64_t version = 1;
  std::string ledger_salt;
  std::vector<int64_t> org_ids, sector_ids;  // a members' survey's audience
};

Result<std::optional<SurveyRow>> find_survey(Conn& c, int64_t id);
Result<int64_t> insert_survey(Conn& c, const SurveyRow& s, TimeMs now);
// Writes the configurable fields and bumps the version.
Status update_survey(Conn& c, const SurveyRow& s, TimeMs now);
Status replace_audience(Conn& c, int64_t id, const std::vector<int64_t>& org_ids, const std::vector<int64_t>& sector_ids);
Status set_state(Conn& c, int64_t id, const std::string& state, TimeMs now);
// Newest first, id < before; without audience lists (org_name filled).
Result<std::vector<SurveyRow>> list_surveys(Conn& c, const ListFilter& f, int64_t before, int limit);
// Names of organisations and sectors, for JSON.
Result<std::vector<std::pair<int64_t, std::string>>> org_names(Conn& c, const std::vector<int64_t>& ids);
Result<std::vector<std::pair<int64_t, std::string>>> sector_names(Conn& c, const std::vector<int64_t>& ids);

// The survey's next live sequence number; `responses` is added to its response count.
// Returns {seq, response_count}.
Result<std::pair<int64_t, int64_t>> next_seq(Conn& c, int64_t id, int64_t responses);

Result<int64_t> insert_response(Conn& c, int64_t survey_id, std::optional<int64_t> person_id, const std::string& answers,
                                TimeMs now);
Status add_tallies(Conn& c, int64_t survey_id, const std::vector<std::pair<std::string, std::string>>& buckets);
Result<Tallies> tallies(Conn& c, int64_t survey_id);

Result<bool> is_participant(Conn& c, int64_t survey_id, int64_t person_id);
Status add_participant(Conn& c, int64_t survey_id, int64_t person_id);
Result<bool> has_named_response(Conn& c, int64_t survey_id, int64_t person_id);
// How many answers a claim (device, address, mobile hash) already holds.
Result<int64_t> claim_count(Conn& c, int64_t survey_id, const std::string& kind, const std::string& key_hash);
Status add_claim(Conn& c, int64_t survey_id, const std::string& kind, const std::string& key_hash);

struct ResponseRow {
  int64_t id = 0, survey_id = 0;
  std::optional<int64_t> person_id;
  std::string person_name;  // "" for anonymous or erased
  std::string answers;      // JSON text
  TimeMs created_at = 0;
};
// Oldest first, id > after.
Result<std::vector<ResponseRow>> list_responses(Conn& c, int64_t survey_id, int64_t after, int limit);
Result<std::vector<ResponseRow>> responses_by_id(Conn& c, int64_t survey_id, const std::vector<int64_t>& ids);

bool is_ledger_type(std::string_view type);  // "survey", "survey_response"
// What the ledger hashes: a survey's definition and state; a response's survey, answers and —
// only for named surveys — person. Nothing when the record is gone.
Result<std::optional<ledger::RecordState>> ledger_state(Conn& c, std::string_view type, int64_t id);
Status set_ledger_salt(Conn& c, std::string_view type, int64_t id, const std::string& salt);

}  // namespace sl::surveys::store
