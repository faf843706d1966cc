#include "modules/notifications/delivery_store.h"

#include <boost/json.hpp>

namespace sl::notifications::store {

namespace bj = boost::json;
using storage::Row;

namespace {

std::optional<int> opt_int(const Row& r, size_t i) {
  if (r.is_null(i)) return std::nullopt;
  return static_cast<int>(r.i64(i));
}

storage::Value opt_value(std::optional<int> v) {
  if (!v) return storage::Null{};
  return int64_t{*v};
}

}  // namespace

Result<std::optional<Recipient>> recipient(Conn& c, int64_t person_id) {
  SL_ASSIGN(auto r, c.query_one("SELECT p.locale, p.mobile, p.status, pr.person_id, pr.email, pr.channels, "
                                "pr.quiet_start, pr.quiet_end "
                                "FROM people p LEFT JOIN notification_prefs pr ON pr.person_id = p.id WHERE p.id = ?",
                                {person_id}));
  if (!r) return std::optional<Recipient>();
  Recipient out;
  out.locale = r->str(0);
  out.mobile = r->str(1);
  out.active = r->str(2) == "active";
  out.has_prefs = !r->is_null(3);
  if (out.has_prefs) {
    out.email = r->str(4);
    out.channels_json = r->str(5);
    out.quiet_start = opt_int(*r, 6);
    out.quiet_end = opt_int(*r, 7);
  }
  return std::optional<Recipient>(std::move(out));
}

Status insert_delivery(Conn& c, const NewDelivery& d, TimeMs at) {
  SL_TRY(c.exec("INSERT INTO notification_deliveries (notification_id, person_id, channel, kind, urgent, address, locale, "
                "subject, body, link, state, attempts, due_at, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
                {d.notification_id, d.person_id, d.channel, d.kind, int64_t{d.urgent ? 1 : 0}, d.address, d.locale,
                 d.subject, d.body, d.link, at, at}));
  return Ok();
}

Result<std::vector<DueRow>> due(Conn& c, TimeMs now, int limit) {
  // The delivery rows are locked (PostgreSQL) so that another node's claim skips them instead
  // of waiting; the preferences are only read.
  static const std::string base =
      "SELECT d.id, d.person_id, d.notification_id, d.channel, d.kind, d.address, d.locale, d.subject, d.body, d.link, "
      "d.attempts, d.state, d.urgent, pr.person_id, pr.quiet_start, pr.quiet_end "
      "FROM notification_deliveries d LEFT JOIN notification_prefs pr ON pr.person_id = d.person_id "
      "WHERE d.state IN ('pending','sending') AND d.due_at <= ? ORDER BY d.due_at, d.id LIMIT ?";
  static const std::string pg = base + " FOR UPDATE OF d SKIP LOCKED";
  SL_ASSIGN(auto rows, c.query(c.dialect() == storage::Dialect::kPostgres ? pg : base, {now, int64_t{limit}}));
  std::vector<DueRow> out;
  out.reserve(rows.size());
  for (const Row& r : rows) {
    DueRow d;
    d.m.id = r.i64(0);
    d.m.person_id = r.i64(1);
    d.m.notification_id = r.i64(2);
    d.m.channel = r.str(3);
    d.m.kind = r.str(4);
    d.m.address = r.str(5);
    d.m.locale = r.str(6);
    d.m.subject = r.str(7);
    d.m.body = r.str(8);
    d.m.link = r.str(9);
    d.m.attempt = static_cast<int>(r.i64(10));
    d.state = r.str(11);
    d.urgent = r.i64(12) != 0;
    d.has_prefs = !r.is_null(13);
    d.quiet_start = opt_int(r, 14);
    d.quiet_end = opt_int(r, 15);
    out.push_back(std::move(d));
  }
  return out;
}

Status postpone(Conn& c, int64_t id, TimeMs until) {
  SL_TRY(c.exec("UPDATE notification_deliveries SET due_at = ? WHERE id = ? AND state = 'pending'", {until, id}));
  return Ok();
}

Result<bool> take(Conn& c, int64_t id, std::string_view state, int attempts, std::string_view owner,
                  TimeMs lease_until) {
  SL_ASSIGN(int64_t n, c.exec("UPDATE notification_deliveries SET state = 'sending', attempts = attempts + 1, "
                              "lease_owner = ?, due_at = ? WHERE id = ? AND state = ? AND attempts = ?",
                              {std::string(owner), lease_until, id, std::string(state), int64_t{attempts}}));
  return n == 1;
}

Result<bool> abandon(Conn& c, int64_t id, int attempts, TimeMs at) {
  SL_ASSIGN(int64_t n, c.exec("UPDATE notification_deliveries SET state = 'failed', lease_owner = '', finished_at = ?, "
                              "last_error = 'gave up: the last attempt ended without an outcome' "
                              "WHERE id = ? AND state = 'sending' AND attempts = ?",
                              {at, id, int64_t{attempts}}));
  return n == 1;
}

Status start_attempt(Conn& c, int64_t delivery_id, int attempt, std::string_view node, TimeMs at) {
  SL_TRY(c.exec("INSERT INTO notification_attempts (delivery_id, attempt, node, started_at, outcome) "
                "VALUES (?, ?, ?, ?, 'started')",
                {delivery_id, int64_t{attempt}, std::string(node), at}));
  return Ok();
}

Status lose_attempt(Conn& c, int64_t delivery_id, int attempt, TimeMs at) {
  SL_TRY(c.exec("UPDATE notification_attempts SET outcome = 'lost', finished_at = ?, "
                "detail = 'lease ran out without an outcome (the node stopped or stalled)' "
                "WHERE delivery_id = ? AND attempt = ? AND outcome = 'started'",
                {at, delivery_id, int64_t{attempt}}));
  return Ok();
}

Result<bool> finish(Conn& c, int64_t id, std::string_view owner, int attempt, std::string_view state, TimeMs next_at,
                    std::string_view error, TimeMs at) {
  bool final_state = state != "pending";
  storage::Value finished = final_state ? storage::Value(at) : storage::Value(storage::Null{});
  SL_ASSIGN(int64_t n, c.exec("UPDATE notification_deliveries SET state = ?, due_at = ?, lease_owner = '', "
                              "finished_at = ?, last_error = ? "
                              "WHERE id = ? AND state = 'sending' AND lease_owner = ? AND attempts = ?",
                              {std::string(state), next_at, finished, std::string(error), id, std::string(owner),
                               int64_t{attempt}}));
  return n == 1;
}

Status finish_attempt(Conn& c, int64_t delivery_id, int attempt, std::string_view outcome, std::string_view detail,
                      TimeMs at) {
  SL_TRY(c.exec("UPDATE notification_attempts SET outcome = ?, detail = ?, finished_at = ? "
                "WHERE delivery_id = ? AND attempt = ?",
                {std::string(outcome), std::string(detail), at, delivery_id, int64_t{attempt}}));
  return Ok();
}

Result<bj::array> deliveries_of(Conn& c, int64_t person_id, int64_t notification_id) {
  SL_ASSIGN(auto rows, c.query("SELECT id, channel, state, attempts, due_at, created_at, finished_at, last_error "
                               "FROM notification_deliveries WHERE notification_id = ? AND person_id = ? ORDER BY id",
                               {notification_id, person_id}));
  SL_ASSIGN(auto att, c.query("SELECT a.delivery_id, a.attempt, a.started_at, a.finished_at, a.outcome, a.detail "
                              "FROM notification_attempts a JOIN notification_deliveries d ON d.id = a.delivery_id "
                              "WHERE d.notification_id = ? AND d.person_id = ? ORDER BY a.delivery_id, a.attempt",
                              {notification_id, person_id}));
  bj::array out;
  for (const Row& r : rows) {
    bj::array attempts;
    for (const Row& a : att) {
      if (a.i64(0) != r.i64(0)) continue;
      attempts.push_back(bj::object{
          {"attempt", a.i64(1)},
          {"started_at", format_iso8601(a.i64(2))},
          {"finished_at", a.is_null(3) ? bj::value(nullptr) : bj::value(format_iso8601(a.i64(3)))},
          {"outcome", a.str(4)},
          {"detail", a.str(5)},
      });
    }
    std::string state = r.str(2);
    out.push_back(bj::object{
        {"id", r.i64(0)},
        {"channel", r.str(1)},
        {"state", state},
        {"attempts", r.i64(3)},
        {"next_attempt_at", state == "pending" ? bj::value(format_iso8601(r.i64(4))) : bj::value(nullptr)},
        {"created_at", format_iso8601(r.i64(5))},
        {"finished_at", r.is_null(6) ? bj::value(nullptr) : bj::value(format_iso8601(r.i64(6)))},
        {"last_error", r.str(7)},
        {"attempt_log", std::move(attempts)},
    });
  }
  return out;
}

Result<int64_t> delete_finished(Conn& c, TimeMs before) {
  SL_TRY(c.exec("DELETE FROM notification_attempts WHERE delivery_id IN (SELECT id FROM notification_deliveries "
                "WHERE state IN ('sent','failed') AND finished_at < ?)",
                {before}));
  return c.exec("DELETE FROM notification_deliveries WHERE state IN ('sent','failed') AND finished_at < ?", {before});
}

Status delete_for_person_deliveries(Conn& c, int64_t person_id) {
  // PostgreSQL: lock the person's deliveries first, so a dispatcher recording an attempt right
  // now finishes before the attempts are deleted (else its attempt, committed after that
  // DELETE, would make the deliveries' DELETE violate the foreign key), and a later one waits
  // and finds the delivery gone. SQLite has one writer at a time.
  if (c.dialect() == storage::Dialect::kPostgres)
    SL_TRY(c.query("SELECT id FROM notification_deliveries WHERE person_id = ? ORDER BY id FOR UPDATE", {person_id}));
  SL_TRY(c.exec("DELETE FROM notification_attempts WHERE delivery_id IN "
                "(SELECT id FROM notification_deliveries WHERE person_id = ?)",
                {person_id}));
  SL_TRY(c.exec("DELETE FROM notification_deliveries WHERE person_id = ?", {person_id}));
  SL_TRY(c.exec("DELETE FROM notification_prefs WHERE person_id = ?", {person_id}));
  return Ok();
}

Status save_prefs(Conn& c, int64_t person_id, std::string_view email, std::string_view channels_json,
                  std::optional<int> quiet_start, std::optional<int> quiet_end, TimeMs at) {
  SL_ASSIGN(int64_t n, c.exec("UPDATE notification_prefs SET email = ?, channels = ?, quiet_start = ?, quiet_end = ?, "
                              "updated_at = ? WHERE person_id = ?",
                              {std::string(email), std::string(channels_json), opt_value(quiet_start),
                               opt_value(quiet_end), at, person_id}));
  if (n == 1) return Ok();
  SL_TRY(c.exec("INSERT INTO notification_prefs (person_id, email, channels, quiet_start, quiet_end, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                {person_id, std::string(email), std::string(channels_json), opt_value(quiet_start),
                 opt_value(quiet_end), at}));
  return Ok();
}

}  // namespace sl::notifications::store
