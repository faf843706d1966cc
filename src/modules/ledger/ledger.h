// Ledger (全程留痕): every committed change to a record appends one entry in the same
// transaction as the change. Entries are the leaves of an RFC 9162 Merkle tree; a background
// checkpointer extends the tree incrementally and signs C2SP tlog-checkpoints with the
// platform's Ed25519 key (generated at first start in <data_dir>/ledger/, never in the
// database). Anyone can fetch the key, checkpoints, entries and proofs, and check them.
//
// An entry (the exact leaf bytes) is one line of JSON with fixed key order:
//   {"seq":N,"at":"<ISO-8601>","actor":"<pseudonym>","action":"org.created",
//    "object":"org/12","content":"<hex SHA-256(salt ‖ 0x0A ‖ canonical content)>"}
// The salt is stored with the record and returned with it, so whoever may read the content can
// check the hash; the ledger itself holds no personal data or content.
//
// Thread-safety: Ledger is shared; append() runs inside the caller's transaction.
#pragma once

#include <boost/json/object.hpp>

#include <array>
#include <atomic>
#include <memory>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "core/clock.h"
#include "core/random.h"
#include "modules/access/access.h"
#include "modules/ledger/merkle.h"
#include "modules/ledger/node_cache.h"
#include "modules/ledger/note.h"
#include "net/router.h"
#include "storage/database.h"
#include "storage/leader_lock.h"

namespace sl::ledger {

struct Keys {
  std::array<uint8_t, 32> signing_seed{};  // Ed25519 seed
  std::string actor_key;                    // HMAC key for actor pseudonyms
};
// Loads <dir>/signing.key and <dir>/actor.key, creating them (mode 0600) at first start.
Result<Keys> load_or_create_keys(const std::string& dir, Random& random);
// Reads a secret of `bytes` bytes kept as hex in `path`, or creates it (random, mode 0600,
// parent directories too) when the file does not exist.
Result<std::string> read_or_create_secret(const std::string& path, size_t bytes, Random& random);

struct Change {
  std::string action;       // e.g. "org.created", "membership.granted"
  std::string object_type;  // e.g. "org"
  int64_t object_id = 0;
  std::string content;      // canonical content bytes; empty when the content was removed
  std::string salt;         // stored with the record; empty when the content was removed
};

// What the ledger hashes for a record: its canonical content and the salt stored with it
// (salt empty when the record has not been given one yet).
struct RecordState {
  std::string content, salt;
};

// Salted content hash as it appears in entries (hex); "" when there is no content.
std::string content_hash(std::string_view salt, std::string_view content);

// ---- erasure and record data (ledger_erasure.cc) ----
// Content that must be removed (moderation, a person's right to deletion) is deleted from
// storage; its earlier entries stay and still verify. The removal is one more entry
// "<type>.erased" with an empty content hash, and a row of ledger_erasures says when, under
// which entry and why, so readers are told the content was removed instead of "not found".
struct Erasure {
  int64_t seq = 0;     // the "<type>.erased" entry
  TimeMs at = 0;       // that entry's time
  std::string reason;  // a reason code: kReasonRightToDeletion, kReasonModeration, ...
};
inline constexpr std::string_view kReasonRightToDeletion = "right_to_deletion";  // 本人或代其申请删除个人信息
inline constexpr std::string_view kReasonModeration = "moderation";              // 内容审核删除
// The action of a record's erasure entry: "<type>.erased".
std::string erasure_action(std::string_view type);
// {"at":"<ISO-8601>","seq":N,"reason":"..."}: what the API shows of an erasure.
boost::json::object erasure_json(const Erasure& e);
// The 410 Gone problem for a record whose content was removed: `detail` says what was removed
// (`what`, e.g. "该人员的个人信息"), when and under which ledger entry; the problem also carries
// "erased": erasure_json(e). `slug` is the stable code, e.g. "person_erased".
Error gone(std::string slug, std::string_view what, const Erasure& e);
// What a record carries of its ledger state, so whoever may read it can recompute the content
// hash of its latest entry: {"type","id","salt","content"} (salt "" if it has none yet).
boost::json::object record_json(std::string_view type, int64_t id, const RecordState& state);
// ---- end erasure ----

// The PostgreSQL advisory lock (storage::make_leader_lock) of the node that signs checkpoints.
inline constexpr int64_t kCheckpointLockKey = 0x534C4C4544474552;  // "SLLEDGER"

class Ledger {
 public:
  Ledger(storage::Database& db, const Clock& clock, Random& random, Keys keys, std::string origin);
  ~Ledger();

