// Attachments use cases. An upload is checked whole before anything is written (who, how
// big, what type, the image's pixel count), then its file (and thumbnail) is stored and its
// row and ledger entry are committed in one transaction; if that fails, the files this upload
// created are removed again. See attachments.h.
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "core/encoding.h"
#include "core/json.h"
#include "modules/attachments/attachments.h"
#include "modules/attachments/attachments_store.h"
#include "modules/attachments/thumbnail.h"

namespace sl::attachments {

using storage::Conn;

namespace {

constexpr size_t kMaxNameChars = 120;
constexpr size_t kMaxAttachPerRecord = 20;

std::string mib(uint64_t bytes) {
  uint64_t tenths = (bytes * 10 + 512 * 1024) / (1024 * 1024);
  std::string s = std::to_string(tenths / 10);
  if (tenths % 10) s += "." + std::to_string(tenths % 10);
  return s + " MB";
}

std::string_view kind_label(Kind k) {
  switch (k) {
    case Kind::kDocument: return "文档";
    case Kind::kImage: return "图片";
    case Kind::kVoice: return "语音";
  }
  return "文档";
}

// Decodes one UTF-8 sequence at s[i] (already validated); returns its code point and length.
char32_t decode_utf8(std::string_view s, size_t i, size_t& len) {
  auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) {
    len = 1;
    return b;
  }
  len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
  char32_t cp = b & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}

bool dropped_char(char32_t cp) {
  return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) ||  // control characters
         (cp >= 0x200B && cp <= 0x200F) ||                       // zero-width, LRM/RLM
         (cp >= 0x202A && cp <= 0x202E) ||                       // bidirectional embeddings, overrides
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;         // isolates, BOM
}

// Extensions a name may keep for a served type; any other gets the type's own appended.
bool extension_fits(std::string_view ext, std::string_view mime) {
  std::string e(ext);
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (e.empty()) return false;
  if (e == std::string(extension_for(mime))) return true;
  if (mime == "image/jpeg") return e == ".jpeg" || e == ".jpe" || e == ".jfif";
  if (mime == "text/plain") return e == ".text" || e == ".md" || e == ".log" || e == ".csv";
  if (mime == "text/csv") return e == ".txt";
  if (mime == "audio/mp4") return e == ".mp4" || e == ".m4b";
  if (mime == "audio/ogg") return e == ".opus" || e == ".oga";
  if (mime == "audio/webm") return e == ".weba";
  if (mime == "application/msword") return e == ".wps" || e == ".dot";
  if (mime == "application/vnd.ms-excel") return e == ".et" || e == ".xlt";
  if (mime == "application/vnd.ms-powerpoint") return e == ".dps" || e == ".pps" || e == ".pot";
  return false;
}

std::string_view extension_of(std::string_view name) {
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || name.size() - dot > 10) return {};
  return name.substr(dot);
}

// The stored name: sanitised, non-empty, and ending in an extension that fits the content.
std::string final_name(const std::string& clean, const Sniffed& s) {
  std::string name = clean.empty() ? std::string(kind_label(s.kind)) : clean;
  std::string_view want = extension_for(s.mime);
  if (!want.empty() && !extension_fits(extension_of(name), s.mime)) name += want;
  return name;
}

bool is_member(const Caller& c) { return c.superadmin || !c.memberships.empty(); }

}  // namespace

// ---- names and headers ------------------------------------------------------------------

Result<std::string> sanitize_name(std::string_view raw) {
  if (!json::utf8_length(raw)) return Error::Invalid("invalid_name", "文件名不是有效的 UTF-8 文本");
  // Browsers may send a path ("C:\fakepath\x.pdf"): keep the last part.
  size_t cut = raw.find_last_of("/\\");
  if (cut != std::string_view::npos) raw.remove_prefix(cut + 1);
  std::string out;
  for (size_t i = 0; i < raw.size();) {
    size_t len = 1;
    char32_t cp = decode_utf8(raw, i, len);
    if (!dropped_char(cp)) {
      if (cp < 0x80 && std::string_view(":*?\"<>|").find(static_cast<char>(cp)) != std::string_view::npos) {
        out += '_';
      } else {
        out.append(raw.substr(i, len));
      }
    }
    i += len;
  }
  auto trimmable = [](char c) { return c == ' ' || c == '.' || c == '\t'; };
  while (!out.empty() && trimmable(out.front())) out.erase(out.begin());
  while (!out.empty() && trimmable(out.back())) out.pop_back();
  // At most kMaxNameChars code points, keeping the extension.
  if (json::utf8_length(out).value_or(0) > kMaxNameChars) {
    std::string ext(extension_of(out));
    std::string stem = out.substr(0, out.size() - ext.size());
    size_t keep = kMaxNameChars - json::utf8_length(ext).value_or(0);
    size_t pos = 0, count = 0;
    while (pos < stem.size() && count < keep) {
      size_t len = 1;
      decode_utf8(stem, pos, len);
      pos += len;
      ++count;
    }
    out = stem.substr(0, pos) + ext;
  }
  return out;
}

