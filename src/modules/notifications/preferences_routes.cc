// HTTP routes of one's own notification preferences and delivery records.
#include <boost/json.hpp>

#include "modules/common/route_util.h"
#include "modules/notifications/preferences.h"

namespace sl::notifications {

using net::HttpRequest;
using net::HttpResponse;
using routes::handler;

namespace {

HttpResponse personal(const boost::json::value& v) {
  HttpResponse r = routes::json(v);
  r.set_header("Cache-Control", "private, no-cache");
  return r;
}

}  // namespace

void register_preference_routes(net::Router& router, PreferencesService& svc, accounts::AccountsService& accounts) {
  router.get("/api/v1/me/notification-settings", handler([&](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(auto caller, accounts.authenticate(req));
    SL_ASSIGN(auto out, svc.get(caller));
    return personal(out);
  }));
  router.patch("/api/v1/me/notification-settings", handler([&](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(auto caller, accounts.authenticate(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto out, svc.update(caller, body));
    return personal(out);
  }));
  router.get("/api/v1/inbox/{id}/deliveries", handler([&](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(auto caller, accounts.authenticate(req));
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto out, svc.deliveries(caller, id));
    return personal(out);
  }));
}

}  // namespace sl::notifications
