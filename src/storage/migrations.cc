#include "storage/migrations.h"

#include <chrono>
#include <set>

#include "storage/dialect.h"

namespace sl::storage {

namespace {

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Status ensure_table(Conn& c) {
  SL_TRY(c.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                "applied_at BIGINT NOT NULL)"));
  return Ok();
}

Result<std::set<int>> applied(Conn& c) {
  SL_ASSIGN(Rows rows, c.query("SELECT version FROM schema_migrations"));
  std::set<int> out;
  for (auto& r : rows) out.insert(static_cast<int>(r.i64(0)));
  return out;
}

}  // namespace

Result<int> migrate(Database& db) {
  SL_TRY(db.write([](Conn& c) { return ensure_table(c); }));
  int ran = 0;
  for (const Migration& m : embedded_migrations()) {
    // Each migration in its own transaction; re-checked inside it so two processes
    // migrating at once cannot apply one twice (the primary key would refuse it).
    bool did = false;
    SL_TRY(db.write([&](Conn& c) -> Status {
      did = false;
      SL_ASSIGN(auto done, applied(c));
      if (done.count(m.version)) return Ok();
      SL_TRY(c.exec_script(expand_migration(m.sql, c.dialect())));
      SL_TRY(c.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    {int64_t{m.version}, m.name, now_ms()}));
      did = true;
      return Ok();
    }));
    if (did) ++ran;
  }
  return ran;
}

Result<bool> migrations_current(Database& db) {
  return db.read_value<bool>([](Conn& c) -> Result<bool> {
    SL_ASSIGN(auto done, applied(c));
    for (const Migration& m : embedded_migrations())
      if (!done.count(m.version)) return false;
    return true;
  });
}

}  // namespace sl::storage
