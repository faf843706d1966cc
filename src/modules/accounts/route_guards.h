// The caller step every module's routes share: who is asking, before the use case runs.
#pragma once

#include "modules/accounts/accounts.h"
#include "modules/common/route_util.h"

namespace sl::accounts {

// A route for signed-in callers: authenticate (401 without a valid session), then the use case
// `f(HttpRequest&, const Caller&)`.
template <typename F>
net::Handler authed(AccountsService& accounts, F f) {
  return routes::handler([&accounts, f = std::move(f)](net::HttpRequest& req) -> Result<net::HttpResponse> {
    SL_ASSIGN(auto caller, accounts.authenticate(req));
    return f(req, caller);
  });
}

// A route anyone may call: the caller, or an anonymous one when the request carries no session
// (an expired session still answers 401, so the client knows to log in again).
template <typename F>
net::Handler anyone(AccountsService& accounts, F f) {
  return routes::handler([&accounts, f = std::move(f)](net::HttpRequest& req) -> Result<net::HttpResponse> {
    access::Caller caller;
    if (auto t = AccountsService::token_of(req); t && !t->empty()) {
      SL_ASSIGN(caller, accounts.authenticate(req));
    }
    return f(req, caller);
  });
}

}  // namespace sl::accounts
