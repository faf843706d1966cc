// SQL of the attachments module, and nothing else.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "modules/ledger/ledger.h"
#include "storage/database.h"

namespace sl::attachments::store {

using storage::Conn;

struct Row {
  int64_t id = 0;
  std::string sha256;
  int64_t size = 0;
  std::string mime, kind, name;
  int64_t owner_id = 0;
  TimeMs created_at = 0;
  std::optional<std::string> scope_type;
  std::optional<int64_t> scope_id;
  std::optional<std::string> thumbnail_sha256;
  std::optional<int64_t> width, height;
};

struct NewRow {
  std::string sha256;
  int64_t size = 0;
  std::string mime, kind, name;
  int64_t owner_id = 0;
  TimeMs created_at = 0;
  std::optional<std::string> thumbnail_sha256;
  std::optional<int64_t> width, height;
};

Result<std::optional<Row>> find(Conn& c, int64_t id);
Result<int64_t> insert(Conn& c, const NewRow& r);
Status remove(Conn& c, int64_t id);
// Bytes `owner` uploaded since `since` (attachments still present).
Result<int64_t> bytes_uploaded_since(Conn& c, int64_t owner, TimeMs since);
// Does any attachment use this blob, as its content or its thumbnail?
Result<bool> blob_referenced(Conn& c, const std::string& sha);
// Unattached uploads created before `cutoff`, oldest first.
Result<std::vector<Row>> unattached_before(Conn& c, TimeMs cutoff, int limit);
// Binds an unattached upload of `owner` to a record; false if it is not one.
Result<bool> bind(Conn& c, int64_t id, int64_t owner, const std::string& scope_type, int64_t scope_id);
Result<std::vector<Row>> for_scope(Conn& c, const std::string& scope_type, int64_t scope_id);
Result<std::vector<Row>> for_scopes(Conn& c, const std::string& scope_type, const std::vector<int64_t>& scope_ids);

// The JSON clients see (see attachments.h).
boost::json::object to_json(const Row& r);

// What the ledger hashes: {"sha256","size","mime","name"} and the salt; nothing if gone.
Result<std::optional<ledger::RecordState>> ledger_state(Conn& c, int64_t id);
Status set_ledger_salt(Conn& c, int64_t id, const std::string& salt);

}  // namespace sl::attachments::store
