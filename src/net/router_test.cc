#include "net/router.h"

#include <gtest/gtest.h>

namespace sl::net {
namespace {

HttpRequest req(std::string method, std::string target) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = target;
  size_t q = target.find('?');
  r.path = percent_decode(target.substr(0, q), false);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  return r;
}

Handler text(std::string s) {
  return [s](HttpRequest&) { return HttpResponse::json(200, s); };
}

TEST(RouterTest, MatchesLiteralsAndParams) {
  Router r;
  r.get("/api/v1/orgs", text("list"));
  r.get("/api/v1/orgs/{id}", text("one"));
  r.get("/api/v1/orgs/mine", text("mine"));
  r.get("/api/v1/orgs/{org_id}/members/{member_id}", text("member"));
  r.post("/api/v1/orgs", text("create"));

  auto q = req("GET", "/api/v1/orgs/42?x=1");
  auto m = r.match(q);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/orgs/{id}");
  EXPECT_EQ(q.path_param("id"), "42");
  EXPECT_FALSE(m.offload());

  auto mine = req("GET", "/api/v1/orgs/mine");
  EXPECT_EQ(r.match(mine).route->pattern, "/api/v1/orgs/mine");  // literal wins

  auto mem = req("GET", "/api/v1/orgs/7/members/u%2F1");
  auto mm = r.match(mem);
  ASSERT_NE(mm.route, nullptr);
  EXPECT_EQ(mem.path_param("org_id"), "7");
  EXPECT_EQ(mem.path_param("member_id"), "u/1");  // %2F stays inside the param

  auto post = req("POST", "/api/v1/orgs");
  auto pm = r.match(post);
  ASSERT_NE(pm.route, nullptr);
  EXPECT_TRUE(pm.offload());
  EXPECT_EQ(r.handle(pm, post).body, "create");
}

TEST(RouterTest, NoMatchAndEmptySegments) {
  Router r;
  r.get("/api/v1/orgs/{id}", text("one"));
  for (const char* t : {"/api/v1/orgs/", "/api/v1/orgs", "/api/v1/orgs/1/extra", "/api/v2/orgs/1", "api/v1/orgs/1", ""}) {
    auto q = req("GET", t);
    auto m = r.match(q);
    EXPECT_EQ(m.route, nullptr) << t;
    EXPECT_FALSE(m.method_not_allowed) << t;
  }
}

TEST(RouterTest, BacktracksFromLiteralToParam) {
  Router r;
  r.get("/a/b/c", text("abc"));
  r.get("/a/{x}/d", text("axd"));
  auto q = req("GET", "/a/b/d");
  auto m = r.match(q);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/a/{x}/d");
  EXPECT_EQ(q.path_param("x"), "b");
}

TEST(RouterTest, MethodNotAllowedListsAllow) {
  Router r;
  r.get("/api/v1/items/{id}", text("get"));
  r.put("/api/v1/items/{id}", text("put"));
  r.del("/api/v1/items/{id}", text("del"));
  auto q = req("POST", "/api/v1/items/3");
  auto m = r.match(q);
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.method_not_allowed);
  EXPECT_EQ(m.allow, "GET, HEAD, PUT, DELETE");
  HttpResponse resp = r.handle(m, q);
  EXPECT_EQ(resp.status, 405);
  EXPECT_EQ(resp.header("Allow"), "GET, HEAD, PUT, DELETE");

  auto head = req("HEAD", "/api/v1/items/3");
  auto hm = r.match(head);
  ASSERT_NE(hm.route, nullptr);
  EXPECT_EQ(hm.route->method, "GET");

  auto none = req("GET", "/api/v1/nothing");
  EXPECT_EQ(r.handle(r.match(none), none).status, 404);
}

TEST(RouterTest, MiddlewareOutermostFirst) {
  Router r;
  std::string trace;
  r.use([&](HttpRequest& q, const Route& route, const Handler& next) {
    trace += "A(" + route.pattern + ")";
    HttpResponse resp = next(q);
    trace += "a";
    resp.set_header("X-A", "1");
    return resp;
  });
  r.use([&](HttpRequest& q, const Route&, const Handler& next) {
    trace += "B";
    if (q.header("authorization").empty()) return HttpResponse::problem(Error::Unauthenticated());
    HttpResponse resp = next(q);
    trace += "b";
    return resp;
  });
  r.get("/x", [&](HttpRequest&) {
    trace += "H";
    return HttpResponse::json(200, "ok");
  });
  auto q = req("GET", "/x");
  q.headers.emplace_back("authorization", "Bearer t");
  auto resp = r.handle(r.match(q), q);
  EXPECT_EQ(trace, "A(/x)BHba");
  EXPECT_EQ(resp.body, "ok");
  EXPECT_EQ(resp.header("x-a"), "1");

  trace.clear();
  auto anon = req("GET", "/x");
  EXPECT_EQ(r.handle(r.match(anon), anon).status, 401);
  EXPECT_EQ(trace, "A(/x)Ba");
}

TEST(RouterTest, OffloadAll) {
  Router r;
  r.get("/x", text("x"));
  auto q = req("GET", "/x");
  EXPECT_FALSE(r.match(q).offload());
  r.set_offload_all(true);
  EXPECT_TRUE(r.match(q).offload());
  r.get("/y", text("y"), true);
  r.set_offload_all(false);
  auto y = req("GET", "/y");
  EXPECT_TRUE(r.match(y).offload());
}

TEST(RouterTest, DuplicateRouteRejected) {
  Router r;
  r.get("/x/{a}", text("x"));
  EXPECT_THROW(r.get("/x/{b}", text("x")), std::invalid_argument);
  EXPECT_NO_THROW(r.post("/x/{b}", text("x")));
}

}  // namespace
}  // namespace sl::net
