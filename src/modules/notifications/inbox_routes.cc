// HTTP routes of the inbox: JSON in, JSON out; every route is the caller's own inbox.
#include <boost/json.hpp>

#include "core/json.h"
#include "modules/accounts/route_guards.h"
#include "modules/common/route_util.h"
#include "modules/notifications/inbox.h"

namespace sl::notifications {

using net::HttpRequest;
using net::HttpResponse;
using routes::handler;
using accounts::authed;

namespace {

// Personal: no shared cache may keep it; the browser revalidates with the ETag.
HttpResponse personal(const bj::value& v) {
  HttpResponse r = routes::json(v);
  r.set_header("Cache-Control", "private, no-cache");
  return r;
}

Result<bool> unread_param(const HttpRequest& req) {
  auto v = req.query_param("unread");
  if (!v || v->empty() || *v == "0" || *v == "false") return false;
  if (*v == "1" || *v == "true") return true;
  return Error::Invalid("invalid_unread", "unread 须为 1 或 0");
}

}  // namespace

void register_routes(net::Router& router, InboxService& svc, accounts::AccountsService& accounts) {
  router.get("/api/v1/inbox", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(bool unread, unread_param(req));
    int64_t before = 0;
    if (auto c = req.query_param("cursor"); c && !c->empty()) {
      SL_ASSIGN(before, json::decode_cursor(*c));
    }
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit"), 20, 100));
    SL_ASSIGN(auto page, svc.list(caller, unread, before, limit));
    return personal(page);
  }));
  router.post("/api/v1/inbox/{id}/read", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto out, svc.mark_read(caller, id));
    return routes::json(out);
  }));
  router.post("/api/v1/inbox/read-all", authed(accounts, [&svc](HttpRequest&, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(auto out, svc.mark_all_read(caller));
    return routes::json(out);
  }));
}

}  // namespace sl::notifications
