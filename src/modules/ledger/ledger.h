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
#include "net/router.h"
#include "storage/database.h"

namespace sl::ledger {

struct Keys {
  std::array<uint8_t, 32> signing_seed{};  // Ed25519 seed
  std::string actor_key;                    // HMAC key for actor pseudonyms
};
// Loads <dir>/signing.key and <dir>/actor.key, creating them (mode 0600) at first start.
Result<Keys> load_or_create_keys(const std::string& dir, Random& random);

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
  std::string actor_pseudonym(const access::Caller& actor) const;

  // Extends the tree over new entries and signs a checkpoint if the tree grew.
  // Returns the tree size covered by the latest checkpoint.
  Result<uint64_t> checkpoint_now();
  // Runs checkpoint_now() every interval on a background thread until stop().
  void start(int interval_ms);
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
  std::thread thread_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

void register_routes(net::Router& router, Ledger& ledger);

// ---- tlog-tiles (ledger_tiles.cc) ----
// GET /api/v1/ledger/tile/{path...}: hash tiles and entry bundles (c2sp.org/tlog-tiles),
// immutable and public. Called by register_routes.
void register_tile_routes(net::Router& router, Ledger& ledger);
// ---- end tlog-tiles ----

}  // namespace sl::ledger