std::string content_disposition(bool inline_display, std::string_view name) {
  // The plain filename for old clients: one '_' per character it cannot carry.
  std::string ascii;
  for (unsigned char c : name) {
    if (c >= 0x80 && c < 0xC0) continue;  // UTF-8 continuation byte
    ascii += (c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '%') ? static_cast<char>(c) : '_';
  }
  std::string encoded;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : name) {
    bool attr_char = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
    if (attr_char) {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 0xF];
    }
  }
  return std::string(inline_display ? "inline" : "attachment") + "; filename=\"" + ascii + "\"; filename*=UTF-8''" +
         encoded;
}

// ---- binding to records -------------------------------------------------------------------

Status attach(Conn& c, const Caller& caller, const std::vector<int64_t>& ids, std::string_view scope_type,
              int64_t scope_id) {
  std::vector<int64_t> unique(ids);
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  if (unique.empty()) return Ok();
  if (unique.size() > kMaxAttachPerRecord)
    return Error::Invalid("too_many_attachments", "附件最多 " + std::to_string(kMaxAttachPerRecord) + " 个");
  if (scope_type.empty() || scope_id <= 0) return Error::Internal("attach: no record given");
  std::string type(scope_type);
  for (int64_t id : unique) {
    SL_ASSIGN(bool bound, store::bind(c, id, caller.person_id, type, scope_id));
    if (bound) continue;
    SL_ASSIGN(auto row, store::find(c, id));
    if (!row || row->owner_id != caller.person_id)
      return Error::NotFound("attachment_not_found", "附件 " + std::to_string(id) + " 不存在");
    return Error::Conflict("attachment_already_attached", "附件 " + std::to_string(id) + " 已被使用");
  }
  return Ok();
}

Result<bj::array> list_for_scope(Conn& c, std::string_view scope_type, int64_t scope_id) {
  SL_ASSIGN(auto rows, store::for_scope(c, std::string(scope_type), scope_id));
  bj::array out;
  for (const auto& r : rows) out.push_back(store::to_json(r));
  return out;
}

Result<std::map<int64_t, bj::array>> list_for_scopes(Conn& c, std::string_view scope_type,
                                                      const std::vector<int64_t>& scope_ids) {
  std::map<int64_t, bj::array> out;
  SL_ASSIGN(auto rows, store::for_scopes(c, std::string(scope_type), scope_ids));
  for (const auto& r : rows) out[*r.scope_id].push_back(store::to_json(r));
  return out;
}

// ---- the service ----------------------------------------------------------------------------

AttachmentsService::AttachmentsService(storage::Database& db, const Clock& clock, ledger::Ledger& ledger,
                                       const AttachmentsConfig& cfg, const std::string& data_dir)
    : db_(db), clock_(clock), ledger_(ledger), cfg_(cfg), blobs_(cfg.dir.empty() ? data_dir + "/uploads" : cfg.dir) {}

AttachmentsService::~AttachmentsService() { stop_gc(); }

Status AttachmentsService::init() {
  SL_TRY(blobs_.init());
  return init_vips();
}

uint64_t AttachmentsService::limit_for(Kind k) const {
  switch (k) {
    case Kind::kDocument: return static_cast<uint64_t>(cfg_.max_document_bytes);
    case Kind::kImage: return static_cast<uint64_t>(cfg_.max_image_bytes);
    case Kind::kVoice: return static_cast<uint64_t>(cfg_.max_voice_bytes);
  }
  return 0;
}

uint64_t AttachmentsService::max_upload_bytes() const {
  return std::max({limit_for(Kind::kDocument), limit_for(Kind::kImage), limit_for(Kind::kVoice)});
}

void AttachmentsService::add_scope_type(std::string scope_type, ScopeChecker checker) {
  std::unique_lock lk(checkers_mu_);
  checkers_[std::move(scope_type)] = std::move(checker);
}

