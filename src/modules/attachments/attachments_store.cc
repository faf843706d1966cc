// SQL of the attachments module.
#include "modules/attachments/attachments_store.h"

#include <boost/json.hpp>

namespace sl::attachments::store {

namespace bj = boost::json;
using storage::Null;
using storage::Value;

namespace {

constexpr const char* kColumns =
    "id, sha256, size, mime, kind, name, owner_id, created_at, scope_type, scope_id, thumbnail_sha256, width, height";

using storage::opt;
Value opt(const std::optional<std::string>& v) { return v ? Value(*v) : Value(Null{}); }

Row row_of(const storage::Row& r) {
  Row o;
  o.id = r.i64(0);
  o.sha256 = r.str(1);
  o.size = r.i64(2);
  o.mime = r.str(3);
  o.kind = r.str(4);
  o.name = r.str(5);
  o.owner_id = r.i64(6);
  o.created_at = r.i64(7);
  o.scope_type = r.opt_str(8);
  o.scope_id = r.opt_i64(9);
  o.thumbnail_sha256 = r.opt_str(10);
  o.width = r.opt_i64(11);
  o.height = r.opt_i64(12);
  return o;
}

Result<std::vector<Row>> rows_of(Result<storage::Rows> rows) {
  if (!rows.ok()) return rows.take_error();
  std::vector<Row> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) out.push_back(row_of(r));
  return out;
}

}  // namespace

Result<std::optional<Row>> find(Conn& c, int64_t id) {
  SL_ASSIGN(auto r, c.query_one(std::string("SELECT ") + kColumns + " FROM attachments WHERE id = ?", {id}));
  if (!r) return std::optional<Row>();
  return std::optional<Row>(row_of(*r));
}

Result<int64_t> insert(Conn& c, const NewRow& r) {
  SL_ASSIGN(auto rows, c.query("INSERT INTO attachments (sha256, size, mime, kind, name, owner_id, created_at, "
                               "thumbnail_sha256, width, height) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                               {r.sha256, r.size, r.mime, r.kind, r.name, r.owner_id, r.created_at,
                                opt(r.thumbnail_sha256), opt(r.width), opt(r.height)}));
  if (rows.empty()) return Error::Internal("insert returned no id");
  return rows[0].i64(0);
}

Status remove(Conn& c, int64_t id) {
  SL_TRY(c.exec("DELETE FROM attachments WHERE id = ?", {id}));
  return Ok();
}

Result<int64_t> bytes_uploaded_since(Conn& c, int64_t owner, TimeMs since) {
  SL_ASSIGN(auto r, c.query_one("SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM attachments WHERE owner_id = ? AND created_at > ?",
                                {owner, since}));
  return r ? r->i64(0) : 0;
}

Result<bool> blob_referenced(Conn& c, const std::string& sha) {
  SL_ASSIGN(auto a, c.query_one("SELECT 1 FROM attachments WHERE sha256 = ? LIMIT 1", {sha}));
  if (a) return true;
  SL_ASSIGN(auto t, c.query_one("SELECT 1 FROM attachments WHERE thumbnail_sha256 = ? LIMIT 1", {sha}));
  return t.has_value();
}

Result<std::vector<Row>> unattached_before(Conn& c, TimeMs cutoff, int limit) {
  return rows_of(c.query(std::string("SELECT ") + kColumns +
                             " FROM attachments WHERE scope_id IS NULL AND created_at < ? ORDER BY created_at, id LIMIT ?",
                         {cutoff, int64_t{limit}}));
}

Result<bool> bind(Conn& c, int64_t id, int64_t owner, const std::string& scope_type, int64_t scope_id) {
  SL_ASSIGN(int64_t n, c.exec("UPDATE attachments SET scope_type = ?, scope_id = ? "
                              "WHERE id = ? AND owner_id = ? AND scope_id IS NULL",
                              {scope_type, scope_id, id, owner}));
  return n == 1;
}

Result<std::vector<Row>> for_scope(Conn& c, const std::string& scope_type, int64_t scope_id) {
  return rows_of(c.query(std::string("SELECT ") + kColumns +
                             " FROM attachments WHERE scope_type = ? AND scope_id = ? ORDER BY id",
                         {scope_type, scope_id}));
}

Result<std::vector<Row>> for_scopes(Conn& c, const std::string& scope_type, const std::vector<int64_t>& scope_ids) {
  std::vector<Row> out;
  constexpr size_t kChunk = 100;
  for (size_t i = 0; i < scope_ids.size(); i += kChunk) {
    size_t n = std::min(kChunk, scope_ids.size() - i);
    // Only placeholders are generated here; every value is bound.
    std::string sql = std::string("SELECT ") + kColumns + " FROM attachments WHERE scope_type = ? AND scope_id IN (";
    storage::Params params{scope_type};
    for (size_t k = 0; k < n; ++k) {
      sql += k ? ", ?" : "?";
      params.emplace_back(scope_ids[i + k]);
    }
    sql += ") ORDER BY scope_id, id";
    SL_ASSIGN(auto rows, rows_of(c.query(sql, params)));
    for (auto& r : rows) out.push_back(std::move(r));
  }
  return out;
}

bj::object to_json(const Row& r) {
  std::string base = "/api/v1/attachments/" + std::to_string(r.id);
  bj::object o;
  o["id"] = r.id;
  o["name"] = r.name;
  o["mime"] = r.mime;
  o["size"] = r.size;
  o["kind"] = r.kind;
  o["url"] = base + "/content";
  if (r.thumbnail_sha256) o["thumbnail_url"] = base + "/thumbnail";
  if (r.width && r.height) {
    o["width"] = *r.width;
    o["height"] = *r.height;
  }
  o["created_at"] = format_iso8601(r.created_at);
  o["attached"] = r.scope_id.has_value();
  return o;
}

Result<std::optional<ledger::RecordState>> ledger_state(Conn& c, int64_t id) {
  SL_ASSIGN(auto r, c.query_one("SELECT sha256, size, mime, name, ledger_salt FROM attachments WHERE id = ?", {id}));
  if (!r) return std::optional<ledger::RecordState>();
  bj::object content{{"sha256", r->str(0)}, {"size", r->i64(1)}, {"mime", r->str(2)}, {"name", r->str(3)}};
  return std::optional<ledger::RecordState>(ledger::RecordState{bj::serialize(content), r->str(4)});
}

Status set_ledger_salt(Conn& c, int64_t id, const std::string& salt) {
  SL_TRY(c.exec("UPDATE attachments SET ledger_salt = ? WHERE id = ?", {salt, id}));
  return Ok();
}

}  // namespace sl::attachments::store
