// SQL of the accounts module, and nothing else.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>

#include "core/clock.h"
#include "modules/access/access.h"
#include "storage/database.h"

namespace sl::accounts::store {

struct Credentials {
  int64_t person_id = 0;
  std::string password_hash;  // empty when none set
  bool active = true;
};

Result<std::optional<Credentials>> find_credentials(storage::Conn& c, const std::string& login_or_mobile);
Result<std::optional<access::Caller>> load_caller(storage::Conn& c, const std::string& token_hash, TimeMs now);
Status insert_session(storage::Conn& c, const std::string& token_hash, int64_t person_id, const char* kind,
                      TimeMs now, TimeMs expires_at);
Status delete_session(storage::Conn& c, const std::string& token_hash);
Status delete_sessions_of(storage::Conn& c, int64_t person_id);
Status set_password_hash(storage::Conn& c, int64_t person_id, const std::string& hash, TimeMs now);
Result<std::optional<int64_t>> person_by_mobile(storage::Conn& c, const std::string& mobile);

// SMS codes
Result<std::optional<TimeMs>> last_code_time(storage::Conn& c, const std::string& mobile, const std::string& purpose);
Status insert_code(storage::Conn& c, const std::string& mobile, const std::string& purpose,
                   const std::string& code_hash, TimeMs now, TimeMs expires_at);
struct CodeRow {
  int64_t id;
  std::string code_hash;
  TimeMs expires_at;
  int attempts;
  bool used;
};
Result<std::optional<CodeRow>> latest_code(storage::Conn& c, const std::string& mobile, const std::string& purpose);
Status bump_code_attempts(storage::Conn& c, int64_t id);
Status mark_code_used(storage::Conn& c, int64_t id);

// The person with organisations and roles, as returned by GET /api/v1/me.
Result<std::optional<boost::json::object>> me(storage::Conn& c, int64_t person_id);
Status update_profile(storage::Conn& c, int64_t person_id, const std::optional<std::string>& display_name,
                      const std::optional<std::string>& locale, std::optional<bool> elderly, TimeMs now);

// Erasure of personal data.
struct ErasableRow {
  std::optional<std::string> mobile;
  bool superadmin = false;
  std::optional<TimeMs> erased_at;
};
Result<std::optional<ErasableRow>> erasable_person(storage::Conn& c, int64_t person_id);
// Active superadmins other than `person_id`.
Result<int64_t> count_other_superadmins(storage::Conn& c, int64_t person_id);
// Deletes the personal fields (the row stays as a tombstone with erased_at), the sessions, the
// idempotency records of those sessions and the SMS codes sent to the person's mobile.
Status erase_personal_data(storage::Conn& c, int64_t person_id, const std::optional<std::string>& mobile, TimeMs now);

}  // namespace sl::accounts::store