Status AttachmentsService::record(Conn& c, const Caller& caller, std::string_view action, int64_t id) {
  SL_ASSIGN(auto state, store::ledger_state(c, id));
  return ledger_.record(c, caller, action, "attachment", id, std::move(state),
                        [&](const std::string& salt) { return store::set_ledger_salt(c, id, salt); });
}

void AttachmentsService::drop_if_unreferenced(const std::string& sha) {
  std::lock_guard lk(blobs_.lock(sha));
  auto used = db_.read_value<bool>([&](Conn& c) { return store::blob_referenced(c, sha); });
  if (!used.ok()) {
    spdlog::warn("attachments: cannot tell whether blob {} is used ({}); left for the next collection", sha,
                 used.error().message);
    return;
  }
  if (*used) return;
  if (auto st = blobs_.remove(sha); !st.ok()) spdlog::warn("attachments: {}", st.error().message);
}

Result<bj::object> AttachmentsService::upload(const Caller& caller, std::string_view bytes, std::string_view raw_name,
                                              std::optional<std::string_view> declared_kind) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  if (!is_member(caller))
    return Error{Code::kForbidden, "upload_forbidden", "只有组织的成员和工作人员可以上传附件", {}};
  std::optional<Kind> declared;
  if (declared_kind && !declared_kind->empty()) {
    declared = parse_kind(*declared_kind);
    if (!declared) return Error::Invalid("invalid_kind", "kind 只能是 document、image 或 voice");
  }
  SL_ASSIGN(std::string clean, sanitize_name(raw_name));
  if (bytes.empty()) return Error::Invalid("empty_upload", "上传的文件是空的");
  SL_ASSIGN(Sniffed sniffed, sniff(bytes));
  if (declared && *declared != sniffed.kind) {
    return Error{Code::kUnsupportedMedia, "kind_mismatch",
                 "文件内容是" + std::string(kind_label(sniffed.kind)) + "（" + sniffed.mime + "），不是" +
                     std::string(kind_label(*declared)),
                 {}};
  }
  uint64_t limit = limit_for(sniffed.kind);
  if (bytes.size() > limit) {
    return Error{Code::kPayloadTooLarge, "attachment_too_large",
                 std::string(kind_label(sniffed.kind)) + "不能超过 " + mib(limit) + "（此文件 " + mib(bytes.size()) + "）",
                 {}};
  }
  std::optional<Thumbnail> thumb;
  if (sniffed.kind == Kind::kImage) {
    SL_ASSIGN(thumb, make_thumbnail(bytes, cfg_.max_image_pixels));
  }
  store::NewRow row;
  row.sha256 = sha256_hex(bytes);
  row.size = static_cast<int64_t>(bytes.size());
  row.mime = sniffed.mime;
  row.kind = std::string(kind_name(sniffed.kind));
  row.name = final_name(clean, sniffed);
  row.owner_id = caller.person_id;
  row.created_at = clock_.now_ms();
  if (thumb) {
    row.thumbnail_sha256 = sha256_hex(thumb->webp);
    row.width = thumb->image_width;
    row.height = thumb->image_height;
  }

  // Files first, row second, under the blobs' locks: a collection running meanwhile cannot
  // remove a file between our finding it present and our row referring to it.
  std::mutex& m1 = blobs_.lock(row.sha256);
  std::mutex& m2 = row.thumbnail_sha256 ? blobs_.lock(*row.thumbnail_sha256) : m1;
  std::unique_lock l1(m1, std::defer_lock);
  std::unique_lock l2(m2, std::defer_lock);
  if (&m1 == &m2) {
    l1.lock();
  } else {
    std::lock(l1, l2);
  }
  std::vector<std::string> created;
  auto undo = [&] {
    // Nothing of a failed upload stays: remove the files it created unless a row uses them.
    for (const auto& sha : created) {
      auto used = db_.read_value<bool>([&](Conn& c) { return store::blob_referenced(c, sha); });
      if (used.ok() && !*used) {
        if (auto st = blobs_.remove(sha); !st.ok()) spdlog::warn("attachments: {}", st.error().message);
      }
    }
  };
  auto put = blobs_.put(row.sha256, bytes);
  if (!put.ok()) return put.take_error();
  if (*put) created.push_back(row.sha256);
  if (thumb) {
    auto tput = blobs_.put(*row.thumbnail_sha256, thumb->webp);
    if (!tput.ok()) {
      undo();
      return tput.take_error();
    }
    if (*tput) created.push_back(*row.thumbnail_sha256);
  }
  int64_t quota = cfg_.daily_quota_bytes;
  auto saved = db_.write_value<store::Row>([&](Conn& c) -> Result<store::Row> {
    if (quota > 0) {
      SL_ASSIGN(int64_t used, store::bytes_uploaded_since(c, caller.person_id, row.created_at - int64_t{24} * 3600 * 1000));
      if (used + row.size > quota)
        return Error::TooMany("upload_quota_exceeded",
                              "24 小时内上传的附件已达上限（" + mib(static_cast<uint64_t>(quota)) + "），请稍后再试");
    }
    SL_ASSIGN(int64_t id, store::insert(c, row));
    SL_TRY(record(c, caller, "attachment.uploaded", id));
    SL_ASSIGN(auto r, store::find(c, id));
    if (!r) return Error::Internal("attachment vanished");
    return std::move(*r);
  });
  if (!saved.ok()) {
    undo();
    return saved.take_error();
  }
  return store::to_json(*saved);
}

