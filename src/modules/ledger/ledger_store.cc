#include "modules/ledger/ledger_store.h"

#include <algorithm>
#include <mutex>

namespace sl::ledger::store {

using storage::Blob;

namespace {

// The next sequence number of the write transaction that appended last, valid while the
// backend reports the same write epoch (database.h: a new one at every BEGIN and rollback).
// SQLite runs all writes on one thread and one transaction per group commit, so every entry of
// a group commit but the first is numbered without the MAX(seq) query.
struct NextSeq {
  std::mutex mu;
  uint64_t epoch = 0;  // 0: nothing known
  int64_t next = 0;
};
NextSeq& next_seq_memo() {
  static NextSeq memo;
  return memo;
}

}  // namespace

Result<int64_t> next_seq(Conn& c) {
  if (uint64_t epoch = c.write_epoch(); epoch != 0) {
    NextSeq& m = next_seq_memo();
    std::lock_guard lk(m.mu);
    if (m.epoch == epoch) return m.next;
  }
  // Appenders must get dense, ordered numbers. SQLite has one writer, so the largest key is
  // enough; PostgreSQL transactions run concurrently, so they queue on a transaction-level
  // advisory lock first (released at commit).
  if (c.dialect() == storage::Dialect::kPostgres) SL_TRY(c.query("SELECT pg_advisory_xact_lock(7001)"));
  SL_ASSIGN(auto r, c.query_one("SELECT MAX(seq) FROM ledger_entries"));
  return r && !r->is_null(0) ? r->i64(0) + 1 : int64_t{0};
}

Status insert_entry(Conn& c, EntryRow&& row) {
  const int64_t seq = row.seq;
  storage::Params params;
  params.reserve(8);
  params.emplace_back(row.seq);
  params.emplace_back(row.at);
  params.emplace_back(std::move(row.actor));
  params.emplace_back(std::move(row.action));
  params.emplace_back(std::move(row.object_type));
  params.emplace_back(std::move(row.object_id));
  params.emplace_back(std::move(row.content_hash));
  params.emplace_back(std::move(row.entry));
  SL_TRY(c.exec("INSERT INTO ledger_entries (seq, at, actor, action, object_type, object_id, content_hash, entry) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                params));
  if (uint64_t epoch = c.write_epoch(); epoch != 0) {
    NextSeq& m = next_seq_memo();
    std::lock_guard lk(m.mu);
    m.epoch = epoch;
    m.next = seq + 1;
  }
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

namespace {

// A node's key in ledger_nodes (migration 0009, which explains the layout).
//   level >= 8: level * 2^56 + index                       (>= 2^59)
//   level <  8: tile * 512 + slot, where tile is the 256-leaf block the node lies in and the
//               block's 510 low nodes take slots level 7 first (2 nodes), then 6 (4), ...,
//               level 0 last (256): slot = 2^(8-level) - 2 + index mod 2^(8-level).  (< 2^57)
// Storage keeps rows in key order, so the eight low siblings a proof needs share a few pages.
constexpr int kTileLevels = 8;
constexpr uint64_t kIndexLimit = uint64_t{1} << 56;

bool valid_node(int level, uint64_t index) { return level >= 0 && level < 64 && index < kIndexLimit; }

uint64_t low_width(int level) { return uint64_t{1} << (kTileLevels - level); }  // nodes per tile

int64_t node_key(int level, uint64_t index) {
  if (level >= kTileLevels) return static_cast<int64_t>((uint64_t(level) << 56) | index);
  uint64_t w = low_width(level);
  return static_cast<int64_t>((index / w) * 512 + (w - 2) + index % w);
}

Result<Hash> hash_of(const std::string& bytes) {
  if (bytes.size() != 32) return Error::Internal("ledger node hash is not 32 bytes");
  Hash h;
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

// "SELECT ... WHERE id IN (?, ...)" with 8, 16, 24 or 32 placeholders: only the number of
// placeholders varies, so the statement cache holds at most four of these.
const std::string& nodes_sql(size_t n) {
  static const std::vector<std::string> sql = [] {
    std::vector<std::string> out(5);
    for (size_t k = 1; k <= 4; ++k) {
      std::string s = "SELECT id, hash FROM ledger_nodes WHERE id IN (?";
      for (size_t i = 1; i < 8 * k; ++i) s += ", ?";
      out[k] = s + ")";
    }
    return out;
  }();
  return sql.at(n / 8);
}

}  // namespace

Status insert_node(Conn& c, int level, uint64_t index, const Hash& hash) {
  if (!valid_node(level, index)) return Error::Internal("ledger node out of range");
  SL_TRY(c.exec("INSERT INTO ledger_nodes (id, hash) VALUES (?, ?) ON CONFLICT DO NOTHING",
                {node_key(level, index), Blob{std::string(hash.begin(), hash.end())}}));
  return Ok();
}

NodeSource node_source(Conn& c) {
  return [&c](int level, uint64_t index) -> Result<Hash> {
    if (!valid_node(level, index)) return Error::Internal("ledger node out of range");
    SL_ASSIGN(auto r, c.query_one("SELECT hash FROM ledger_nodes WHERE id = ?", {node_key(level, index)}));
    if (!r) return Error::Internal("ledger node missing");
    return hash_of(r->str(0));
  };
}

Result<std::vector<Hash>> nodes_at(Conn& c, const std::vector<NodeId>& ids) {
  constexpr size_t kChunk = 32;
  std::vector<Hash> out(ids.size());
  for (size_t begin = 0; begin < ids.size(); begin += kChunk) {
    size_t end = std::min(ids.size(), begin + kChunk);
    size_t padded = (end - begin + 7) / 8 * 8;
    storage::Params params;
    params.reserve(padded);
    for (size_t i = 0; i < padded; ++i) {
      const NodeId& id = ids[std::min(begin + i, end - 1)];  // padding repeats the last node
      if (!valid_node(id.level, id.index)) return Error::Internal("ledger node out of range");
      params.emplace_back(node_key(id.level, id.index));
    }
    SL_ASSIGN(auto rows, c.query(nodes_sql(padded), params));
    for (size_t i = begin; i < end; ++i) {
      int64_t key = node_key(ids[i].level, ids[i].index);
      auto row = std::find_if(rows.begin(), rows.end(), [key](const storage::Row& r) { return r.i64(0) == key; });
      if (row == rows.end()) return Error::Internal("ledger node missing");
      SL_ASSIGN(out[i], hash_of(row->str(1)));
    }
  }
  return out;
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
  std::vector<std::pair<uint64_t, std::string>> out;
  if (!valid_node(level, 0) || from >= kIndexLimit) return out;
  uint64_t end = std::min(from + count, kIndexLimit);
  // Keys of one level are contiguous (above level 8), or contiguous within each tile (below):
  // one range query per run of consecutive keys.
  for (uint64_t first = from; first < end;) {
    uint64_t last = level >= kTileLevels ? end : std::min(end, (first / low_width(level) + 1) * low_width(level));
    SL_ASSIGN(auto rows, c.query("SELECT id, hash FROM ledger_nodes WHERE id >= ? AND id < ? ORDER BY id",
                                 {node_key(level, first), node_key(level, last - 1) + 1}));
    for (auto& r : rows) out.emplace_back(first + static_cast<uint64_t>(r.i64(0) - node_key(level, first)), r.str(1));
    first = last;
  }
  return out;
}

// ---- end tlog-tiles ----

}  // namespace sl::ledger::store
