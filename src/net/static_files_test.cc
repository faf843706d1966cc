#include "net/static_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

namespace sl::net {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("sl_static_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "assets");
    write("index.html", "<!doctype html><div id=app></div>");
    write("assets/index-3f2a1b.js", "console.log('plain')");
    write("assets/index-3f2a1b.js.br", "BROTLI");
    write("assets/index-3f2a1b.js.gz", "GZIP");
    write("assets/app-9c.css", "body{}");
    write("assets/app-9c.css.gz", "GZCSS");
    write("favicon.ico", "ICO");
    write("logo.svg", "<svg/>");
    fs::create_directories(root_.parent_path() / "sl_static_secret");
    std::ofstream(root_.parent_path() / "sl_static_secret" / "secret.txt") << "top secret";
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& rel, const std::string& data) { std::ofstream(root_ / rel, std::ios::binary) << data; }
  HttpRequest get(std::string path, std::string accept_encoding = "") {
    HttpRequest r;
    r.method = "GET";
    r.path = path;
    r.target = path;
    if (!accept_encoding.empty()) r.headers.emplace_back("accept-encoding", accept_encoding);
    return r;
  }
  fs::path root_;
};

TEST_F(StaticFilesTest, MimeTypes) {
  EXPECT_EQ(StaticFiles::mime_type("a/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(StaticFiles::mime_type("x.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(StaticFiles::mime_type("x.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(StaticFiles::mime_type("x.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(StaticFiles::mime_type("x.svg"), "image/svg+xml");
  EXPECT_EQ(StaticFiles::mime_type("x.png"), "image/png");
  EXPECT_EQ(StaticFiles::mime_type("x.jpg"), "image/jpeg");
  EXPECT_EQ(StaticFiles::mime_type("x.webp"), "image/webp");
  EXPECT_EQ(StaticFiles::mime_type("favicon.ico"), "image/x-icon");
  EXPECT_EQ(StaticFiles::mime_type("f.woff2"), "font/woff2");
  EXPECT_EQ(StaticFiles::mime_type("m.json"), "application/json");
  EXPECT_EQ(StaticFiles::mime_type("x.js.map"), "application/json");
  EXPECT_EQ(StaticFiles::mime_type("robots.txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(StaticFiles::mime_type("a.wasm"), "application/wasm");
  EXPECT_EQ(StaticFiles::mime_type("noext"), "application/octet-stream");
}

TEST_F(StaticFilesTest, IndexAndCaching) {
  StaticFiles sf(root_.string());
  HttpResponse r = sf.serve(get("/"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.payload(), "<!doctype html><div id=app></div>");
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.header("cache-control"), "no-cache");
  EXPECT_FALSE(r.header("etag").empty());

  HttpResponse js = sf.serve(get("/assets/index-3f2a1b.js"));
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.payload(), "console.log('plain')");
  EXPECT_EQ(js.header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(js.header("vary"), "Accept-Encoding");
  EXPECT_EQ(js.header("content-encoding"), "");

  HttpResponse ico = sf.serve(get("/favicon.ico"));
  EXPECT_EQ(ico.status, 200);
  EXPECT_EQ(ico.header("vary"), "");  // no compressed sibling
}

TEST_F(StaticFilesTest, CompressedVariants) {
  StaticFiles sf(root_.string());
  HttpResponse br = sf.serve(get("/assets/index-3f2a1b.js", "gzip, deflate, br"));
  EXPECT_EQ(br.payload(), "BROTLI");
  EXPECT_EQ(br.header("content-encoding"), "br");
  EXPECT_EQ(br.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(br.header("vary"), "Accept-Encoding");

  HttpResponse gz = sf.serve(get("/assets/index-3f2a1b.js", "gzip, deflate"));
  EXPECT_EQ(gz.payload(), "GZIP");
  EXPECT_EQ(gz.header("content-encoding"), "gzip");

  HttpResponse refused = sf.serve(get("/assets/index-3f2a1b.js", "br;q=0, gzip;q=0"));
  EXPECT_EQ(refused.payload(), "console.log('plain')");
  EXPECT_EQ(refused.header("content-encoding"), "");

  HttpResponse css = sf.serve(get("/assets/app-9c.css", "br, gzip"));  // only .gz exists
  EXPECT_EQ(css.payload(), "GZCSS");
  EXPECT_EQ(css.header("content-encoding"), "gzip");

  EXPECT_NE(br.header("etag"), gz.header("etag"));
}

TEST_F(StaticFilesTest, SpaFallbackAndMissingFiles) {
  StaticFiles sf(root_.string());
  HttpResponse spa = sf.serve(get("/meetings/42/agenda"));
  EXPECT_EQ(spa.status, 200);
  EXPECT_EQ(spa.payload(), "<!doctype html><div id=app></div>");
  EXPECT_EQ(spa.header("cache-control"), "no-cache");
  EXPECT_EQ(sf.serve(get("/assets/missing-abc.js")).status, 404);
  EXPECT_EQ(sf.serve(get("/missing.png")).status, 404);
}

TEST_F(StaticFilesTest, TraversalRejected) {
  StaticFiles sf(root_.string());
  for (const std::string& p : std::vector<std::string>{"/../sl_static_secret/secret.txt", "/assets/../../sl_static_secret/secret.txt", "/./index.html",
                        std::string("/index.html\0.js", 15), "/.env", "/assets\\..\\x.txt", "relative.txt"}) {
    HttpResponse r = sf.serve(get(p));
    EXPECT_NE(r.status, 200) << p;
    EXPECT_EQ(r.payload().find("top secret"), std::string_view::npos) << p;
  }
  // A symlink out of the root is not followed.
  fs::create_symlink(root_.parent_path() / "sl_static_secret" / "secret.txt", root_ / "link.txt");
  HttpResponse link = sf.serve(get("/link.txt"));
  EXPECT_EQ(link.status, 404);
  // "//" collapses and stays inside the root.
  EXPECT_EQ(sf.serve(get("//logo.svg")).status, 200);
}

TEST_F(StaticFilesTest, ConditionalGet) {
  StaticFiles sf(root_.string());
  HttpResponse first = sf.serve(get("/logo.svg"));
  std::string etag(first.header("etag"));
  HttpRequest again = get("/logo.svg");
  again.headers.emplace_back("if-none-match", "\"other\", " + etag);
  HttpResponse r = sf.serve(again);
  EXPECT_EQ(r.status, 304);
  EXPECT_TRUE(r.payload().empty());
  EXPECT_EQ(r.header("etag"), etag);

  HttpRequest weak = get("/logo.svg");
  weak.headers.emplace_back("if-none-match", "W/" + etag);
  EXPECT_EQ(sf.serve(weak).status, 304);

  HttpRequest stale = get("/logo.svg");
  stale.headers.emplace_back("if-none-match", "\"nope\"");
  EXPECT_EQ(sf.serve(stale).status, 200);
}

TEST_F(StaticFilesTest, MissingRootIs503) {
  StaticFiles sf((root_ / "does-not-exist").string());
  HttpResponse r = sf.serve(get("/"));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_NE(r.body.find("web_ui_not_built"), std::string::npos);
}

}  // namespace
}  // namespace sl::net
