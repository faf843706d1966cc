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

TEST(RouterTest, CatchAllTakesTheRawRestOfThePath) {
  Router r;
  r.get("/api/v1/ledger/key", text("key"));
  r.get("/api/v1/ledger/tile/{path...}", text("tile"));
  r.get("/api/v1/ledger/tile/special", text("special"));

  auto q = req("GET", "/api/v1/ledger/tile/1/x001/234/067.p/5?x=1");
  auto m = r.match(q);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/ledger/tile/{path...}");
  EXPECT_EQ(q.path_param("path"), "1/x001/234/067.p/5");
  EXPECT_EQ(r.handle(m, q).body, "tile");

  auto one = req("GET", "/api/v1/ledger/tile/entries");
  ASSERT_NE(r.match(one).route, nullptr);
  EXPECT_EQ(one.path_param("path"), "entries");

  // Raw: neither %2F nor any other escape is decoded, so '/' and '%2F' stay distinct.
  auto enc = req("GET", "/api/v1/ledger/tile/a%2Fb/%30%20c");
  ASSERT_NE(r.match(enc).route, nullptr);
  EXPECT_EQ(enc.path_param("path"), "a%2Fb/%30%20c");

  // Empty segments inside the rest are kept as they are.
  auto slashes = req("GET", "/api/v1/ledger/tile/a//b/");
  ASSERT_NE(r.match(slashes).route, nullptr);
  EXPECT_EQ(slashes.path_param("path"), "a//b/");

  // A literal sibling wins; a longer path under it falls back to the catch-all.
  auto special = req("GET", "/api/v1/ledger/tile/special");
  EXPECT_EQ(r.match(special).route->pattern, "/api/v1/ledger/tile/special");
  auto deeper = req("GET", "/api/v1/ledger/tile/special/more");
  EXPECT_EQ(r.match(deeper).route->pattern, "/api/v1/ledger/tile/{path...}");
  EXPECT_EQ(deeper.path_param("path"), "special/more");

  // One or more non-empty segments: nothing, or only a trailing slash, is no match.
  for (const char* t : {"/api/v1/ledger/tile", "/api/v1/ledger/tile/", "/api/v1/ledger"}) {
    auto none = req("GET", t);
    auto nm = r.match(none);
    EXPECT_EQ(nm.route, nullptr) << t;
    EXPECT_FALSE(nm.method_not_allowed) << t;
  }

  // Methods: GET serves HEAD; others are 405 with Allow.
  auto head = req("HEAD", "/api/v1/ledger/tile/0/000");
  ASSERT_NE(r.match(head).route, nullptr);
  auto post = req("POST", "/api/v1/ledger/tile/0/000");
  auto pm = r.match(post);
  EXPECT_EQ(pm.route, nullptr);
  EXPECT_TRUE(pm.method_not_allowed);
  EXPECT_EQ(pm.allow, "GET, HEAD");
}

TEST(RouterTest, CatchAllAfterParamsAndBacktracking) {
  Router r;
  r.get("/files/{bucket}/{key...}", text("file"));
  r.get("/files/{bucket}/meta", text("meta"));
  r.get("/a/{x}", text("ax"));
  r.get("/a/{rest...}", text("arest"));
  r.post("/a/{rest...}", text("apost"));

  auto f = req("GET", "/files/b%20x/dir/sub/name.txt");
  auto fm = r.match(f);
  ASSERT_NE(fm.route, nullptr);
  EXPECT_EQ(fm.route->pattern, "/files/{bucket}/{key...}");
  EXPECT_EQ(f.path_param("bucket"), "b x");  // ordinary params are still decoded
  EXPECT_EQ(f.path_param("key"), "dir/sub/name.txt");

  auto meta = req("GET", "/files/b/meta");
  EXPECT_EQ(r.match(meta).route->pattern, "/files/{bucket}/meta");
  auto metaish = req("GET", "/files/b/meta/x");
  EXPECT_EQ(r.match(metaish).route->pattern, "/files/{bucket}/{key...}");
  EXPECT_EQ(metaish.path_param("key"), "meta/x");

  // {x} before {rest...} for one segment; the catch-all for more.
  auto one = req("GET", "/a/b");
  EXPECT_EQ(r.match(one).route->pattern, "/a/{x}");
  auto two = req("GET", "/a/b/c");
  EXPECT_EQ(r.match(two).route->pattern, "/a/{rest...}");
  EXPECT_EQ(two.path_param("rest"), "b/c");
  auto postone = req("POST", "/a/b");
  auto pm = r.match(postone);
  ASSERT_NE(pm.route, nullptr);  // {x} has no POST: backtracks to the catch-all
  EXPECT_EQ(pm.route->pattern, "/a/{rest...}");
  EXPECT_EQ(postone.path_param("rest"), "b");
  auto put = req("PUT", "/a/b");
  auto pu = r.match(put);
  EXPECT_TRUE(pu.method_not_allowed);
  EXPECT_EQ(pu.allow, "GET, HEAD, POST");
}

TEST(RouterTest, CatchAllPatternRules) {
  Router r;
  EXPECT_THROW(r.get("/x/{rest...}/more", text("x")), std::invalid_argument);  // must be last
  EXPECT_THROW(r.get("/x/{...}", text("x")), std::invalid_argument);           // needs a name
  EXPECT_THROW(r.get("/x/{a...b}", text("x")), std::invalid_argument);
  r.get("/x/{rest...}", text("x"));
  EXPECT_THROW(r.get("/x/{other...}", text("x")), std::invalid_argument);  // duplicate
  EXPECT_NO_THROW(r.get("/x/{one}", text("x")));                            // a plain param is distinct
}

// Existing routes match exactly as before when a catch-all is registered beside them.
TEST(RouterTest, CatchAllLeavesOtherRoutesAlone) {
  Router r;
  r.get("/api/v1/orgs/{id}", text("one"));
  r.get("/api/v1/orgs/{org_id}/members/{member_id}", text("member"));
  r.get("/api/v1/{rest...}", text("rest"));
  auto q = req("GET", "/api/v1/orgs/7/members/u%2F1");
  auto m = r.match(q);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/orgs/{org_id}/members/{member_id}");
  EXPECT_EQ(q.path_param("member_id"), "u/1");
  auto other = req("GET", "/api/v1/orgs/7/other");
  EXPECT_EQ(r.match(other).route->pattern, "/api/v1/{rest...}");
  EXPECT_EQ(other.path_param("rest"), "orgs/7/other");
  auto root = req("GET", "/api/v2/x");
  EXPECT_EQ(r.match(root).route, nullptr);
}

}  // namespace
}  // namespace sl::net
