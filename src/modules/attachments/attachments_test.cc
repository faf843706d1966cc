#include "modules/attachments/attachments.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <utime.h>
#include <vips/vips.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/encoding.h"
#include "core/json.h"
#include "modules/attachments/attachments_store.h"
#include "modules/attachments/thumbnail.h"
#include "modules/common/test_fixture.h"
#include "modules/ledger/ledger_audit.h"
#include "modules/ledger/note.h"

namespace sl::attachments {
namespace {

namespace fs = std::filesystem;

std::string sample(const std::string& name) {
  std::ifstream in(std::string(SL_SOURCE_DIR) + "/tests/fixtures/attachments/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "missing sample " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every file below `dir`, as paths relative to it.
std::vector<std::string> files_under(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

// ---- sniffing ------------------------------------------------------------------------------

TEST(Sniff, EveryAcceptedSampleHasItsTypeAndKind) {
  struct Case {
    const char* file;
    const char* mime;
    Kind kind;
  };
  const Case cases[] = {
      {"doc.pdf", "application/pdf", Kind::kDocument},
      {"doc.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Kind::kDocument},
      {"sheet.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Kind::kDocument},
      {"slides.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", Kind::kDocument},
      {"doc.odt", "application/vnd.oasis.opendocument.text", Kind::kDocument},
      {"legacy.doc", "application/msword", Kind::kDocument},
      {"legacy.xls", "application/vnd.ms-excel", Kind::kDocument},
      {"legacy.ppt", "application/vnd.ms-powerpoint", Kind::kDocument},
      {"notes.txt", "text/plain", Kind::kDocument},
      {"photo-rot6.jpg", "image/jpeg", Kind::kImage},
      {"pic.png", "image/png", Kind::kImage},
      {"pic.webp", "image/webp", Kind::kImage},
      {"pic.gif", "image/gif", Kind::kImage},
      {"voice-chromium.webm", "audio/webm", Kind::kVoice},
      {"voice-chromium.mp4", "audio/mp4", Kind::kVoice},
      {"voice.ogg", "audio/ogg", Kind::kVoice},
      {"voice.m4a", "audio/mp4", Kind::kVoice},
      {"voice-isom.mp4", "audio/mp4", Kind::kVoice},
      {"voice.mp3", "audio/mpeg", Kind::kVoice},
      {"voice.wav", "audio/wav", Kind::kVoice},
  };
  for (const Case& c : cases) {
    auto s = sniff(sample(c.file));
    ASSERT_TRUE(s.ok()) << c.file << ": " << s.error().message;
    EXPECT_EQ(s->mime, c.mime) << c.file;
    EXPECT_EQ(s->kind, c.kind) << c.file;
  }
}

TEST(Sniff, RefusesWhatIsNotOnTheWhitelist) {
  for (const char* f : {"page.html", "program.elf", "video.mp4", "video.webm"}) {
    auto s = sniff(sample(f));
    ASSERT_FALSE(s.ok()) << f << " was accepted as " << s->mime;
    EXPECT_EQ(s.error().code, Code::kUnsupportedMedia) << f;
    EXPECT_EQ(s.error().slug, "unsupported_type") << f;
  }
  // A PNG's name on a script, an SVG (it can carry script), random bytes.
  EXPECT_FALSE(sniff("#!/bin/sh\nrm -rf /\n").ok());
  EXPECT_FALSE(sniff("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>").ok());
  EXPECT_FALSE(sniff(std::string("\x00\x01\x02\x03\xff\xfe\x10\x80", 8)).ok());
}

TEST(Sniff, LooksInsideContainers) {
  EXPECT_EQ(webm_tracks(sample("voice-chromium.webm")), Tracks::kAudioOnly);
  EXPECT_EQ(webm_tracks(sample("video.webm")), Tracks::kHasVideo);
  EXPECT_EQ(mp4_tracks(sample("voice-chromium.mp4")), Tracks::kAudioOnly);
  EXPECT_EQ(mp4_tracks(sample("voice.m4a")), Tracks::kAudioOnly);
  EXPECT_EQ(mp4_tracks(sample("video.mp4")), Tracks::kHasVideo);
  EXPECT_EQ(cfb_office_type(sample("legacy.ppt")), "application/vnd.ms-powerpoint");
  EXPECT_EQ(cfb_office_type(sample("legacy.doc")), "application/msword");
  EXPECT_EQ(cfb_office_type(sample("doc.pdf")), std::nullopt);
  // Every truncation of every container parses without reading past the end.
  for (const char* f : {"voice-chromium.webm", "video.webm", "voice-chromium.mp4", "video.mp4", "legacy.ppt"}) {
    std::string b = sample(f);
    for (size_t n = 0; n < b.size(); n += (n < 256 ? 1 : 97)) {
      std::string cut = b.substr(0, n);
      (void)webm_tracks(cut);
      (void)mp4_tracks(cut);
      (void)cfb_office_type(cut);
    }
  }
  EXPECT_EQ(webm_tracks(""), Tracks::kUnknown);
  EXPECT_EQ(mp4_tracks(std::string(8, '\0')), Tracks::kUnknown);
}

TEST(Names, SanitisedForStorageAndDownload) {
  EXPECT_EQ(*sanitize_name("议案.pdf"), "议案.pdf");
  EXPECT_EQ(*sanitize_name("C:\\fakepath\\报告.docx"), "报告.docx");
  EXPECT_EQ(*sanitize_name("../../etc/passwd"), "passwd");
  EXPECT_EQ(*sanitize_name("  ..hidden. "), "hidden");
  EXPECT_EQ(*sanitize_name("a\tb\nc\x7f" "d.txt"), "abcd.txt");
  EXPECT_EQ(*sanitize_name("what?<>|:*\".txt"), "what_______.txt");
  // A right-to-left override would show "gpj.exe" as "exe.jpg".
  EXPECT_EQ(*sanitize_name("photo\u202Egpj.exe"), "photogpj.exe");
  EXPECT_EQ(*sanitize_name(""), "");
  EXPECT_FALSE(sanitize_name("bad\xff\xfe.pdf").ok());
  std::string longname;
  for (int i = 0; i < 200; ++i) longname += "很";
  auto cut = sanitize_name(longname + ".pdf");
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(json::utf8_length(*cut), 120u);
  EXPECT_EQ(cut->substr(cut->size() - 4), ".pdf");
}

TEST(Names, ContentDispositionHasAsciiAndUtf8Names) {
  EXPECT_EQ(content_disposition(false, "会议纪要 v2.pdf"),
            "attachment; filename=\"____ v2.pdf\"; filename*=UTF-8''%E4%BC%9A%E8%AE%AE%E7%BA%AA%E8%A6%81%20v2.pdf");
  EXPECT_EQ(content_disposition(true, "a\"b.jpg"), "inline; filename=\"a_b.jpg\"; filename*=UTF-8''a%22b.jpg");
}

// ---- thumbnails --------------------------------------------------------------------------

TEST(Thumbnails, HonourOrientationAndRefuseBombs) {
  ASSERT_TRUE(init_vips().ok());
  // 64 × 32 stored with EXIF orientation 6: shown 32 wide, 64 tall; small images are not enlarged.
  auto t = make_thumbnail(sample("photo-rot6.jpg"), 40000000);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->image_width, 32);
  EXPECT_EQ(t->image_height, 64);
  EXPECT_EQ(t->width, 32);
  EXPECT_EQ(t->height, 64);
  EXPECT_EQ(t->webp.substr(0, 4), "RIFF");
  EXPECT_EQ(t->webp.substr(8, 4), "WEBP");
  // The rotation is applied to the pixels: the top of the thumbnail is red (the old left).
  VipsImage* img = vips_image_new_from_buffer(t->webp.data(), t->webp.size(), "", nullptr);
  ASSERT_NE(img, nullptr);
  double* top = nullptr;
  int n = 0;
  ASSERT_EQ(vips_getpoint(img, &top, &n, 16, 4, nullptr), 0);
  EXPECT_GT(top[0], 150);
  EXPECT_LT(top[2], 80);
  g_free(top);
  g_object_unref(img);

  // A big image is shrunk into the 320-pixel box.
  VipsImage* big = nullptr;
  ASSERT_EQ(vips_black(&big, 1600, 800, "bands", 3, nullptr), 0);
  void* buf = nullptr;
  size_t len = 0;
  ASSERT_EQ(vips_pngsave_buffer(big, &buf, &len, nullptr), 0);
  std::string png(static_cast<char*>(buf), len);
  g_free(buf);
  g_object_unref(big);
  auto bt = make_thumbnail(png, 40000000);
  ASSERT_TRUE(bt.ok());
  EXPECT_EQ(bt->width, 320);
  EXPECT_EQ(bt->height, 160);
  EXPECT_EQ(bt->image_width, 1600);

  auto bomb = make_thumbnail(sample("bomb.png"), 40000000);
  ASSERT_FALSE(bomb.ok());
  EXPECT_EQ(bomb.error().code, Code::kPayloadTooLarge);
  EXPECT_EQ(bomb.error().slug, "image_too_large");
  auto limit = make_thumbnail(png, 1000000);  // 1.28 megapixels over a 1-megapixel limit
  ASSERT_FALSE(limit.ok());
  EXPECT_EQ(limit.error().slug, "image_too_large");

  std::string broken = sample("photo-rot6.jpg").substr(0, 40);
  auto b = make_thumbnail(broken, 40000000);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, Code::kUnsupportedMedia);
}

// ---- the service -----------------------------------------------------------------------------

class AttachmentsTest : public testing::ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    clock_.set_ms(static_cast<TimeMs>(::time(nullptr)) * 1000);  // file times are real times
    cfg_.max_document_bytes = 100000;
    cfg_.max_image_bytes = 50000;
    cfg_.max_voice_bytes = 100000;
    cfg_.daily_quota_bytes = 0;
    make_service();
    alice_ = person("alice", true);
    bob_ = person("bob", true);
    pub_ = person("pub", false);
  }
  void make_service() {
    svc_.reset();
    svc_ = std::make_unique<AttachmentsService>(*db_, clock_, *ledger_, cfg_, dir_.string());
    ASSERT_TRUE(svc_->init().ok());
  }
  Caller person(const std::string& login, bool member) {
    accounts::NewPerson p;
    p.display_name = login;
    p.login = login;
    auto id = db_->write_value<int64_t>([&](storage::Conn& c) { return accounts::insert_person(c, p, clock_.now_ms()); });
    EXPECT_TRUE(id.ok());
    Caller c;
    c.person_id = *id;
    if (member) c.memberships.push_back({1, 1, access::Role::kMember, std::nullopt, "/1/"});
    return c;
  }
  Result<bj::object> up(const Caller& c, const std::string& bytes, const std::string& name = "x",
                        std::optional<std::string_view> kind = std::nullopt) {
    return svc_->upload(c, bytes, name, kind);
  }
  int64_t id_of(const Result<bj::object>& r) { return r->at("id").as_int64(); }
  fs::path store() const { return dir_ / "uploads"; }
  Status attach_to(const Caller& c, std::vector<int64_t> ids, int64_t post) {
    return db_->write([&](storage::Conn& conn) { return attach(conn, c, ids, "post", post); });
  }
  // The latest ledger entry about attachment `id` (its content hash; "" for a removal).
  std::string latest_content_hash(int64_t id) {
    auto e = ledger_->object_entries("attachment", id);
    EXPECT_TRUE(e.ok());
    auto& items = e->at("items").as_array();
    EXPECT_FALSE(items.empty());
    if (items.empty()) return "?";
    bj::value entry = bj::parse(items.back().as_object().at("entry").as_string());
    return std::string(entry.as_object().at("content").as_string());
  }

  AttachmentsConfig cfg_;
  std::unique_ptr<AttachmentsService> svc_;
  Caller alice_, bob_, pub_;
};

TEST_F(AttachmentsTest, UploadStoresContentAddressedWithLedgerEntry) {
  std::string pdf = sample("doc.pdf");
  auto r = up(alice_, pdf, "提案.pdf");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("mime").as_string(), "application/pdf");
  EXPECT_EQ(r->at("kind").as_string(), "document");
  EXPECT_EQ(r->at("name").as_string(), "提案.pdf");
  EXPECT_EQ(r->at("size").as_int64(), static_cast<int64_t>(pdf.size()));
  EXPECT_EQ(r->at("url").as_string(), "/api/v1/attachments/" + std::to_string(id_of(r)) + "/content");
  EXPECT_FALSE(r->contains("thumbnail_url"));
  EXPECT_FALSE(r->at("attached").as_bool());
  std::string sha = sha256_hex(pdf);
  EXPECT_EQ(files_under(store()), std::vector<std::string>{sha.substr(0, 2) + "/" + sha});
  std::ifstream in(store() / sha.substr(0, 2) / sha, std::ios::binary);
  std::string stored((std::istreambuf_iterator<char>(in)), {});
  EXPECT_TRUE(stored == pdf);

  // The ledger entry hashes {"sha256","size","mime","name"} with the record's salt.
  auto got = svc_->get(alice_, id_of(r));
  ASSERT_TRUE(got.ok());
  auto& led = got->at("ledger").as_object();
  std::string content(led.at("content").as_string());
  EXPECT_EQ(content, "{\"sha256\":\"" + sha + "\",\"size\":" + std::to_string(pdf.size()) +
                         ",\"mime\":\"application/pdf\",\"name\":\"提案.pdf\"}");
  EXPECT_EQ(latest_content_hash(id_of(r)), ledger::content_hash(std::string(led.at("salt").as_string()), content));
}

TEST_F(AttachmentsTest, SameBytesAreStoredOnce) {
  std::string png = sample("pic.png");
  auto a = up(alice_, png, "a.png");
  auto b = up(bob_, png, "b.png");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(id_of(a), id_of(b));
  // One file for the image and one for its thumbnail, however many uploads.
  EXPECT_EQ(files_under(store()).size(), 2u);
  ASSERT_TRUE(svc_->remove(alice_, id_of(a)).ok());
  EXPECT_EQ(files_under(store()).size(), 2u) << "still used by bob's upload";
  ASSERT_TRUE(svc_->remove(bob_, id_of(b)).ok());
  EXPECT_TRUE(files_under(store()).empty());
}

TEST_F(AttachmentsTest, ImagesGetARotatedThumbnail) {
  auto r = up(alice_, sample("photo-rot6.jpg"), "IMG_0001.JPG");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->at("kind").as_string(), "image");
  EXPECT_EQ(r->at("width").as_int64(), 32);
  EXPECT_EQ(r->at("height").as_int64(), 64);
  EXPECT_EQ(r->at("name").as_string(), "IMG_0001.JPG");
  ASSERT_TRUE(r->contains("thumbnail_url"));
  auto t = svc_->thumbnail(alice_, id_of(r));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->mime, "image/webp");
  EXPECT_EQ(t->name, "IMG_0001.webp");
  VipsImage* img = vips_image_new_from_file(t->path.c_str(), nullptr);
  ASSERT_NE(img, nullptr);
  EXPECT_EQ(vips_image_get_width(img), 32);
  EXPECT_EQ(vips_image_get_height(img), 64);
  g_object_unref(img);
  auto doc = up(alice_, sample("doc.pdf"));
  auto none = svc_->thumbnail(alice_, id_of(doc));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().slug, "no_thumbnail");
}

