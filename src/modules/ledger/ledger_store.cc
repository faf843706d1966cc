#include "modules/ledger/ledger_store.h"

namespace sl::ledger::store {

using storage::Blob;

Result<int64_t> next_seq(Conn& c) {
  // Appenders must get dense, ordered numbers. SQLite has one writer, so the largest key is
  // enough; PostgreSQL transactions run concurrently, so they queue on a transaction-level
  // advisory lock first (released at commit).
  if (c.dialect() == storage::Dialect::kPostgres) SL_TRY(c.query("SELECT pg_advisory_xact_lock(7001)"));
  SL_ASSIGN(auto r, c.query_one("SELECT MAX(seq) FROM ledger_entries"));
  return r && !r->is_null(0) ? r->i64(0) + 1 : int64_t{0};
}

Status insert_entry(Conn& c, int64_t seq, TimeMs at, const std::string& actor, const std::string& action,
                    const std::string& object_type, const std::string& object_id, const std::string& content_hash,
                    const std::string& entry) {
  SL_TRY(c.exec("INSERT INTO ledger_entries (seq, at, actor, action, object_type, object_id, content_hash, entry) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                {seq, at, actor, action, object_type, object_id, content_hash, entry}));
  return Ok();
}

Result<int64_t> head_size(Conn& c) {
  SL_ASSIGN(auto r, c.query_one("SELECT MAX(seq) FROM ledger_entries"));
  return r && !r->is_null(0) ? r->i64(0) + 1 : int64_t{0};
}

Result<std::vector<std::pair<int64_t, std::string>>> entries_from(Conn& c, uint64_t from, int64_t limit) {
  SL_ASSIGN(auto rows, c.query("SELECT seq, entry FROM ledger_entries WHERE seq >= ? ORDER BY seq LIMIT ?",
                               {static_cast<int64_t>(from), limit}));
  std::vector<std::pair<int64_t, std::string>> out;
  out.reserve(rows.size());
  for (auto& r : rows) out.emplace_back(r.i64(0), r.str(1));
  return out;
}

Result<std::optional<std::string>> entry_at(Conn& c, uint64_t seq) {
  SL_ASSIGN(auto r, c.query_one("SELECT entry FROM ledger_entries WHERE seq = ?", {static_cast<int64_t>(seq)}));
  if (!r) return std::optional<std::string>();
  return std::optional<std::string>(r->str(0));
}

Result<std::vector<std::pair<int64_t, std::string>>> object_entries(Conn& c, std::string_view type, int64_t id) {
  SL_ASSIGN(auto rows, c.query("SELECT seq, entry FROM ledger_entries WHERE object_type = ? AND object_id = ? ORDER BY seq "
                               "LIMIT 1000",
                               {std::string(type), std::to_string(id)}));
  std::vector<std::pair<int64_t, std::string>> out;
  for (auto& r : rows) out.emplace_back(r.i64(0), r.str(1));
  return out;
}

Status insert_node(Conn& c, int level, uint64_t index, const Hash& hash) {
  SL_TRY(c.exec("INSERT INTO ledger_nodes (level, idx, hash) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                {int64_t{level}, static_cast<int64_t>(index), Blob{std::string(hash.begin(), hash.end())}}));
  return Ok();
}

NodeSource node_source(Conn& c) {
  return [&c](int level, uint64_t index) -> Result<Hash> {
    SL_ASSIGN(auto r, c.query_one("SELECT hash FROM ledger_nodes WHERE level = ? AND idx = ?",
                                  {int64_t{level}, static_cast<int64_t>(index)}));
    if (!r || r->str(0).size() != 32) return Error::Internal("ledger node missing");
    Hash h;
    std::copy(r->str(0).begin(), r->str(0).end(), h.begin());
    return h;
  };
}

Result<std::optional<CheckpointRow>> latest_checkpoint(Conn& c) {
  SL_ASSIGN(auto r, c.query_one("SELECT size, note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1"));
  if (!r) return std::optional<CheckpointRow>();
  return std::optional<CheckpointRow>(CheckpointRow{static_cast<uint64_t>(r->i64(0)), r->str(1)});
}

Result<std::optional<CheckpointRow>> checkpoint_at(Conn& c, uint64_t size) {
  SL_ASSIGN(auto r, c.query_one("SELECT size, note FROM ledger_checkpoints WHERE size = ?", {static_cast<int64_t>(size)}));
  if (!r) return std::optional<CheckpointRow>();
  return std::optional<CheckpointRow>(CheckpointRow{static_cast<uint64_t>(r->i64(0)), r->str(1)});
}

Status insert_checkpoint(Conn& c, uint64_t size, const Hash& root, const std::string& note, TimeMs now) {
  SL_TRY(c.exec("INSERT INTO ledger_checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                {static_cast<int64_t>(size), Blob{std::string(root.begin(), root.end())}, note, now}));
  return Ok();
}

Result<std::vector<CheckpointRow>> checkpoints_after(Conn& c, std::optional<uint64_t> after, int64_t limit) {
  SL_ASSIGN(auto rows, c.query("SELECT size, note FROM ledger_checkpoints WHERE size > ? ORDER BY size LIMIT ?",
                               {after ? static_cast<int64_t>(*after) : int64_t{-1}, limit}));
  std::vector<CheckpointRow> out;
  out.reserve(rows.size());
  for (auto& r : rows) out.push_back(CheckpointRow{static_cast<uint64_t>(r.i64(0)), r.str(1)});
  return out;
}

// ---- witness cosignatures (ledger_witness.cc) ----

namespace {

CosignatureRow cosignature_of(const storage::Row& r) {
  return CosignatureRow{r.str(0), static_cast<uint64_t>(r.i64(1)), static_cast<uint64_t>(r.i64(2)), r.str(3), r.i64(4)};
}

}  // namespace

Result<std::optional<CosignatureRow>> cosignature(Conn& c, const std::string& witness, uint64_t size) {
  SL_ASSIGN(auto r, c.query_one("SELECT witness, size, signed_at, line, received_at FROM ledger_cosignatures "
                                "WHERE witness = ? AND size = ?",
                                {witness, static_cast<int64_t>(size)}));
  if (!r) return std::optional<CosignatureRow>();
  return std::optional<CosignatureRow>(cosignature_of(*r));
}

Status put_cosignature(Conn& c, const CosignatureRow& row) {
  SL_TRY(c.exec("INSERT INTO ledger_cosignatures (witness, size, signed_at, line, received_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (witness, size) DO UPDATE SET signed_at = excluded.signed_at, line = excluded.line, "
                "received_at = excluded.received_at",
                {row.witness, static_cast<int64_t>(row.size), static_cast<int64_t>(row.signed_at), row.line,
                 row.received_at}));
  return Ok();
}

Result<std::vector<CosignatureRow>> cosignatures_between(Conn& c, uint64_t from, uint64_t to) {
  SL_ASSIGN(auto rows, c.query("SELECT witness, size, signed_at, line, received_at FROM ledger_cosignatures "
                               "WHERE size >= ? AND size <= ? ORDER BY size, witness",
                               {static_cast<int64_t>(from), static_cast<int64_t>(to)}));
  std::vector<CosignatureRow> out;
  out.reserve(rows.size());
  for (auto& r : rows) out.push_back(cosignature_of(r));
  return out;
}

Result<std::optional<CosignatureRow>> latest_cosignature(Conn& c, const std::string& witness) {
  SL_ASSIGN(auto r, c.query_one("SELECT witness, size, signed_at, line, received_at FROM ledger_cosignatures "
                                "WHERE witness = ? ORDER BY size DESC LIMIT 1",
                                {witness}));
  if (!r) return std::optional<CosignatureRow>();
  return std::optional<CosignatureRow>(cosignature_of(*r));
}

// ---- end witness cosignatures ----

// ---- tlog-tiles (ledger_tiles.cc) ----

Result<std::vector<std::pair<uint64_t, std::string>>> nodes_range(Conn& c, int level, uint64_t from, uint64_t count) {
  SL_ASSIGN(auto rows, c.query("SELECT idx, hash FROM ledger_nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx",
                               {int64_t{level}, static_cast<int64_t>(from), static_cast<int64_t>(from + count)}));
  std::vector<std::pair<uint64_t, std::string>> out;
  out.reserve(rows.size());
  for (auto& r : rows) out.emplace_back(static_cast<uint64_t>(r.i64(0)), r.str(1));
  return out;
}

// ---- end tlog-tiles ----

}  // namespace sl::ledger::store
