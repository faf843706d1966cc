// The PostgreSQL LeaderLock (see storage/leader_lock.h): a session advisory lock on a
// connection of its own.
#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <string>

#include "storage/leader_lock.h"
#include "storage/postgres/postgres_database.h"

namespace sl::storage {

namespace {

class PgLeaderLock final : public LeaderLock {
 public:
  PgLeaderLock(std::string url, int64_t key) : url_(std::move(url)), key_(std::to_string(key)) {}
  ~PgLeaderLock() override { release(); }

  bool hold() override {
    if (held_) {
      // While our session lives, the lock is ours: a round trip proves the session lives.
      if (query_bool("SELECT true", nullptr)) return true;
      spdlog::warn("cluster lock {}: lost the connection that held it", key_);
      disconnect();
    }
    if (!connect()) return false;
    const char* params[] = {key_.c_str()};
    held_ = query_bool("SELECT pg_try_advisory_lock($1::bigint)", params);
    return held_;
  }

  void release() override { disconnect(); }

 private:
  bool connect() {
    if (pg_ != nullptr && PQstatus(pg_) == CONNECTION_OK) return true;
    disconnect();
    // Earlier entries are defaults; whatever the URL says wins. Keepalives and a TCP user
    // timeout make a silent network failure end the session on both sides within seconds.
    const char* keys[] = {"application_name", "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
                          "keepalives_count", "tcp_user_timeout", "dbname", nullptr};
    const char* vals[] = {"shangliang-scheduler", "5", "1", "5", "2", "3", "10000", url_.c_str(), nullptr};
    pg_ = PQconnectdbParams(keys, vals, /*expand_dbname=*/1);
    if (pg_ == nullptr || PQstatus(pg_) != CONNECTION_OK) {
      if (!warned_) spdlog::warn("cluster lock {}: cannot connect: {}", key_, pg_ ? PQerrorMessage(pg_) : "out of memory");
      warned_ = true;
      disconnect();
      return false;
    }
    warned_ = false;
    // The server side of the same: notice a vanished holder and release its lock.
    PGresult* r = PQexec(pg_, "SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; "
                              "SET tcp_keepalives_count = 3; SET tcp_user_timeout = 10000");
    PQclear(r);
    return true;
  }

  bool query_bool(const char* sql, const char* const* params) {
    if (pg_ == nullptr) return false;
    PGresult* r = params ? PQexecParams(pg_, sql, 1, nullptr, params, nullptr, nullptr, 0) : PQexec(pg_, sql);
    bool ok = r != nullptr && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
              std::string_view(PQgetvalue(r, 0, 0)) == "t";
    PQclear(r);
    return ok;
  }

  void disconnect() {
    if (pg_ != nullptr) PQfinish(pg_);  // ends the session: the server releases the lock
    pg_ = nullptr;
    held_ = false;
  }

  std::string url_, key_;
  PGconn* pg_ = nullptr;
  bool held_ = false;
  bool warned_ = false;
};

}  // namespace

std::unique_ptr<LeaderLock> make_postgres_leader_lock(const std::string& url, int64_t key) {
  return std::make_unique<PgLeaderLock>(url, key);
}

}  // namespace sl::storage