TEST_F(AttachmentsTest, NamesGetTheExtensionOfTheirContent) {
  EXPECT_EQ(up(alice_, sample("doc.pdf"), "report.exe")->at("name").as_string(), "report.exe.pdf");
  EXPECT_EQ(up(alice_, sample("voice-chromium.webm"), "")->at("name").as_string(), "语音.webm");
  EXPECT_EQ(up(alice_, sample("photo-rot6.jpg"), "photo.jpeg")->at("name").as_string(), "photo.jpeg");
  EXPECT_EQ(up(alice_, sample("legacy.doc"), "通知.wps")->at("name").as_string(), "通知.wps");
}

TEST_F(AttachmentsTest, RefusalsSayWhy) {
  auto empty = up(alice_, "");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().slug, "empty_upload");
  EXPECT_EQ(empty.error().code, Code::kInvalidArgument);

  auto html = up(alice_, sample("page.html"), "page.pdf");
  ASSERT_FALSE(html.ok());
  EXPECT_EQ(html.error().code, Code::kUnsupportedMedia);

  auto mismatch = up(alice_, sample("doc.pdf"), "v.webm", "voice");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().slug, "kind_mismatch");
  EXPECT_EQ(mismatch.error().code, Code::kUnsupportedMedia);
  EXPECT_TRUE(up(alice_, sample("voice.ogg"), "v.ogg", "voice").ok());
  auto bad_kind = up(alice_, sample("doc.pdf"), "a.pdf", "video");
  ASSERT_FALSE(bad_kind.ok());
  EXPECT_EQ(bad_kind.error().slug, "invalid_kind");

  auto pub = up(pub_, sample("doc.pdf"));
  ASSERT_FALSE(pub.ok());
  EXPECT_EQ(pub.error().code, Code::kForbidden);
  auto anon = up(Caller{}, sample("doc.pdf"));
  ASSERT_FALSE(anon.ok());
  EXPECT_EQ(anon.error().code, Code::kUnauthenticated);
  auto name = up(alice_, sample("doc.pdf"), "bad\xff.pdf");
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.error().slug, "invalid_name");
  // Only the upload that was accepted left a file.
  EXPECT_EQ(files_under(store()).size(), 1u);
}

