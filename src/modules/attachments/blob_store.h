// BlobStore: files named by the SHA-256 of their bytes, <dir>/<sha[0:2]>/<sha>, so the same
// bytes are stored once however often they are uploaded. A file appears whole or not at all:
// written to a temporary file in the same folder, fsynced, renamed into place, and the
// folder fsynced. Files are never changed, only removed when nothing refers to them.
//
// Thread-safety: every method may be called from any thread. Deciding that a blob may be
// removed and removing it, or that it exists and referring to it, must not interleave: hold
// `lock(sha)` across the decision and the action (striped mutexes; within one process).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace sl::attachments {

class BlobStore {
 public:
  explicit BlobStore(std::string dir);

  // Creates the folder if needed.
  Status init();
  const std::string& dir() const { return dir_; }

  static bool valid_sha(std::string_view sha);  // 64 lower-case hex digits
  std::string path_of(std::string_view sha) const;
  // A regular file of the given size is stored under sha.
  bool has(std::string_view sha, uint64_t size) const;
  // Stores bytes under sha (their SHA-256, computed by the caller). Returns true if this call
  // created the file, false if it was already there. On failure nothing is left behind.
  Result<bool> put(std::string_view sha, std::string_view bytes);
  // Removes the file (no error if it is already gone).
  Status remove(std::string_view sha);

  struct Entry {
    std::string sha;
    TimeMs modified_ms = 0;
  };
  // Every stored blob. Temporary files last modified before `stale_before_ms` (left by a crash
  // mid-write) are removed on the way; their count goes to `stale_removed`.
  Result<std::vector<Entry>> list(TimeMs stale_before_ms, int& stale_removed) const;

  // The mutex guarding decisions about `sha` (see the class comment).
  std::mutex& lock(std::string_view sha);

 private:
  std::string dir_;
  std::array<std::mutex, 64> stripes_;
};

}  // namespace sl::attachments
