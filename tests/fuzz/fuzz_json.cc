// Fuzz target: the JSON bodies of the main write routes. Input: byte 0 picks the route from
// kRoutes, byte 1 the caller (fuzz_world.h kCallers: admin, staff, member, ... or nobody),
// byte 2 the id put into the path's {id} (1..16: demo records exist there, others do not);
// the rest is the request body. The request goes through the router, the middleware and the
// real handler on the demo data. Routes that end the caller's own session or account
// (logout, erasure, password changes, deleting people) are left out: they would leave the
// fuzzer signed out for the rest of the run. Every answer: no 5xx, every 4xx a problem+json.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_world.h"

namespace {

struct RouteCase {
  const char* method;
  const char* path;  // {id} is replaced; {kind}/{action}/{date} have fixed values
};

constexpr RouteCase kRoutes[] = {
    {"POST", "/api/v1/auth/login"},
    {"POST", "/api/v1/auth/sms-codes"},
    {"POST", "/api/v1/auth/register"},
    {"POST", "/api/v1/auth/password-reset"},
    {"PATCH", "/api/v1/me"},
    {"POST", "/api/v1/orgs"},
    {"PATCH", "/api/v1/orgs/{id}"},
    {"POST", "/api/v1/orgs/{id}/sectors"},
    {"PATCH", "/api/v1/sectors/{id}"},
    {"POST", "/api/v1/orgs/{id}/members"},
    {"PATCH", "/api/v1/memberships/{id}"},
    {"PATCH", "/api/v1/people/{id}"},
    {"POST", "/api/v1/ledger/cosignatures"},
    {"PATCH", "/api/v1/me/notification-settings"},
    {"POST", "/api/v1/deliberations"},
    {"PATCH", "/api/v1/deliberations/{id}"},
    {"POST", "/api/v1/deliberations/{id}/state"},
    {"POST", "/api/v1/deliberations/{id}/phase"},
    {"POST", "/api/v1/deliberations/{id}/posts"},
    {"POST", "/api/v1/deliberations/{id}/bans"},
    {"PATCH", "/api/v1/posts/{id}"},
    {"POST", "/api/v1/posts/{id}/hide"},
    {"POST", "/api/v1/posts/{id}/remove"},
    {"POST", "/api/v1/posts/{id}/reports"},
    {"POST", "/api/v1/posts/{id}/points"},
    {"PATCH", "/api/v1/points/{id}"},
    {"POST", "/api/v1/points/{id}/assign"},
    {"POST", "/api/v1/points/{id}/claim"},
    {"POST", "/api/v1/points/{id}/answers"},
    {"POST", "/api/v1/points/{id}/ask-again"},
    {"POST", "/api/v1/topic-calls"},
    {"PATCH", "/api/v1/topic-calls/{id}"},
    {"POST", "/api/v1/topics"},
    {"POST", "/api/v1/topics/similar"},
    {"PATCH", "/api/v1/topics/{id}"},
    {"POST", "/api/v1/topics/{id}/screen"},
    {"POST", "/api/v1/topics/{id}/merge"},
    {"POST", "/api/v1/topics/{id}/deliberation"},
    {"POST", "/api/v1/surveys"},
    {"PATCH", "/api/v1/surveys/{id}"},
    {"POST", "/api/v1/surveys/{id}/state"},
    {"POST", "/api/v1/surveys/{id}/responses"},
    {"PUT", "/api/v1/orgs/{id}/case-settings/proposal"},
    {"POST", "/api/v1/cases"},
    {"PATCH", "/api/v1/cases/{id}"},
    {"POST", "/api/v1/cases/{id}/actions/accept"},
    {"POST", "/api/v1/cases/{id}/actions/answer"},
    {"POST", "/api/v1/calendar/days"},
    {"POST", "/api/v1/orgs/{id}/calendar/days"},
    {"POST", "/api/v1/testing/clock"},
};
constexpr size_t kRouteCount = sizeof(kRoutes) / sizeof(kRoutes[0]);

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sl::fuzz::world();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  auto& w = sl::fuzz::world();
  const RouteCase& rc = kRoutes[data[0] % kRouteCount];
  const char* login = sl::fuzz::kCallers[data[1] % sl::fuzz::kCallerCount];
  int id = 1 + data[2] % 16;

  sl::net::HttpRequest req;
  req.method = rc.method;
  req.path = rc.path;
  if (auto p = req.path.find("{id}"); p != std::string::npos) req.path.replace(p, 4, std::to_string(id));
  req.target = req.path;
  req.body.assign(reinterpret_cast<const char*>(data + 3), size - 3);
  req.remote_addr = "192.0.2.7";
  req.request_id = "fuzz";
  req.headers.emplace_back("content-type", "application/json");
  if (*login != '\0') req.headers.emplace_back("authorization", "Bearer " + w.tokens.at(login));

  const auto& router = w.app->router();
  auto m = router.match(req);
  if (m.route == nullptr) sl::fuzz::fail("json", "no route for " + std::string(rc.method) + " " + req.path);
  // An exception escaping a handler (a 500 on a real connection) ends the run here.
  sl::fuzz::check_response(router.handle(m, req), std::string("json ") + rc.method + " " + rc.path);
  return 0;
}