Status AttachmentsService::check_read(const Caller& caller, int64_t owner_id, const std::optional<std::string>& scope_type,
                                      std::optional<int64_t> scope_id) {
  if (caller.person_id != 0 && caller.person_id == owner_id) return Ok();
  Error hidden = Error::NotFound("attachment_not_found", "附件不存在");
  if (!scope_type || !scope_id) return hidden;
  ScopeChecker checker;
  {
    std::shared_lock lk(checkers_mu_);
    auto it = checkers_.find(*scope_type);
    if (it == checkers_.end()) return hidden;
    checker = it->second;
  }
  Status s = checker(caller, *scope_id);
  if (s.ok()) return Ok();
  if (s.error().code == Code::kNotFound) return hidden;
  return s;
}

Result<bj::object> AttachmentsService::get(const Caller& caller, int64_t id) {
  std::optional<store::Row> row;
  std::optional<ledger::RecordState> state;
  SL_TRY(db_.read([&](Conn& c) -> Status {
    SL_ASSIGN(row, store::find(c, id));
    if (row) {
      SL_ASSIGN(state, store::ledger_state(c, id));
    }
    return Ok();
  }));
  if (!row) return Error::NotFound("attachment_not_found", "附件不存在");
  SL_TRY(check_read(caller, row->owner_id, row->scope_type, row->scope_id));
  bj::object o = store::to_json(*row);
  if (state) {
    o["ledger"] = bj::object{{"type", "attachment"}, {"id", id}, {"salt", state->salt}, {"content", state->content}};
  }
  return o;
}

Result<AttachmentsService::File> AttachmentsService::content(const Caller& caller, int64_t id) {
  SL_ASSIGN(auto row, db_.read_value<std::optional<store::Row>>([&](Conn& c) { return store::find(c, id); }));
  if (!row) return Error::NotFound("attachment_not_found", "附件不存在");
  SL_TRY(check_read(caller, row->owner_id, row->scope_type, row->scope_id));
  return File{blobs_.path_of(row->sha256), row->mime, row->sha256, row->name, parse_kind(row->kind).value_or(Kind::kDocument)};
}

Result<AttachmentsService::File> AttachmentsService::thumbnail(const Caller& caller, int64_t id) {
  SL_ASSIGN(auto row, db_.read_value<std::optional<store::Row>>([&](Conn& c) { return store::find(c, id); }));
  if (!row) return Error::NotFound("attachment_not_found", "附件不存在");
  SL_TRY(check_read(caller, row->owner_id, row->scope_type, row->scope_id));
  if (!row->thumbnail_sha256) return Error::NotFound("no_thumbnail", "该附件没有缩略图");
  std::string stem = row->name.substr(0, row->name.size() - extension_of(row->name).size());
  return File{blobs_.path_of(*row->thumbnail_sha256), "image/webp", *row->thumbnail_sha256, stem + ".webp", Kind::kImage};
}

