#include "net/file_response.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sl::net {
namespace {

using K = ByteRange::Kind;

TEST(ParseRange, SingleRanges) {
  auto r = parse_range("bytes=0-99", 1000);
  EXPECT_EQ(r.kind, K::kSatisfiable);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 99u);
  r = parse_range("bytes=500-", 1000);
  EXPECT_EQ(r.kind, K::kSatisfiable);
  EXPECT_EQ(r.first, 500u);
  EXPECT_EQ(r.last, 999u);
  r = parse_range("bytes=900-5000", 1000);  // the end is clamped
  EXPECT_EQ(r.last, 999u);
  r = parse_range("bytes=-100", 1000);  // the last 100 bytes
  EXPECT_EQ(r.kind, K::kSatisfiable);
  EXPECT_EQ(r.first, 900u);
  EXPECT_EQ(r.last, 999u);
  r = parse_range("bytes=-5000", 1000);  // more than there is: all of it
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 999u);
  r = parse_range(" Bytes = 1-1 ", 10);
  EXPECT_EQ(r.kind, K::kNone) << "the unit must be followed directly by '='";
  r = parse_range("BYTES=1-1", 10);
  EXPECT_EQ(r.kind, K::kSatisfiable);
  r = parse_range("bytes=0-99999999999999999999999", 10);  // a last byte past 64 bits: clamped
  EXPECT_EQ(r.kind, K::kSatisfiable);
  EXPECT_EQ(r.last, 9u);
}

TEST(ParseRange, UnsatisfiableAndIgnored) {
  EXPECT_EQ(parse_range("bytes=1000-", 1000).kind, K::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=1000-2000", 1000).kind, K::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=-0", 1000).kind, K::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=0-", 0).kind, K::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=-5", 0).kind, K::kUnsatisfiable);
  EXPECT_EQ(parse_range("bytes=99999999999999999999999-", 1000).kind, K::kUnsatisfiable);
  // Ignored: other units, malformed or inverted ranges, several ranges.
  EXPECT_EQ(parse_range("items=0-1", 1000).kind, K::kNone);
  EXPECT_EQ(parse_range("bytes=", 1000).kind, K::kNone);
  EXPECT_EQ(parse_range("bytes=abc", 1000).kind, K::kNone);
  EXPECT_EQ(parse_range("bytes=5-1", 1000).kind, K::kNone);
  EXPECT_EQ(parse_range("bytes=-", 1000).kind, K::kNone);
  EXPECT_EQ(parse_range("bytes=1-x", 1000).kind, K::kNone);
  EXPECT_EQ(parse_range("bytes=+1-2", 1000).kind, K::kNone);
  EXPECT_EQ(parse_range("bytes=0-1,5-6", 1000).kind, K::kNone);
}

class ServeFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("sl-serve-file-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "f").string();
    std::ofstream(path_, std::ios::binary) << "0123456789";
    spec_ = FileServe{path_, "audio/webm", "\"e1\"", "inline; filename=\"v.webm\"", "private, no-cache"};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  HttpResponse serve(Headers h) {
    HttpRequest req;
    req.method = "GET";
    req.path = "/f";
    req.headers = std::move(h);
    auto r = serve_file(req, spec_);
    EXPECT_TRUE(r.ok());
    return r.ok() ? std::move(*r) : HttpResponse{};
  }
  std::filesystem::path dir_;
  std::string path_;
  FileServe spec_;
};

TEST_F(ServeFileTest, WholeRangeConditional) {
  HttpResponse all = serve({});
  EXPECT_EQ(all.status, 200);
  ASSERT_TRUE(all.file);
  EXPECT_EQ(all.file->offset, 0u);
  EXPECT_EQ(all.file->length, 10u);
  EXPECT_EQ(all.body_size(), 10u);
  EXPECT_EQ(all.header("Content-Disposition"), "inline; filename=\"v.webm\"");
  EXPECT_EQ(all.header("Accept-Ranges"), "bytes");

  HttpResponse part = serve({{"range", "bytes=2-4"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.header("Content-Range"), "bytes 2-4/10");
  EXPECT_EQ(part.file->offset, 2u);
  EXPECT_EQ(part.file->length, 3u);

  // If-Range naming another version: the whole file instead of a range of the wrong one.
  HttpResponse stale = serve({{"range", "bytes=2-4"}, {"if-range", "\"old\""}});
  EXPECT_EQ(stale.status, 200);
  HttpResponse fresh = serve({{"range", "bytes=2-4"}, {"if-range", "\"e1\""}});
  EXPECT_EQ(fresh.status, 206);

  HttpResponse bad = serve({{"range", "bytes=10-"}});
  EXPECT_EQ(bad.status, 416);
  EXPECT_EQ(bad.header("Content-Range"), "bytes */10");
  EXPECT_FALSE(bad.file);

  HttpResponse nm = serve({{"if-none-match", "W/\"x\", \"e1\""}});
  EXPECT_EQ(nm.status, 304);
  EXPECT_FALSE(nm.file);
  EXPECT_EQ(nm.header("ETag"), "\"e1\"");
}

TEST_F(ServeFileTest, MissingFileIsNotFound) {
  spec_.path = (dir_ / "absent").string();
  HttpRequest req;
  auto r = serve_file(req, spec_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kNotFound);
  spec_.path = dir_.string();  // a folder is not a file
  EXPECT_FALSE(serve_file(req, spec_).ok());
}

}  // namespace
}  // namespace sl::net