  // Appends one entry inside the caller's write transaction; returns its sequence number.
  Result<int64_t> append(storage::Conn& c, const access::Caller& actor, const Change& change);
  // Appends the entry for a record's current state (nothing: the record is gone). A record
  // without a salt yet gets one, kept through `store_salt`, in the same transaction.
  Status record(storage::Conn& c, const access::Caller& actor, std::string_view action, std::string_view type,
                int64_t id, std::optional<RecordState> state,
                const std::function<Status(const std::string& salt)>& store_salt);
  // A fresh random salt for a new or changed record.
  std::string new_salt();

  // ---- erasure (ledger_erasure.cc) ----
  // Appends "<type>.erased" (empty content hash) and records the erasure, inside the caller's
  // transaction; the caller deletes the content in the same transaction. already_erased
  // (409) if the record was erased before; invalid_reason (400) for a malformed reason code.
  Result<Erasure> erase(storage::Conn& c, const access::Caller& actor, std::string_view type, int64_t id,
                        std::string_view reason);
  // Whether and how a record was erased.
  Result<std::optional<Erasure>> erasure(storage::Conn& c, std::string_view type, int64_t id) const;
  // ---- end erasure ----
  std::string actor_pseudonym(const access::Caller& actor) const;

  // Extends the tree over new entries and signs a checkpoint if the tree grew.
  // Returns the tree size covered by the latest checkpoint.
  Result<uint64_t> checkpoint_now();
  // Runs checkpoint_now() every interval on a background thread until stop(). With `lock`
  // (a cluster: storage::make_leader_lock), only the node holding it signs; the others stand
  // by and take over within about an interval when the holder dies. checkpoint_now() itself is
  // safe on any node at any time: on PostgreSQL runs serialise on a transaction lock, and a
  // run extends the tree from the latest stored checkpoint, so two nodes never fork the tree.
  void start(int interval_ms, std::unique_ptr<storage::LeaderLock> lock = nullptr);
  // Whether this node's background thread signed (holds the lock) at its last run.
  bool signing() const { return signing_.load(); }
  // Called from that thread with the new tree size whenever a run signs a larger checkpoint
  // (the application publishes it to the live room "ledger"). Set it before start().
  void set_checkpoint_listener(std::function<void(uint64_t size)> fn) { on_checkpoint_ = std::move(fn); }
  void stop();

  const std::string& origin() const { return origin_; }
  std::string verifier_key() const;  // C2SP vkey "<origin>+<key id>+<base64>"
  std::array<uint8_t, 32> public_key() const;

  Result<std::string> latest_checkpoint();
  Result<boost::json::object> entries(uint64_t after, int limit);
  Result<boost::json::object> inclusion(uint64_t index, uint64_t tree_size);
  Result<boost::json::object> consistency(uint64_t first, uint64_t second);
  // Every entry about one record, oldest first.
  Result<boost::json::object> object_entries(std::string_view type, int64_t id);

  // ---- tlog-tiles (ledger_tiles.cc) ----
  // The bytes of C2SP tlog-tiles resource "tile/<path>" (`path` is "<L>/<N>[.p/<W>]" or
  // "entries/<N>[.p/<W>]"), served only when every hash or entry in it lies below the size of
  // the latest checkpoint. invalid_tile_path (400) for a non-canonical path, tile_not_found
  // (404) when it is not (yet) covered.
  Result<std::string> tile(std::string_view path);
  // ---- end tlog-tiles ----

