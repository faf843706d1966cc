// Cross-cutting HTTP behaviour, applied to every route through the Router's middleware chain:
//   1. same-origin check for browser writes (cookie sessions): a cross-site Origin is refused;
//   2. Idempotency-Key on POST: a retry with the same key returns the first response;
//   3. ETag / If-None-Match on successful GETs.
// And the system routes: /healthz, /readyz, /metrics, /api/v1/openapi.json.
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "app/application.h"
#include "core/encoding.h"
#include "modules/accounts/accounts.h"
#include "modules/common/route_util.h"
#include "storage/migrations.h"

namespace sl::app {

using net::HttpRequest;
using net::HttpResponse;
using storage::Conn;

namespace {

std::string host_of_origin(std::string_view origin) {
  auto p = origin.find("://");
  if (p == std::string_view::npos) return std::string(origin);
  return std::string(origin.substr(p + 3));
}

bool is_safe(const std::string& m) { return m == "GET" || m == "HEAD" || m == "OPTIONS"; }

// Stored responses keep only what a replay needs.
std::string headers_to_json(const net::Headers& hs) {
  boost::json::array a;
  for (const auto& [k, v] : hs)
    if (k == "Location" || k == "Content-Disposition") a.push_back(boost::json::array{boost::json::string(k), boost::json::string(v)});
  return boost::json::serialize(a);
}

net::Headers headers_from_json(const std::string& s) {
  net::Headers out;
  boost::system::error_code ec;
  auto v = boost::json::parse(s, ec);
  if (ec || !v.is_array()) return out;
  for (auto& e : v.as_array())
    if (e.is_array() && e.as_array().size() == 2)
      out.emplace_back(std::string(e.as_array()[0].as_string()), std::string(e.as_array()[1].as_string()));
  return out;
}

}  // namespace

// Token bucket per client address for writes. Thread-safe.
class WriteLimiter {
 public:
  WriteLimiter(double rate, double burst) : rate_(rate), burst_(burst) {}
  // Seconds to wait before a write is allowed; 0 when allowed now (and counted).
  double take(const std::string& addr, TimeMs now) {
    std::lock_guard lk(mu_);
    if (buckets_.size() > 100000) buckets_.clear();  // memory bound; forgets, never blocks wrongly for long
    auto [it, fresh] = buckets_.try_emplace(addr, Bucket{burst_, now});
    Bucket& b = it->second;
    if (!fresh) {
      b.tokens = std::min(burst_, b.tokens + (now - b.at) / 1000.0 * rate_);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / rate_;
  }

 private:
  struct Bucket {
    double tokens;
    TimeMs at;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mu_
  double rate_, burst_;
};

bool is_cross_origin(const net::HttpRequest& req) {
  auto origin = req.header("origin");
  return !origin.empty() && origin != "null" && host_of_origin(origin) != req.header("host");
}

void install_middleware(net::Router& router, storage::Database& db, const Clock& clock, const ServerConfig& cfg) {
  // 0. Rate of writes per client address.
  if (cfg.write_rate_per_second > 0) {
    auto limiter = std::make_shared<WriteLimiter>(cfg.write_rate_per_second, std::max(1, cfg.write_burst));
    router.use([limiter, &clock](HttpRequest& req, const net::Route&, const net::Handler& next) -> HttpResponse {
      if (is_safe(req.method)) return next(req);
      double wait = limiter->take(req.remote_addr, clock.now_ms());
      if (wait <= 0) return next(req);
      HttpResponse r = routes::problem(Error::TooMany("rate_limited", "操作过于频繁，请稍后再试"), req);
      r.set_header("Retry-After", std::to_string(static_cast<int>(wait) + 1));
      return r;
    });
  }

  // 1. Same-origin check for writes made with a session cookie (CSRF defence next to SameSite).
  router.use([](HttpRequest& req, const net::Route&, const net::Handler& next) -> HttpResponse {
    if (!is_safe(req.method) && req.cookie(accounts::kSessionCookie) && is_cross_origin(req))
      return routes::problem(Error{Code::kForbidden, "cross_origin", "拒绝跨站请求", {}}, req);
    return next(req);
  });

  // 2. Idempotency-Key: the first response to (caller, key) is stored in the same database as
  // the data; a retry replays it. A key reused with a different request is refused.
  // Keys expire after a day. Expired rows are deleted at most once a minute (through the index
  // on created_at, migration 0014), not on every keyed POST; until then a claim treats an
  // expired row as absent.
  constexpr TimeMs kKeyLifetime = int64_t{24} * 3600 * 1000;
  constexpr TimeMs kCleanupEvery = 60 * 1000;
  auto next_cleanup = std::make_shared<std::atomic<TimeMs>>(0);
  router.use([&db, &clock, next_cleanup](HttpRequest& req, const net::Route&, const net::Handler& next) -> HttpResponse {
    auto key = req.header("idempotency-key");
    // Authentication answers carry secrets (session tokens) that must not be stored, and are
    // safe to repeat: a retried login simply logs in again. So the key is ignored there.
    if (req.method != "POST" || key.empty() || req.path.rfind("/api/v1/auth/", 0) == 0) return next(req);
    if (key.size() > 200) return routes::problem(Error::Invalid("invalid_idempotency_key", "Idempotency-Key 过长"), req);
    auto token = accounts::AccountsService::token_of(req);
    std::string scope = (token ? "s:" + sha256_hex(*token) : "a:" + req.remote_addr) + " " + req.path;
    std::string req_hash = sha256_hex(req.body);
    std::string k(key);
    TimeMs now = clock.now_ms();
    std::optional<HttpResponse> replay;
    Status claimed = db.write([&](Conn& c) -> Status {
      replay.reset();
      SL_ASSIGN(auto row, c.query_one("SELECT request_hash, status, content_type, headers, body, created_at "
                                      "FROM idempotency_keys WHERE scope = ? AND idem_key = ?",
                                      {scope, k}));
      if (row && row->i64(5) < now - kKeyLifetime) {  // expired, not yet cleaned up: a new request
        SL_TRY(c.exec("DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ?", {scope, k}));
        row.reset();
      }
      if (row) {
        if (row->str(0) != req_hash)
          return Error{Code::kUnprocessable, "idempotency_key_reused", "该 Idempotency-Key 已用于另一个请求", {}};
        if (row->i64(1) == 0)
          return Error::Conflict("request_in_progress", "相同 Idempotency-Key 的请求正在处理中");
        HttpResponse r;
        r.status = static_cast<int>(row->i64(1));
        r.content_type = row->str(2);
        r.headers = headers_from_json(row->str(3));
        r.body = row->str(4);
        r.set_header("Idempotent-Replayed", "true");
        replay = std::move(r);
        return Ok();
      }
      TimeMs due = next_cleanup->load(std::memory_order_relaxed);
      if (now >= due && next_cleanup->compare_exchange_strong(due, now + kCleanupEvery))
        SL_TRY(c.exec("DELETE FROM idempotency_keys WHERE created_at < ?", {now - kKeyLifetime}));
      SL_TRY(c.exec("INSERT INTO idempotency_keys (scope, idem_key, request_hash, status, created_at) VALUES (?, ?, ?, 0, ?)",
                    {scope, k, req_hash, now}));
      return Ok();
    });
    if (!claimed.ok()) return routes::problem(claimed.error(), req);
    if (replay) return std::move(*replay);
    HttpResponse resp = next(req);
    Status saved = db.write([&](Conn& c) -> Status {
      // A server-side failure is not remembered, so the client's retry can succeed.
      if (resp.status >= 500) {
        SL_TRY(c.exec("DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ?", {scope, k}));
        return Ok();
      }
      SL_TRY(c.exec("UPDATE idempotency_keys SET status = ?, content_type = ?, headers = ?, body = ? WHERE scope = ? AND "
                    "idem_key = ?",
                    {int64_t{resp.status}, resp.content_type, headers_to_json(resp.headers), resp.body, scope, k}));
      return Ok();
    });
    if (!saved.ok()) spdlog::warn("idempotency record not saved: {}", saved.error().message);
    return resp;
  });

  // 3. ETags on successful GETs: computed from the body, unless the handler set one (a cached
  // page keeps its tag); If-None-Match is answered either way.
  router.use([](HttpRequest& req, const net::Route&, const net::Handler& next) -> HttpResponse {
    if (req.method != "GET" && req.method != "HEAD") return next(req);
    HttpResponse resp = next(req);
    if (resp.status != 200 || resp.file) return resp;
    std::string tag(resp.header("ETag"));
    bool preset = !tag.empty();
    if (!preset) tag = routes::etag_of(resp.payload());
    auto inm = req.header("if-none-match");
    if (!inm.empty() && routes::etag_listed(inm, tag)) {
      HttpResponse nm;
      nm.status = 304;
      nm.content_type.clear();
      nm.set_header("ETag", tag);
      for (const auto& [k, v] : resp.headers)
        if (k == "Cache-Control") nm.set_header(k, v);
      return nm;
    }
    if (!preset) resp.set_header("ETag", tag);
    return resp;
  });
}

void register_system_routes(net::Router& router, storage::Database& db, net::Metrics& metrics) {
  router.get("/healthz", [](HttpRequest&) {
    HttpResponse r = HttpResponse::json(200, R"({"status":"ok"})");
    r.set_header("Cache-Control", "no-store");
    return r;
  });
  router.get(
      "/readyz",
      [&db](HttpRequest&) {
        bool reachable = db.ping();
        auto current = reachable ? storage::migrations_current(db) : Result<bool>(false);
        bool migrated = current.ok() && *current;
        boost::json::object o{{"database", reachable}, {"migrations_current", migrated}};
        o["status"] = reachable && migrated ? "ready" : "not_ready";
        HttpResponse r = routes::json(o, reachable && migrated ? 200 : 503);
        r.set_header("Cache-Control", "no-store");
        return r;
      },
      /*offload=*/true);
  router.get("/metrics", [&metrics](HttpRequest&) {
    HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics.render();
    r.set_header("Cache-Control", "no-store");
    return r;
  });
  router.get("/api/v1/openapi.json", [](HttpRequest&) {
    HttpResponse r = HttpResponse::json(200, openapi_json());
    r.set_header("Cache-Control", "public, max-age=300");
    return r;
  });
}

}  // namespace sl::app
