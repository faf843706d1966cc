// StaticFiles: serves the built web UI (Vite output in ServerConfig::web_root) for GET/HEAD
// requests outside /api. Content types by extension; pre-compressed `.br`/`.gz` siblings
// when the client accepts them; ETag/If-None-Match revalidation; long immutable caching
// for hashed files under /assets/ and `no-cache` for everything else (index.html); SPA
// fallback to index.html for extension-less paths. Files are read once and kept in memory.
// Thread-safe: `serve` may be called from every network thread at once.
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "net/http.h"

namespace sl::net {

class StaticFiles {
 public:
  // `root` is the directory holding index.html (e.g. web/dist). It may not exist yet:
  // requests then get a 503 problem saying the web UI is not built.
  explicit StaticFiles(std::string root);
  ~StaticFiles();
  StaticFiles(const StaticFiles&) = delete;
  StaticFiles& operator=(const StaticFiles&) = delete;

  // Answers a GET or HEAD (the caller strips the body for HEAD). Uses req.path (decoded),
  // and the accept-encoding and if-none-match headers.
  HttpResponse serve(const HttpRequest& req) const;

  // "text/html; charset=utf-8" for "x.html", etc.; application/octet-stream if unknown.
  static std::string_view mime_type(std::string_view path);
  // Files larger than this are not kept in memory (read per request).
  static constexpr size_t kMaxCachedFileBytes = 8 * 1024 * 1024;

 private:
  struct File;
  // Loads (or finds in the cache) a regular file below root_; null if absent or unsafe.
  std::shared_ptr<const File> load(const std::string& rel) const;

  std::string root_;
  mutable std::shared_mutex mu_;
  mutable std::unordered_map<std::string, std::shared_ptr<const File>> cache_;  // GUARDED_BY(mu_)
};

}  // namespace sl::net