TEST_F(AttachmentsTest, SizeLimitsPerKind) {
  std::string big_text(60000, 'a');  // a document under 100 kB: fine
  ASSERT_TRUE(up(alice_, big_text, "a.txt").ok());
  std::string too_big_text(100001, 'a');
  auto r = up(alice_, too_big_text, "b.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kPayloadTooLarge);
  EXPECT_EQ(r.error().slug, "attachment_too_large");
  // The same 60 kB are too much for an image (50 kB): a PNG padded with an ancillary chunk.
  std::string png = sample("pic.png");
  std::string pad = std::string("\0\0\xea\x60tEXt", 8) + std::string(60000, 'x') + std::string("\0\0\0\0", 4);
  std::string padded = png.substr(0, png.size() - 12) + pad + png.substr(png.size() - 12);
  auto img = up(alice_, padded, "p.png");
  ASSERT_FALSE(img.ok());
  EXPECT_EQ(img.error().slug, "attachment_too_large");
  EXPECT_EQ(svc_->max_upload_bytes(), 100000u);
}

TEST_F(AttachmentsTest, DecompressionBombIsRefusedAndLeavesNothing) {
  auto r = up(alice_, sample("bomb.png"), "bomb.png");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().slug, "image_too_large");
  EXPECT_TRUE(files_under(store()).empty());
}

