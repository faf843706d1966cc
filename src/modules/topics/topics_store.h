// SQL of the topics module, and nothing else.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "modules/ledger/ledger.h"
#include "modules/topics/topics.h"
#include "storage/database.h"

namespace sl::topics::store {

using storage::Conn;

struct CallRow {
  int64_t id = 0, org_id = 0;
  std::string org_path, org_name, org_kind;
  std::string kind = "call";  // call | box
  std::string theme, description;
  std::optional<TimeMs> opens_at, closes_at;
  std::string state = "open";
  bool pub = false, members = true;
  std::vector<int64_t> sectors, departments, bodies;
  std::optional<int64_t> created_by;
  TimeMs created_at = 0, updated_at = 0;
  int64_t version = 1;
  std::string ledger_salt;
};

Result<std::optional<CallRow>> find_call(Conn& c, int64_t id);
Result<std::optional<CallRow>> find_box(Conn& c, int64_t org_id);
// Calls of the organisation (any when unset) with id < before (0: from the newest), newest first.
Result<std::vector<CallRow>> list_calls(Conn& c, std::optional<int64_t> org_id, int64_t before, int limit);
Result<int64_t> insert_call(Conn& c, const CallRow& r, TimeMs now);
Status update_call(Conn& c, const CallRow& r, TimeMs now);
Status set_audience(Conn& c, int64_t call_id, const std::vector<int64_t>& sectors, const std::vector<int64_t>& departments,
                    const std::vector<int64_t>& bodies);

struct TopicRow {
  int64_t id = 0, call_id = 0, org_id = 0, author_id = 0;
  std::string org_path, title, body, area, category = "other", state = "pending", screening_note, minhash;
  std::optional<int64_t> merged_into, deliberation_id, screened_by;
  std::optional<TimeMs> screened_at;
  int64_t support_count = 0, submitter_count = 1;
  TimeMs created_at = 0, updated_at = 0;
  int64_t version = 1;
  std::string ledger_salt;
};

Result<std::optional<TopicRow>> find_topic(Conn& c, int64_t id);
// Inserts the topic and its author as its first submitter.
Result<int64_t> insert_topic(Conn& c, const TopicRow& t);
// Writes the mutable fields and bumps the version.
Status update_topic(Conn& c, const TopicRow& t, TimeMs now);

struct ListQuery {
  std::vector<int64_t> call_ids;  // readable calls; empty: nothing
  std::optional<std::string> state, category, area;
  std::optional<int64_t> person_id;  // mine: raised or supported by
  int64_t before = 0;                // id < before; 0: from the newest
  int limit = 20;
};
Result<std::vector<TopicRow>> list_topics(Conn& c, const ListQuery& q);
Result<std::vector<TopicRow>> topics_by_ids(Conn& c, const std::vector<int64_t>& ids);
// Topics of an organisation that are still open to duplicates (pending, needs_detail, accepted).
Result<std::vector<TopicRow>> live_topics_of_org(Conn& c, int64_t org_id);

struct Person {
  int64_t id = 0;
  std::string display_name;
  TimeMs at = 0;
};
Result<std::vector<Person>> submitters(Conn& c, int64_t topic_id);
Result<bool> is_submitter(Conn& c, int64_t topic_id, int64_t person_id);
Status add_submitter(Conn& c, int64_t topic_id, int64_t person_id, TimeMs raised_at);
Result<std::optional<int64_t>> support_id(Conn& c, int64_t topic_id, int64_t person_id);
Result<int64_t> insert_support(Conn& c, int64_t topic_id, int64_t person_id, const std::string& salt, TimeMs now);
Status delete_support(Conn& c, int64_t support_id);
struct Support {
  int64_t id = 0, person_id = 0;
  TimeMs at = 0;
};
Result<std::vector<Support>> supports(Conn& c, int64_t topic_id);
Status move_support(Conn& c, int64_t support_id, int64_t topic_id);
// Recomputes support_count and submitter_count from the rows.
Status recount(Conn& c, int64_t topic_id);
// Ids of the topics among `ids` the person supports.
Result<std::vector<int64_t>> supported_among(Conn& c, int64_t person_id, const std::vector<int64_t>& ids);
// Removes a person's supports (erasure); returns the ids removed and their topics.
Result<std::vector<std::pair<int64_t, int64_t>>> delete_supports_of(Conn& c, int64_t person_id);

// Hot spots: each submission and each support in [from, to) of the live topics under org_path.
struct Mark {
  int64_t topic_id = 0;
  bool raised = false;  // a submission (else a support)
  TimeMs at = 0;
};
Result<std::vector<Mark>> hotspot_marks(Conn& c, const std::string& org_path, TimeMs from, TimeMs to);

bool is_ledger_type(std::string_view type);  // topic_call, topic, topic_support
Result<std::optional<ledger::RecordState>> ledger_state(Conn& c, std::string_view type, int64_t id);
Status set_ledger_salt(Conn& c, std::string_view type, int64_t id, const std::string& salt);

}  // namespace sl::topics::store
