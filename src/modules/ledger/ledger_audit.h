// Audit: checks a ledger end to end from the database, as `shangliang ledger verify` does.
//   - entries are contiguous, and each entry's bytes agree with its indexed columns;
//   - every checkpoint's signature verifies with the platform key, and its root is the root
//     recomputed from the entries at its size (so consecutive checkpoints are consistent);
//   - the latest entry of every record matches the stored record: its salted content hash, or
//     the record's absence when the entry says it was removed; an erased record (latest entry
//     "<type>.erased") also needs its row in ledger_erasures naming that entry. A record that
//     vanished from storage while its latest entry still holds a content hash fails.
// Reports the first entry (lowest sequence number) that does not match.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "modules/ledger/ledger.h"
#include "modules/ledger/note.h"
#include "storage/database.h"

namespace sl::ledger {

// Loads a record as the ledger hashes it, by object type ("org", "person"...); nothing if the
// record is gone. Types it does not know are an error.
using RecordLoader =
    std::function<Result<std::optional<RecordState>>(storage::Conn& c, std::string_view type, int64_t id)>;

struct AuditReport {
  uint64_t entries = 0;
  uint64_t checkpoints = 0;
  uint64_t records = 0;
  std::optional<uint64_t> first_bad_seq;  // the first entry that does not match, if any
  std::string problem;                    // what is wrong (empty when all is well)
  bool ok() const { return problem.empty(); }
};

Result<AuditReport> audit(storage::Database& db, const Verifier& key, const RecordLoader& load);

}  // namespace sl::ledger
