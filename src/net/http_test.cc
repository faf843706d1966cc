#include "net/http.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace sl::net {
namespace {

HttpRequest with_query(std::string q) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/api/v1/x";
  r.query = std::move(q);
  r.target = r.path + "?" + r.query;
  return r;
}

// Found by fuzz_http: GET /%B1pi/v1/me answered 404 with the raw byte 0xB1 in "instance",
// which made the problem body invalid JSON.
TEST(HttpResponseTest, ProblemBodyIsValidJsonForInvalidUtf8) {
  HttpResponse r = HttpResponse::problem(404, "not_found", "x\xB1y", "/\xB1pi/v1/\xE4\xB8\xAD");
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  ASSERT_FALSE(ec) << r.body;
  EXPECT_EQ(v.at("instance").as_string(), "/\xEF\xBF\xBDpi/v1/\xE4\xB8\xAD");
  EXPECT_EQ(v.at("detail").as_string(), "x\xEF\xBF\xBDy");
}

TEST(HttpRequestTest, QueryParamDecodesPercentAndPlus) {
  HttpRequest r = with_query("q=%E5%85%BB%E8%80%81+%E6%89%B6%E8%B4%AB&limit=10&empty=&flag&q=second");
  EXPECT_EQ(r.query_param("q"), "养老 扶贫");
  EXPECT_EQ(r.query_param("limit"), "10");
  EXPECT_EQ(r.query_param("empty"), "");
  EXPECT_EQ(r.query_param("flag"), "");
  EXPECT_FALSE(r.query_param("missing").has_value());
  EXPECT_FALSE(r.query_param("lim").has_value());
}

TEST(HttpRequestTest, QueryParamEncodedKeyAndLiteralPercent) {
  HttpRequest r = with_query("a%5Bb%5D=1&pct=100%25&bad=%zz&plus=%2B");
  EXPECT_EQ(r.query_param("a[b]"), "1");
  EXPECT_EQ(r.query_param("pct"), "100%");
  EXPECT_EQ(r.query_param("bad"), "%zz");
  EXPECT_EQ(r.query_param("plus"), "+");
}

TEST(HttpRequestTest, HeaderAndPathParam) {
  HttpRequest r;
  r.headers = {{"content-type", "application/json"}, {"x-a", "1"}};
  r.path_params = {{"id", "42"}};
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("x-b"), "");
  EXPECT_EQ(r.path_param("id"), "42");
  EXPECT_EQ(r.path_param("other"), "");
}

TEST(HttpRequestTest, Cookies) {
  HttpRequest r;
  r.headers = {{"cookie", "a=1; sl_session=abc.def;  quoted=\"x y\" ;noeq; b = 2"}};
  EXPECT_EQ(r.cookie("sl_session"), "abc.def");
  EXPECT_EQ(r.cookie("a"), "1");
  EXPECT_EQ(r.cookie("quoted"), "x y");
  EXPECT_EQ(r.cookie("b"), "2");
  EXPECT_FALSE(r.cookie("noeq").has_value());
  EXPECT_FALSE(r.cookie("sl").has_value());
  HttpRequest none;
  EXPECT_FALSE(none.cookie("a").has_value());
}

TEST(HttpTest, StatusTable) {
  EXPECT_EQ(status_for(Code::kInvalidArgument), 400);
  EXPECT_EQ(status_for(Code::kUnauthenticated), 401);
  EXPECT_EQ(status_for(Code::kForbidden), 403);
  EXPECT_EQ(status_for(Code::kNotFound), 404);
  EXPECT_EQ(status_for(Code::kGone), 410);
  EXPECT_EQ(status_for(Code::kConflict), 409);
  EXPECT_EQ(status_for(Code::kPreconditionFailed), 412);
  EXPECT_EQ(status_for(Code::kPayloadTooLarge), 413);
  EXPECT_EQ(status_for(Code::kUnprocessable), 422);
  EXPECT_EQ(status_for(Code::kTooManyRequests), 429);
  EXPECT_EQ(status_for(Code::kRetry), 503);
  EXPECT_EQ(status_for(Code::kUnavailable), 503);
  EXPECT_EQ(status_for(Code::kInternal), 500);
}

TEST(HttpTest, ProblemBody) {
  Error e = Error::Conflict("login_taken", "登录名已被占用 \"quoted\"\n");
  HttpResponse r = HttpResponse::problem(e, "/api/v1/accounts");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.content_type, "application/problem+json");
  auto v = boost::json::parse(r.body).as_object();
  EXPECT_EQ(v["type"].as_string(), "https://shangliang.org/problems/login_taken");
  EXPECT_EQ(v["title"].as_string(), "数据冲突");
  EXPECT_EQ(v["status"].as_int64(), 409);
  EXPECT_EQ(v["detail"].as_string(), "登录名已被占用 \"quoted\"\n");
  EXPECT_EQ(v["code"].as_string(), "login_taken");
  EXPECT_EQ(v["instance"].as_string(), "/api/v1/accounts");
}

TEST(HttpTest, ProblemWithRetryAfterSecondsSetsTheHeader) {
  Error e = Error::TooMany("login_throttled", "later");
  e.details_json = R"({"retry_after_seconds":90})";
  HttpResponse r = HttpResponse::problem(e);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.header("Retry-After"), "90");
  EXPECT_EQ(HttpResponse::problem(Error::TooMany("x", "y")).header("Retry-After"), "");
}

TEST(HttpTest, ProblemMergesDetailsAndDefaultsSlug) {
  Error e = Error::Unprocessable("roster_invalid", "名单有误", R"({"errors":[{"row":3,"field":"mobile"}],"status":999})");
  HttpResponse r = HttpResponse::problem(e);
  auto v = boost::json::parse(r.body).as_object();
  EXPECT_EQ(v["status"].as_int64(), 422);  // details never override standard members
  ASSERT_TRUE(v.contains("errors"));
  EXPECT_EQ(v["errors"].as_array().at(0).as_object().at("row").as_int64(), 3);
  EXPECT_FALSE(v.contains("instance"));

  Error bare{Code::kPreconditionFailed, "", "版本已变化", {}};
  auto b = boost::json::parse(HttpResponse::problem(bare).body).as_object();
  EXPECT_EQ(b["code"].as_string(), "precondition_failed");
  EXPECT_EQ(b["status"].as_int64(), 412);

  HttpResponse retry = HttpResponse::problem(Error::Retry("稍后再试"));
  EXPECT_EQ(retry.status, 503);
  EXPECT_EQ(retry.header("retry-after"), "1");
}

TEST(HttpTest, JsonAndNoContent) {
  HttpResponse j = HttpResponse::json(201, "{}");
  EXPECT_EQ(j.status, 201);
  EXPECT_EQ(j.content_type, "application/json");
  EXPECT_EQ(j.payload(), "{}");
  HttpResponse n = HttpResponse::no_content();
  EXPECT_EQ(n.status, 204);
  EXPECT_TRUE(n.body.empty());
}

TEST(HttpTest, PercentDecode) {
  EXPECT_EQ(percent_decode("a%2Fb+c", false), "a/b+c");
  EXPECT_EQ(percent_decode("a%2Fb+c", true), "a/b c");
  EXPECT_EQ(percent_decode("%", false), "%");
  EXPECT_EQ(percent_decode("%4", false), "%4");
  EXPECT_EQ(percent_decode("%41", false), "A");
}

}  // namespace
}  // namespace sl::net
