#include "modules/notifications/inbox_store.h"

#include <boost/json.hpp>

namespace sl::notifications::store {

namespace bj = boost::json;
using storage::Row;

namespace {

constexpr const char* kColumns = "id, kind, title, body, link, created_at, read_at";

bj::object item_from_row(const Row& r) {
  bj::object o;
  o["id"] = r.i64(0);
  o["kind"] = r.str(1);
  o["title"] = r.str(2);
  o["body"] = r.str(3);
  o["link"] = r.str(4);
  o["created_at"] = format_iso8601(r.i64(5));
  o["read_at"] = r.is_null(6) ? bj::value(nullptr) : bj::value(format_iso8601(r.i64(6)));
  o["read"] = !r.is_null(6);
  return o;
}

}  // namespace

Result<int64_t> insert(Conn& c, int64_t person_id, std::string_view kind, std::string_view title,
                       std::string_view body, std::string_view link, TimeMs at) {
  SL_ASSIGN(auto rows, c.query("INSERT INTO notifications (person_id, kind, title, body, link, created_at) "
                               "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                               {person_id, std::string(kind), std::string(title), std::string(body), std::string(link), at}));
  if (rows.empty()) return Error::Internal("notification insert returned no id");
  return rows.front().i64(0);
}

Status prune(Conn& c, int64_t person_id, int keep) {
  // The id of the newest notification beyond `keep` (walks the (person_id, id) index), then
  // everything up to it.
  SL_ASSIGN(auto edge, c.query_one("SELECT id FROM notifications WHERE person_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?",
                                   {person_id, int64_t{keep}}));
  if (!edge) return Ok();
  SL_TRY(c.exec("DELETE FROM notifications WHERE person_id = ? AND id <= ?", {person_id, edge->i64(0)}));
  return Ok();
}

Result<bj::array> list(Conn& c, int64_t person_id, bool unread_only, int64_t before_id, int limit) {
  static const std::string all = std::string("SELECT ") + kColumns +
                                 " FROM notifications WHERE person_id = ? AND id < ? ORDER BY id DESC LIMIT ?";
  static const std::string unread = std::string("SELECT ") + kColumns +
                                    " FROM notifications WHERE person_id = ? AND id < ? AND read_at IS NULL "
                                    "ORDER BY id DESC LIMIT ?";
  SL_ASSIGN(auto rows, c.query(unread_only ? unread : all, {person_id, before_id, int64_t{limit}}));
  bj::array items;
  items.reserve(rows.size());
  for (const Row& r : rows) items.push_back(item_from_row(r));
  return items;
}

Result<std::optional<bj::object>> find(Conn& c, int64_t person_id, int64_t id) {
  static const std::string sql = std::string("SELECT ") + kColumns + " FROM notifications WHERE id = ? AND person_id = ?";
  SL_ASSIGN(auto r, c.query_one(sql, {id, person_id}));
  if (!r) return std::optional<bj::object>();
  return std::optional<bj::object>(item_from_row(*r));
}

Result<int64_t> unread_count(Conn& c, int64_t person_id) {
  SL_ASSIGN(auto r, c.query_one("SELECT COUNT(*) FROM notifications WHERE person_id = ? AND read_at IS NULL", {person_id}));
  return r ? r->i64(0) : 0;
}

Result<int64_t> mark_read(Conn& c, int64_t person_id, int64_t id, TimeMs at) {
  return c.exec("UPDATE notifications SET read_at = ? WHERE id = ? AND person_id = ? AND read_at IS NULL",
                {at, id, person_id});
}

Result<int64_t> mark_all_read(Conn& c, int64_t person_id, TimeMs at) {
  return c.exec("UPDATE notifications SET read_at = ? WHERE person_id = ? AND read_at IS NULL", {at, person_id});
}

Status delete_for_person(Conn& c, int64_t person_id) {
  SL_TRY(c.exec("DELETE FROM notifications WHERE person_id = ?", {person_id}));
  return Ok();
}

}  // namespace sl::notifications::store