Status AttachmentsService::remove(const Caller& caller, int64_t id) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  std::optional<store::Row> gone;
  Status st = db_.write([&](Conn& c) -> Status {
    gone.reset();
    SL_ASSIGN(auto row, store::find(c, id));
    if (!row) return Error::NotFound("attachment_not_found", "附件不存在");
    if (row->owner_id != caller.person_id) return Error::NotFound("attachment_not_found", "附件不存在");
    if (row->scope_id) return Error::Conflict("attachment_attached", "附件已随内容发布，不能单独删除");
    SL_TRY(store::remove(c, id));
    SL_TRY(record(c, caller, "attachment.deleted", id));
    gone = std::move(row);
    return Ok();
  });
  if (!st.ok()) {
    // Someone who may read it (through its record) but is not its uploader: forbidden.
    if (st.error().slug == "attachment_not_found") {
      auto row = db_.read_value<std::optional<store::Row>>([&](Conn& c) { return store::find(c, id); });
      if (row.ok() && *row && check_read(caller, (*row)->owner_id, (*row)->scope_type, (*row)->scope_id).ok())
        return Error{Code::kForbidden, "not_uploader", "只有上传者可以删除附件", {}};
    }
    return st;
  }
  drop_if_unreferenced(gone->sha256);
  if (gone->thumbnail_sha256) drop_if_unreferenced(*gone->thumbnail_sha256);
  return Ok();
}

Status AttachmentsService::remove_for_scope(Conn& c, const Caller& caller, std::string_view scope_type, int64_t scope_id) {
  SL_ASSIGN(auto rows, store::for_scope(c, std::string(scope_type), scope_id));
  for (const auto& r : rows) {
    SL_TRY(store::remove(c, r.id));
    SL_TRY(record(c, caller, "attachment.deleted", r.id));
  }
  return Ok();
}

Result<AttachmentsService::GcReport> AttachmentsService::collect_garbage() {
  GcReport rep;
  TimeMs cutoff = clock_.now_ms() - int64_t{cfg_.unattached_ttl_hours} * 3600 * 1000;
  Caller system = Caller::system();
  // 1. Uploads never attached: rows (with a ledger entry saying they are gone), then files.
  for (;;) {
    std::vector<store::Row> batch;
    SL_TRY(db_.write([&](Conn& c) -> Status {
      batch.clear();
      SL_ASSIGN(batch, store::unattached_before(c, cutoff, 200));
      for (const auto& r : batch) {
        SL_TRY(store::remove(c, r.id));
        SL_TRY(record(c, system, "attachment.expired", r.id));
      }
      return Ok();
    }));
    std::set<std::string> shas;
    for (const auto& r : batch) {
      shas.insert(r.sha256);
      if (r.thumbnail_sha256) shas.insert(*r.thumbnail_sha256);
    }
    for (const auto& sha : shas) drop_if_unreferenced(sha);
    rep.expired += static_cast<int>(batch.size());
    if (batch.size() < 200) break;
  }
  // 2. Files nothing refers to (a record deleted, a crash between file and row), once they
  // are older than the grace period; temporary files of interrupted writes.
  SL_ASSIGN(auto entries, blobs_.list(cutoff, rep.temp_removed));
  for (const auto& e : entries) {
    if (e.modified_ms >= cutoff) continue;
    std::lock_guard lk(blobs_.lock(e.sha));
    auto used = db_.read_value<bool>([&](Conn& c) { return store::blob_referenced(c, e.sha); });
    if (!used.ok()) return used.take_error();
    if (*used) continue;
    SL_TRY(blobs_.remove(e.sha));
    ++rep.blobs_removed;
  }
  return rep;
}

void AttachmentsService::start_gc(int interval_ms) {
  stop_gc();
  {
    std::lock_guard lk(gc_mu_);
    gc_stopping_ = false;
  }
  gc_thread_ = std::thread([this, interval_ms] {
    std::unique_lock lk(gc_mu_);
    while (!gc_stopping_) {
      lk.unlock();
      auto r = collect_garbage();
      if (!r.ok()) {
        spdlog::warn("attachments: garbage collection failed: {}", r.error().message);
      } else if (r->expired || r->blobs_removed || r->temp_removed) {
        spdlog::info("attachments: removed {} unattached upload(s), {} unused file(s), {} temporary file(s)", r->expired,
                     r->blobs_removed, r->temp_removed);
      }
      lk.lock();
      gc_cv_.wait_for(lk, std::chrono::milliseconds(std::max(1000, interval_ms)), [this] { return gc_stopping_; });
    }
  });
}

void AttachmentsService::stop_gc() {
  {
    std::lock_guard lk(gc_mu_);
    gc_stopping_ = true;
  }
  gc_cv_.notify_all();
  if (gc_thread_.joinable()) gc_thread_.join();
}

}  // namespace sl::attachments