TEST_F(AttachmentsTest, FailedCommitLeavesNothingBehind) {
  std::string kept = sample("doc.pdf");
  auto first = up(alice_, kept, "kept.pdf");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(db_->write([](storage::Conn& c) -> Status {
                  SL_TRY(c.exec("CREATE TRIGGER refuse_uploads BEFORE INSERT ON attachments BEGIN "
                                "SELECT RAISE(ABORT, 'injected failure'); END"));
                  return Ok();
                }).ok());
  // A new image: neither it nor its thumbnail stays.
  auto img = up(alice_, sample("photo-rot6.jpg"));
  ASSERT_FALSE(img.ok());
  // The same bytes as an earlier upload: that upload's file stays.
  auto again = up(bob_, kept, "again.pdf");
  ASSERT_FALSE(again.ok());
  std::string sha = sha256_hex(kept);
  EXPECT_EQ(files_under(store()), std::vector<std::string>{sha.substr(0, 2) + "/" + sha});
  auto count = db_->read_value<int64_t>([](storage::Conn& c) -> Result<int64_t> {
    SL_ASSIGN(auto r, c.query_one("SELECT COUNT(*) FROM attachments"));
    return r->i64(0);
  });
  EXPECT_EQ(*count, 1);
}

TEST_F(AttachmentsTest, FailedFileWriteLeavesNoTemporaryFile) {
  std::string pdf = sample("doc.pdf");
  std::string sha = sha256_hex(pdf);
  // A folder where the file should go: the rename fails after the temporary file is written.
  fs::create_directories(store() / sha.substr(0, 2) / sha);
  auto r = up(alice_, pdf);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInternal);
  EXPECT_TRUE(files_under(store()).empty());
}

