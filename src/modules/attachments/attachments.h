// Attachments: documents (PDF, Office, OpenDocument, text), images (with a WebP thumbnail) and
// voice messages that people attach to records (posts, proposals...). An upload's type comes
// from its bytes (sniff.h), its size is limited per kind, and it is stored outside the
// database, content-addressed (blob_store.h). The row in the database says who uploaded it
// under which name and, once attached, to which record. Until then only the uploader sees it,
// and an upload never attached is removed after a day (collect_garbage).
//
// Reading an attached file asks the module that owns the record: each registers a checker for
// its scope type, e.g. add_scope_type("post", fn) where fn(caller, post_id) is Ok when the
// caller may read that post (NotFound / Forbidden refuse).
//
// JSON of an attachment:
//   {"id","name","mime","size","kind":"document|image|voice","url","thumbnail_url"?,
//    "width"?,"height"? (images, as displayed),"created_at","attached":bool}
//
// Thread-safety: AttachmentsService is shared by all threads. add_scope_type may be called at
// any time (typically while wiring, before serving).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "modules/access/access.h"
#include "modules/accounts/accounts.h"
#include "modules/attachments/blob_store.h"
#include "modules/attachments/sniff.h"
#include "modules/ledger/ledger.h"
#include "net/router.h"
#include "storage/database.h"

namespace sl::attachments {

using access::Caller;
namespace bj = boost::json;

// Whether `caller` may read the record (scope_type, id): Ok, or NotFound / Forbidden.
using ScopeChecker = std::function<Status(const Caller& caller, int64_t id)>;

// Binds the caller's own unattached uploads `ids` to a record, inside the caller's
// transaction (e.g. while creating a post). attachment_not_found (404) for an id that is not
// the caller's; attachment_already_attached (409) for one already bound; too_many_attachments
// (400) beyond 20. Duplicated ids count once; no ids is Ok.
Status attach(storage::Conn& c, const Caller& caller, const std::vector<int64_t>& ids, std::string_view scope_type,
              int64_t scope_id);
// The JSON of each attachment bound to a record, oldest first.
Result<bj::array> list_for_scope(storage::Conn& c, std::string_view scope_type, int64_t scope_id);
// The same for many records at once (a page of posts): scope id -> attachments; records
// without attachments are absent.
Result<std::map<int64_t, bj::array>> list_for_scopes(storage::Conn& c, std::string_view scope_type,
                                                      const std::vector<int64_t>& scope_ids);

// A file name as given by a client, made safe to store and to offer for download: valid
// UTF-8, no folders, control or bidirectional-override characters, nor  \ / : * ? " < > |,
// no leading or trailing dots and spaces, at most 120 characters (the extension kept).
// Empty when nothing is left; invalid_name (400) for bytes that are not UTF-8.
Result<std::string> sanitize_name(std::string_view raw);
// Content-Disposition with a plain-ASCII filename and the UTF-8 one (RFC 6266 / 5987).
std::string content_disposition(bool inline_display, std::string_view name);

class AttachmentsService {
 public:
  // `cfg.dir` empty: <data_dir>/uploads.
  AttachmentsService(storage::Database& db, const Clock& clock, ledger::Ledger& ledger, const AttachmentsConfig& cfg,
                     const std::string& data_dir);
  ~AttachmentsService();

  // Creates the storage folder and starts libvips.
  Status init();

  // Stores an upload by a signed-in member (any role in any organisation) and returns its
  // JSON. `declared_kind` (optional) must agree with the content.
  Result<bj::object> upload(const Caller& caller, std::string_view bytes, std::string_view name,
                            std::optional<std::string_view> declared_kind);
  // Metadata (with the record's ledger data) for whoever may read it.
  Result<bj::object> get(const Caller& caller, int64_t id);

  struct File {
    std::string path, mime, sha256, name;
    Kind kind = Kind::kDocument;
  };
  Result<File> content(const Caller& caller, int64_t id);
  Result<File> thumbnail(const Caller& caller, int64_t id);
  // The uploader removes an upload that is not attached yet.
  Status remove(const Caller& caller, int64_t id);
  // Deletes the attachments of a record that is going away, inside the caller's transaction
  // (their files go with the next collect_garbage).
  Status remove_for_scope(storage::Conn& c, const Caller& caller, std::string_view scope_type, int64_t scope_id);

  void add_scope_type(std::string scope_type, ScopeChecker checker);

  struct GcReport {
    int expired = 0;        // unattached uploads removed
    int blobs_removed = 0;  // files no attachment referred to
    int temp_removed = 0;   // temporary files left by interrupted writes
  };
  // Removes uploads not attached within unattached_ttl_hours, then files (older than that) no
  // attachment refers to, and stale temporary files.
  Result<GcReport> collect_garbage();
  // Runs collect_garbage every interval on a background thread until stop_gc().
  void start_gc(int interval_ms);
  void stop_gc();

  // The largest upload any kind allows (the upload route's body limit).
  uint64_t max_upload_bytes() const;
  BlobStore& blobs() { return blobs_; }

 private:
  uint64_t limit_for(Kind k) const;
  Status check_read(const Caller& caller, int64_t owner_id, const std::optional<std::string>& scope_type,
                    std::optional<int64_t> scope_id);
  // Removes the blob if no attachment refers to it (takes its lock).
  void drop_if_unreferenced(const std::string& sha);
  Status record(storage::Conn& c, const Caller& caller, std::string_view action, int64_t id);

  storage::Database& db_;
  const Clock& clock_;
  ledger::Ledger& ledger_;
  AttachmentsConfig cfg_;
  BlobStore blobs_;

  std::shared_mutex checkers_mu_;
  std::map<std::string, ScopeChecker, std::less<>> checkers_;  // GUARDED_BY(checkers_mu_)

  std::thread gc_thread_;
  std::mutex gc_mu_;
  std::condition_variable gc_cv_;
  bool gc_stopping_ = false;  // GUARDED_BY(gc_mu_)
};

// POST /api/v1/attachments (raw body; ?name=, ?kind=), GET /api/v1/attachments/{id},
// GET .../{id}/content (ranges), GET .../{id}/thumbnail, DELETE /api/v1/attachments/{id}.
void register_routes(net::Router& router, AttachmentsService& svc, accounts::AccountsService& accounts);

}  // namespace sl::attachments