  // ---- witness cosignatures (ledger_witness.cc) ----
  // The witnesses whose cosignatures are accepted (config ledger.witnesses): C2SP
  // tlog-cosignature/v1 verifier keys (type 0x04). Set once at start, before serving.
  // bad_config for a malformed key, another key type, or the same name and key ID twice.
  Status set_witnesses(const std::vector<std::string>& vkeys);
  const std::vector<Verifier>& witnesses() const { return witnesses_; }

  struct CosignatureReceipt {
    std::string witness;  // the witness's vkey
    std::string name;
    uint64_t size = 0;
    uint64_t timestamp = 0;  // the cosignature's time (POSIX seconds)
    bool stored = false;     // false: the same cosignature was already stored
  };
  // Accepts a witness's cosignature line "— <name> <base64(key ID ‖ timestamp ‖ signature)>"
  // (one trailing newline allowed) of the checkpoint the platform signed at `size`. Errors:
  //   400 malformed_cosignature   not one well-formed tlog-cosignature/v1 signature line
  //   403 unknown_witness         no configured witness has this name and key ID
  //   422 unknown_checkpoint      the platform signed no checkpoint of this size
  //   422 bad_cosignature         the signature does not verify over that checkpoint
  //   422 cosignature_in_future   its timestamp is more than 10 minutes ahead of the platform
  //   409 stale_cosignature       a newer cosignature of the same checkpoint is already stored
  Result<CosignatureReceipt> add_cosignature(uint64_t size, std::string_view line);
  // The checkpoint note as served: the platform's signed note followed by the stored
  // cosignature lines of the configured witnesses. `cosigned`: the newest checkpoint that has
  // at least one (404 no_cosigned_checkpoint when there is none), else the latest.
  Result<std::string> served_checkpoint(bool cosigned);
  // Stored checkpoints (with their cosignatures) with size > after_size (nothing: from the
  // empty tree on), oldest first; "next" is the after_size of the next page, or null.
  Result<boost::json::object> checkpoints(std::optional<uint64_t> after_size, int limit);
  // The configured witnesses, each with the checkpoint it cosigned last.
  Result<boost::json::object> witness_list();
  // ---- end witness cosignatures ----

 private:
  storage::Database& db_;
  const Clock& clock_;
  Random& random_;
  Keys keys_;
  std::string origin_;
  std::mutex cp_mu_;  // one checkpointer run at a time
  // Actor pseudonyms by person id (an HMAC each; computed once per person while cached).
  static constexpr size_t kPseudonymCacheSize = 65536;
  mutable std::mutex pseudonyms_mu_;
  mutable std::unordered_map<int64_t, std::string> pseudonyms_;  // guarded by pseudonyms_mu_
  NodeCache node_cache_;  // upper levels of the tree, for proofs
  std::function<void(uint64_t)> on_checkpoint_;
  std::unique_ptr<storage::LeaderLock> lock_;  // used by thread_ only
  std::atomic<bool> signing_{false};
  std::thread thread_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::vector<Verifier> witnesses_;  // set before serving, read-only after
};

void register_routes(net::Router& router, Ledger& ledger);

// ---- tlog-tiles (ledger_tiles.cc) ----
// GET /api/v1/ledger/tile/{path...}: hash tiles and entry bundles (c2sp.org/tlog-tiles),
// immutable and public. Called by register_routes.
void register_tile_routes(net::Router& router, Ledger& ledger);
// ---- end tlog-tiles ----

// ---- witness cosignatures (ledger_witness.cc) ----
// POST /api/v1/ledger/cosignatures, GET /api/v1/ledger/checkpoints, GET /api/v1/ledger/witnesses.
// Called by register_routes.
void register_witness_routes(net::Router& router, Ledger& ledger);
// ---- end witness cosignatures ----

}  // namespace sl::ledger
