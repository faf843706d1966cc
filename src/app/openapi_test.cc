// The OpenAPI document (docs/api/openapi.yaml, embedded at build time) must describe exactly
// the routes the server registers: every (method, path) of the real router is in the document,
// and the document has no operation the router lacks.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <utility>

#include "app/application.h"

namespace sl::app {
namespace {

namespace fs = std::filesystem;
namespace bj = boost::json;

using RouteKey = std::pair<std::string, std::string>;  // (METHOD, /path/{param})

std::string upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

std::string describe(const std::set<RouteKey>& keys) {
  std::string out;
  for (const auto& [m, p] : keys) out += "  " + m + " " + p + "\n";
  return out;
}

class OpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "sl_openapi_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    Config cfg;
    cfg.database.url = "sqlite:" + (dir_ / "openapi.db").string();
    cfg.notify.outbox_path = (dir_ / "outbox.jsonl").string();
    cfg.data_dir = (dir_ / "data").string();
    auto app = Application::create(cfg);
    ASSERT_TRUE(app.ok()) << app.error().message;
    app_ = std::move(*app);
  }
  void TearDown() override {
    app_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::set<RouteKey> router_routes() {
    std::set<RouteKey> out;
    for (const auto& r : app_->router().routes()) out.emplace(upper(r.method), r.pattern);
    return out;
  }

  fs::path dir_;
  std::unique_ptr<Application> app_;
};

bj::object parse_document() {
  boost::system::error_code ec;
  bj::value v = bj::parse(openapi_json(), ec);
  EXPECT_FALSE(ec) << "openapi_json() is not JSON: " << ec.message();
  if (ec || !v.is_object()) return {};
  return v.as_object();
}

TEST_F(OpenApiTest, DocumentIsOpenApi31) {
  bj::object doc = parse_document();
  ASSERT_TRUE(doc.contains("openapi"));
  ASSERT_TRUE(doc.at("openapi").is_string());
  std::string version(doc.at("openapi").as_string());
  EXPECT_EQ(version.rfind("3.1", 0), 0u) << "openapi is " << version;
  ASSERT_TRUE(doc.contains("info") && doc.at("info").is_object());
  EXPECT_TRUE(doc.at("info").as_object().contains("title"));
  ASSERT_TRUE(doc.contains("paths") && doc.at("paths").is_object());
}

TEST_F(OpenApiTest, DocumentedOperationsEqualRegisteredRoutes) {
  static const std::set<std::string> kMethods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};
  bj::object doc = parse_document();
  ASSERT_TRUE(doc.contains("paths") && doc.at("paths").is_object());

  std::set<RouteKey> documented;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    ASSERT_TRUE(item.is_object()) << "path item " << path << " is not an object";
    for (const auto& [key, op] : item.as_object()) {
      std::string k(key);
      if (!kMethods.count(k)) continue;  // parameters, summary, description, servers
      EXPECT_TRUE(op.is_object()) << k << " " << path;
      EXPECT_TRUE(op.is_object() && op.as_object().contains("responses")) << k << " " << path << " has no responses";
      documented.emplace(upper(k), std::string(path));
    }
  }

  std::set<RouteKey> registered = router_routes();
  ASSERT_FALSE(registered.empty());

  std::set<RouteKey> undocumented, unknown;
  for (const auto& r : registered)
    if (!documented.count(r)) undocumented.insert(r);
  for (const auto& d : documented)
    if (!registered.count(d)) unknown.insert(d);
  EXPECT_TRUE(undocumented.empty()) << "routes missing from docs/api/openapi.yaml:\n" << describe(undocumented);
  EXPECT_TRUE(unknown.empty()) << "operations in docs/api/openapi.yaml that the server does not register:\n"
                               << describe(unknown);
}

// Every POST takes Idempotency-Key, and every documented path parameter is declared.
TEST_F(OpenApiTest, PostsDeclareIdempotencyKeyAndPathParameters) {
  bj::object doc = parse_document();
  ASSERT_TRUE(doc.contains("paths") && doc.at("paths").is_object());
  const bj::object* params = nullptr;
  if (auto* comps = doc.if_contains("components"); comps && comps->is_object())
    if (auto* ps = comps->as_object().if_contains("parameters"); ps && ps->is_object()) params = &ps->as_object();
  ASSERT_NE(params, nullptr) << "components/parameters is missing";
  // Resolves a parameter object or a $ref to one.
  auto resolve = [&](const bj::value& p) -> const bj::object* {
    if (!p.is_object()) return nullptr;
    const auto& o = p.as_object();
    if (auto* ref = o.if_contains("$ref")) {
      std::string r(ref->as_string());
      const std::string prefix = "#/components/parameters/";
      if (r.rfind(prefix, 0) != 0) return nullptr;
      auto* target = params->if_contains(r.substr(prefix.size()));
      return target && target->is_object() ? &target->as_object() : nullptr;
    }
    return &o;
  };
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    std::string p(path);
    std::set<std::string> wanted;  // {name} segments
    for (size_t i = p.find('{'); i != std::string::npos; i = p.find('{', i + 1))
      wanted.insert(p.substr(i + 1, p.find('}', i) - i - 1));
    const auto& io = item.as_object();
    std::set<std::string> path_level;
    if (auto* ps = io.if_contains("parameters")) {
      for (const auto& x : ps->as_array()) {
        if (auto* r = resolve(x); r && r->at("in").as_string() == "path") path_level.insert(std::string(r->at("name").as_string()));
      }
    }
    for (const auto& [key, op] : io) {
      std::string k(key);
      if (k == "parameters" || !op.is_object()) continue;
      std::set<std::string> declared = path_level;
      bool idem = false;
      if (auto* ps = op.as_object().if_contains("parameters")) {
        for (const auto& x : ps->as_array()) {
          auto* r = resolve(x);
          ASSERT_NE(r, nullptr) << k << " " << p << ": unresolvable parameter";
          if (r->at("in").as_string() == "path") declared.insert(std::string(r->at("name").as_string()));
          if (r->at("in").as_string() == "header" && r->at("name").as_string() == "Idempotency-Key") idem = true;
        }
      }
      EXPECT_EQ(declared, wanted) << k << " " << p << ": path parameters";
      if (k == "post") {
        EXPECT_TRUE(idem) << "POST " << p << " does not declare Idempotency-Key";
      }
    }
  }
}

}  // namespace
}  // namespace sl::app