TEST_F(AttachmentsTest, DailyQuota) {
  cfg_.daily_quota_bytes = 1000;
  make_service();
  std::string pdf = sample("doc.pdf");  // 455 bytes
  ASSERT_TRUE(up(alice_, pdf).ok());
  ASSERT_TRUE(up(alice_, pdf).ok());
  auto third = up(alice_, pdf);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, Code::kTooManyRequests);
  EXPECT_EQ(third.error().slug, "upload_quota_exceeded");
  EXPECT_TRUE(up(bob_, pdf).ok()) << "the quota is per person";
  clock_.advance_ms(int64_t{24} * 3600 * 1000 + 1);
  EXPECT_TRUE(up(alice_, pdf).ok());
}

TEST_F(AttachmentsTest, AttachAndReadThroughTheScopeChecker) {
  int64_t a = id_of(up(alice_, sample("doc.pdf"), "a.pdf"));
  int64_t b = id_of(up(alice_, sample("voice.ogg"), "b.ogg"));
  int64_t bobs = id_of(up(bob_, sample("pic.gif"), "c.gif"));
  // Before it is attached only the uploader sees an upload.
  EXPECT_TRUE(svc_->get(alice_, a).ok());
  EXPECT_EQ(svc_->get(bob_, a).error().code, Code::kNotFound);
  EXPECT_EQ(svc_->content(Caller{}, a).error().code, Code::kNotFound);

  // Only one's own, unattached uploads can be attached; duplicates count once.
  auto other = attach_to(alice_, {a, bobs}, 7);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().slug, "attachment_not_found");
  EXPECT_FALSE(svc_->get(alice_, a)->at("attached").as_bool()) << "the failed unit changed nothing";
  ASSERT_TRUE(attach_to(alice_, {a, b, a}, 7).ok());
  auto twice = attach_to(alice_, {a}, 8);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().slug, "attachment_already_attached");
  EXPECT_TRUE(attach_to(alice_, {}, 9).ok());
  std::vector<int64_t> many(21);
  for (size_t i = 0; i < many.size(); ++i) many[i] = static_cast<int64_t>(1000 + i);
  EXPECT_EQ(attach_to(alice_, many, 9).error().slug, "too_many_attachments");

  // Attached to post 7: no checker for "post" yet, so still hidden from others.
  EXPECT_EQ(svc_->get(bob_, a).error().code, Code::kNotFound);
  svc_->add_scope_type("post", [&](const Caller& c, int64_t post) -> Status {
    if (post != 7) return Error::NotFound("post_not_found", "no");
    if (c.person_id == 0) return Error::Unauthenticated();
    if (c.person_id == pub_.person_id) return Error::Forbidden();
    return Ok();
  });
  auto seen = svc_->get(bob_, a);
  ASSERT_TRUE(seen.ok());
  EXPECT_TRUE(seen->at("attached").as_bool());
  auto f = svc_->content(bob_, b);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->mime, "audio/ogg");
  EXPECT_EQ(f->kind, Kind::kVoice);
  EXPECT_EQ(svc_->get(pub_, a).error().code, Code::kForbidden);
  EXPECT_EQ(svc_->get(Caller{}, a).error().code, Code::kUnauthenticated);
  EXPECT_TRUE(svc_->get(alice_, a).ok());

  auto list = db_->read_value<bj::array>([&](storage::Conn& c) { return list_for_scope(c, "post", 7); });
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ(list->at(0).as_object().at("id").as_int64(), a);
  EXPECT_EQ(list->at(1).as_object().at("kind").as_string(), "voice");
  ASSERT_TRUE(attach_to(bob_, {bobs}, 8).ok());
  auto by = db_->read_value<std::map<int64_t, bj::array>>(
      [&](storage::Conn& c) { return list_for_scopes(c, "post", {7, 8, 9}); });
  ASSERT_TRUE(by.ok());
  EXPECT_EQ(by->size(), 2u);
  EXPECT_EQ(by->at(7).size(), 2u);
  EXPECT_EQ(by->at(8).at(0).as_object().at("name").as_string(), "c.gif");

  // An attached upload cannot be removed on its own; others cannot remove it at all.
  EXPECT_EQ(svc_->remove(alice_, a).error().slug, "attachment_attached");
  EXPECT_EQ(svc_->remove(bob_, a).error().code, Code::kForbidden);
  EXPECT_EQ(svc_->remove(bob_, 99999).error().code, Code::kNotFound);
  // When the record goes, so do its attachments (and later their files).
  ASSERT_TRUE(db_->write([&](storage::Conn& c) { return svc_->remove_for_scope(c, alice_, "post", 7); }).ok());
  EXPECT_EQ(svc_->get(alice_, a).error().code, Code::kNotFound);
  EXPECT_EQ(latest_content_hash(a), "");
}

