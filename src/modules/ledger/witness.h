// The witness (见证方): an independent verifier, e.g. the organisation one level up, that
// follows a platform's ledger and vouches that it only ever grows. Each round it fetches the
// latest checkpoint, checks the platform's signature with the pinned log key, refuses a
// shrinking tree or a different root at a size it has seen (a fork: two histories shown to
// different people), checks the RFC 9162 consistency proof from the last checkpoint it
// verified, remembers the new one, and only then cosigns it (C2SP tlog-cosignature/v1) and
// hands the cosignature to the platform. A failed check cosigns nothing.
//
// It keeps, in its own data directory (never the platform's):
//   witness.key   its Ed25519 seed (hex, mode 0600, made at first start)
//   name          its key name (the "witness origin", e.g. witness.sheng.example.gov.cn)
//   state.json    {"log": <log vkey>, "size": N, "root": <base64>}: the last verified checkpoint
//
// The platform is reached through LogSource (HTTP in `shangliang witness`, fakes in tests).
// Thread-safety: none; one Witness per process and data directory.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "core/result.h"
#include "modules/ledger/merkle.h"
#include "modules/ledger/note.h"

namespace sl::ledger {

// What a witness needs from the log it follows.
class LogSource {
 public:
  virtual ~LogSource() = default;
  // The latest checkpoint note (signed by the log; other signature lines are ignored).
  virtual Result<std::string> checkpoint() = 0;
  // RFC 9162 consistency proof between two checkpointed sizes (0 < first < second).
  virtual Result<std::vector<Hash>> consistency(uint64_t first, uint64_t second) = 0;
  // Hands a cosignature line of the checkpoint of `size` to the log.
  virtual Status submit(uint64_t size, std::string_view cosignature_line) = 0;
};

// The witness's key, made at first start. `name` may be empty when a name is already stored;
// a different name than the stored one is refused (the key ID depends on the name).
Result<NoteSigner> load_or_create_witness_key(const std::string& dir, std::string_view name, Random& random);
// "<name>+<key id>+<base64(0x04 ‖ key)>": what the platform's administrators configure.
std::string witness_vkey(const NoteSigner& key);

struct WitnessState {
  std::string log;  // the log's vkey
  uint64_t size = 0;
  Hash root{};
};
// Nothing when the witness has not verified a checkpoint yet.
Result<std::optional<WitnessState>> load_witness_state(const std::string& dir);
// Written to a temporary file, synced and renamed: a crash leaves the old or the new state.
Status save_witness_state(const std::string& dir, const WitnessState& state);

// The checks of one step, pure. Opens `note` with the log key (its origin must be the key's
// name) and compares it with `last`: first checkpoint (no state): accepted; smaller size:
// tree_shrank; same size: the root must be the same (fork_detected); larger: `proof` must
// show the last tree is a prefix of the new one (consistency_failed), except from size 0.
// Errors are Code::kUnprocessable with those slugs, or checkpoint_unverified /
// checkpoint_malformed / checkpoint_wrong_log for the note itself.
struct CheckedCheckpoint {
  std::string body;  // the checkpoint text the log signed (what the witness cosigns)
  Checkpoint cp;
};
Result<CheckedCheckpoint> open_log_checkpoint(std::string_view note, const Verifier& log_key);
Status check_extends(const std::optional<WitnessState>& last, const Checkpoint& next, const std::vector<Hash>& proof);
// Does moving from `last` to a checkpoint of `next_size` need a consistency proof?
bool needs_proof(const std::optional<WitnessState>& last, uint64_t next_size);

struct RoundReport {
  uint64_t size = 0;
  Hash root{};
  std::optional<uint64_t> previous;  // the size verified before this round (none: first)
  size_t proof_hashes = 0;
  uint64_t timestamp = 0;  // of the cosignature
  std::string cosignature;
  Status submitted;  // the platform's answer to the cosignature
  // One line for the log of the witness, e.g. "联署 cosigned size 512 (consistent with 500, 9 hashes); submitted".
  std::string describe() const;
};

class Witness {
 public:
  Witness(std::string dir, Verifier log_key, NoteSigner key, const Clock& clock);

  // One round. A failed check is an error (Code::kUnprocessable, the state is unchanged and
  // nothing is cosigned); the log being unreachable is the LogSource's error. When the checks
  // pass, the new state is saved before the cosignature is made and submitted; the
  // submission's outcome is in the report.
  Result<RoundReport> round(LogSource& log);

 private:
  std::string dir_;
  Verifier log_key_;
  std::string log_vkey_;
  NoteSigner key_;
  const Clock& clock_;
};

}  // namespace sl::ledger
