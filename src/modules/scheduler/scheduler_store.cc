#include "modules/scheduler/scheduler_store.h"

#include <boost/json.hpp>

namespace sl::scheduler::store {

namespace bj = boost::json;

Status ensure_job(Conn& c, std::string_view name, int64_t interval_ms) {
  SL_ASSIGN(int64_t n, c.exec("UPDATE scheduler_jobs SET interval_ms = ? WHERE name = ?", {interval_ms, std::string(name)}));
  if (n == 1) return Ok();
  // Two nodes starting at once may both insert: the loser's unit fails on the key and is
  // simply tried again at its next tick.
  SL_TRY(c.exec("INSERT INTO scheduler_jobs (name, interval_ms) VALUES (?, ?)", {std::string(name), interval_ms}));
  return Ok();
}

Result<std::optional<TimeMs>> last_started(Conn& c, std::string_view name) {
  SL_ASSIGN(auto r, c.query_one("SELECT last_started_at FROM scheduler_jobs WHERE name = ?", {std::string(name)}));
  if (!r || r->is_null(0)) return std::optional<TimeMs>();
  return std::optional<TimeMs>(r->i64(0));
}

Status started(Conn& c, std::string_view name, std::string_view node, TimeMs at) {
  SL_TRY(c.exec("UPDATE scheduler_jobs SET last_started_at = ?, last_node = ?, last_status = 'running', last_error = '' "
                "WHERE name = ?",
                {at, std::string(node), std::string(name)}));
  return Ok();
}

Status finished(Conn& c, std::string_view name, bool ok, std::string_view error, TimeMs at) {
  SL_TRY(c.exec("UPDATE scheduler_jobs SET last_finished_at = ?, last_status = ?, last_error = ?, runs = runs + 1 "
                "WHERE name = ?",
                {at, std::string(ok ? "ok" : "error"), std::string(error), std::string(name)}));
  return Ok();
}

Result<bj::array> list(Conn& c) {
  SL_ASSIGN(auto rows, c.query("SELECT name, interval_ms, last_started_at, last_finished_at, last_node, last_status, "
                               "last_error, runs FROM scheduler_jobs ORDER BY name"));
  bj::array out;
  auto time = [](const storage::Row& r, size_t i) {
    return r.is_null(i) ? bj::value(nullptr) : bj::value(format_iso8601(r.i64(i)));
  };
  for (const auto& r : rows) {
    out.push_back(bj::object{{"name", r.str(0)},
                             {"interval_ms", r.i64(1)},
                             {"last_started_at", time(r, 2)},
                             {"last_finished_at", time(r, 3)},
                             {"last_node", r.str(4)},
                             {"last_status", r.str(5)},
                             {"last_error", r.str(6)},
                             {"runs", r.i64(7)}});
  }
  return out;
}

}  // namespace sl::scheduler::store