TEST_F(AttachmentsTest, GarbageCollection) {
  std::string pdf = sample("doc.pdf"), ogg = sample("voice.ogg");
  int64_t stale = id_of(up(alice_, pdf, "stale.pdf"));
  int64_t kept = id_of(up(alice_, ogg, "kept.ogg"));
  ASSERT_TRUE(attach_to(alice_, {kept}, 1).ok());
  // An orphan file (a crash between file and row) and a temporary file of an interrupted write.
  std::string orphan(64, 'a');
  fs::create_directories(store() / "aa");
  std::ofstream(store() / "aa" / orphan) << "orphan";
  std::ofstream(store() / "aa" / ".tmp-aaaa-1234") << "half";
  std::string recent(64, 'b');
  fs::create_directories(store() / "bb");
  std::ofstream(store() / "bb" / recent) << "just written";

  // Within the day nothing goes.
  auto r0 = svc_->collect_garbage();
  ASSERT_TRUE(r0.ok()) << r0.error().message;
  EXPECT_EQ(r0->expired, 0);
  EXPECT_EQ(r0->blobs_removed, 0);
  EXPECT_EQ(files_under(store()).size(), 5u);

  // A day later: the unattached upload, its file, the orphan and the temporary file go. The
  // file written "just now" is made recent relative to the advanced clock.
  clock_.advance_ms(int64_t{25} * 3600 * 1000);
  struct utimbuf fresh {};
  fresh.actime = fresh.modtime = static_cast<time_t>(clock_.now_ms() / 1000);
  ASSERT_EQ(::utime((store() / "bb" / recent).c_str(), &fresh), 0);
  auto r1 = svc_->collect_garbage();
  ASSERT_TRUE(r1.ok()) << r1.error().message;
  EXPECT_EQ(r1->expired, 1);
  EXPECT_EQ(r1->blobs_removed, 1);  // the orphan (the expired upload's file went with its row)
  EXPECT_EQ(r1->temp_removed, 1);
  std::string ogg_sha = sha256_hex(ogg);
  EXPECT_EQ(files_under(store()), (std::vector<std::string>{ogg_sha.substr(0, 2) + "/" + ogg_sha, "bb/" + recent}));
  EXPECT_EQ(svc_->get(alice_, stale).error().code, Code::kNotFound);
  EXPECT_TRUE(svc_->get(alice_, kept).ok());
  EXPECT_EQ(latest_content_hash(stale), "") << "the ledger says the upload is gone";

  // The ledger still verifies: every record's latest entry matches the database.
  ASSERT_TRUE(ledger_->checkpoint_now().ok());
  auto key = ledger::parse_vkey(ledger_->verifier_key());
  ASSERT_TRUE(key.ok());
  auto rep = ledger::audit(*db_, *key, [](storage::Conn& c, std::string_view type, int64_t id)
                                           -> Result<std::optional<ledger::RecordState>> {
    if (type == "attachment") return store::ledger_state(c, id);
    if (type == "person") return accounts::person_ledger_state(c, id);
    return Error::Invalid("unknown_type", std::string(type));
  });
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_TRUE(rep->ok()) << rep->problem;
}

}  // namespace
}  // namespace sl::attachments
