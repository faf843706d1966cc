// SQL of the ledger module, and nothing else.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "modules/ledger/merkle.h"
#include "storage/database.h"

namespace sl::ledger::store {

using storage::Conn;

// Takes the next sequence number (and with it the head row, so appenders are ordered). Within
// one SQLite write transaction, remembered from the last insert_entry instead of queried
// (Conn::write_epoch says when that is safe).
Result<int64_t> next_seq(Conn& c);
struct EntryRow {
  int64_t seq = 0;
  TimeMs at = 0;
  std::string actor, action, object_type, object_id, content_hash, entry;
};
// Inserts the entry (its strings are moved into the statement's parameters).
Status insert_entry(Conn& c, EntryRow&& row);
Result<int64_t> head_size(Conn& c);
// Entries [from, from+limit) as (seq, entry bytes).
Result<std::vector<std::pair<int64_t, std::string>>> entries_from(Conn& c, uint64_t from, int64_t limit);
Result<std::optional<std::string>> entry_at(Conn& c, uint64_t seq);
// (seq, entry) of every entry about one object, oldest first (at most 1000).
Result<std::vector<std::pair<int64_t, std::string>>> object_entries(Conn& c, std::string_view type, int64_t id);

Status insert_node(Conn& c, int level, uint64_t index, const Hash& hash);
// Complete-subtree hashes from ledger_nodes, one query each.
NodeSource node_source(Conn& c);
// The hashes of `ids`, in that order, in one query per 32 nodes. Error if one is not stored.
Result<std::vector<Hash>> nodes_at(Conn& c, const std::vector<NodeId>& ids);

struct CheckpointRow {
  uint64_t size = 0;
  std::string note;
};
Result<std::optional<CheckpointRow>> latest_checkpoint(Conn& c);
Result<std::optional<CheckpointRow>> checkpoint_at(Conn& c, uint64_t size);
Status insert_checkpoint(Conn& c, uint64_t size, const Hash& root, const std::string& note, TimeMs now);

// Stored checkpoints with size > after (all: nothing), in size order (at most `limit`).
Result<std::vector<CheckpointRow>> checkpoints_after(Conn& c, std::optional<uint64_t> after, int64_t limit);

// ---- witness cosignatures (ledger_witness.cc) ----
struct CosignatureRow {
  std::string witness;  // the witness's vkey
  uint64_t size = 0;
  uint64_t signed_at = 0;  // the cosignature's timestamp, POSIX seconds
  std::string line;        // "— <name> <base64>\n"
  TimeMs received_at = 0;
};
Result<std::optional<CosignatureRow>> cosignature(Conn& c, const std::string& witness, uint64_t size);
// Inserts, or replaces the row of the same (witness, size).
Status put_cosignature(Conn& c, const CosignatureRow& row);
// Every stored cosignature with from <= size <= to, by size then witness.
Result<std::vector<CosignatureRow>> cosignatures_between(Conn& c, uint64_t from, uint64_t to);
// The witness's cosignature of the largest tree size, if any.
Result<std::optional<CosignatureRow>> latest_cosignature(Conn& c, const std::string& witness);
// ---- end witness cosignatures ----

// ---- tlog-tiles (ledger_tiles.cc) ----
// Stored node hashes at `level` with indices [from, from + count), in index order, as
// (index, hash bytes). Rows that are missing are simply absent; the caller checks.
Result<std::vector<std::pair<uint64_t, std::string>>> nodes_range(Conn& c, int level, uint64_t from, uint64_t count);
// ---- end tlog-tiles ----

// ---- erasure (SQL in ledger_erasure.cc) ----
// The time of entry `seq`; nothing if there is no such entry.
Result<std::optional<TimeMs>> entry_time(Conn& c, int64_t seq);
Status insert_erasure(Conn& c, std::string_view type, int64_t id, int64_t seq, TimeMs at, std::string_view reason);
// (seq, at, reason) of a record's erasure, if it was erased.
struct ErasureRow {
  int64_t seq = 0;
  TimeMs at = 0;
  std::string reason;
};
Result<std::optional<ErasureRow>> find_erasure(Conn& c, std::string_view type, int64_t id);
// ---- end erasure ----

}  // namespace sl::ledger::store
