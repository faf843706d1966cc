// The platform's side of witnessing: which cosignatures it accepts, which it refuses and
// why, and how it serves them with its checkpoints.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "modules/common/test_fixture.h"
#include "modules/ledger/ledger.h"
#include "modules/ledger/note.h"
#include "modules/ledger/witness.h"

namespace sl::ledger {
namespace {

NoteSigner signer(std::string name, uint8_t fill) {
  NoteSigner s{std::move(name), {}};
  s.seed.fill(fill);
  return s;
}

class CosignatureTest : public testing::ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    ASSERT_TRUE(ledger_->set_witnesses({witness_vkey(w1_), witness_vkey(w2_)}).ok());
    append(3);
  }
  void append(int n) {
    for (int i = 0; i < n; ++i)
      ASSERT_TRUE(db_->write([&](storage::Conn& c) -> Status {
                       access::Caller actor;
                       SL_TRY(ledger_->append(c, actor, Change{"thing.created", "thing", ++next_id_, "x", "s"}));
                       return Ok();
                     }).ok());
    ASSERT_TRUE(ledger_->checkpoint_now().ok());
  }
  std::string body_at(uint64_t size) {
    auto page = ledger_->checkpoints(size == 0 ? std::nullopt : std::optional<uint64_t>(size - 1), 1);
    EXPECT_TRUE(page.ok());
    std::string note(page->at("items").as_array().at(0).as_object().at("note").as_string());
    return note.substr(0, note.find("\n\n") + 1);
  }
  uint64_t now_s() const { return static_cast<uint64_t>(clock_.now_ms() / 1000); }
  std::string cosign(const NoteSigner& w, uint64_t size, uint64_t t) { return cosign_line(body_at(size), w, t); }

  NoteSigner w1_ = signer("witness.one.example", 1);
  NoteSigner w2_ = signer("witness.two.example", 2);
  int64_t next_id_ = 0;
};

TEST_F(CosignatureTest, OnlyCosignatureKeysOnceEachAreConfigurable) {
  auto log_vkey = ledger_->verifier_key();  // type 0x01: not a witness key
  EXPECT_EQ(ledger_->set_witnesses({log_vkey}).error().slug, "bad_config");
  EXPECT_EQ(ledger_->set_witnesses({"nonsense"}).error().slug, "bad_config");
  EXPECT_EQ(ledger_->set_witnesses({witness_vkey(w1_), witness_vkey(w1_)}).error().slug, "bad_config");
  EXPECT_TRUE(ledger_->set_witnesses({}).ok());
  EXPECT_TRUE(ledger_->witnesses().empty());
}

TEST_F(CosignatureTest, AValidCosignatureIsStoredOnceAndServed) {
  std::string line = cosign(w1_, 3, now_s());
  auto r = ledger_->add_cosignature(3, line);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->stored);
  EXPECT_EQ(r->name, "witness.one.example");
  EXPECT_EQ(r->witness, witness_vkey(w1_));
  // The same again (a retry): accepted, nothing new stored. Without its newline too.
  r = ledger_->add_cosignature(3, line.substr(0, line.size() - 1));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->stored);

  auto served = ledger_->served_checkpoint(false);
  ASSERT_TRUE(served.ok());
  EXPECT_EQ(served->substr(served->size() - line.size()), line);
  auto log_key = *parse_vkey(ledger_->verifier_key());
  auto opened = open_note(*served, {log_key, *parse_vkey(witness_vkey(w1_)), *parse_vkey(witness_vkey(w2_))});
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->signatures.size(), 2u);

  auto list = ledger_->witness_list();
  ASSERT_TRUE(list.ok());
  auto& items = list->at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("size").to_number<int64_t>(), 3);
  EXPECT_EQ(items[0].at("cosigned_at").as_string(), format_iso8601(static_cast<TimeMs>(now_s()) * 1000));
  EXPECT_TRUE(items[1].at("size").is_null());
}

TEST_F(CosignatureTest, BadAndUnknownCosignaturesAreRefusedWithTheirReason) {
  uint64_t t = now_s();
  // Not a signature line.
  EXPECT_EQ(ledger_->add_cosignature(3, "hello").error().slug, "malformed_cosignature");
  EXPECT_EQ(ledger_->add_cosignature(3, "\xE2\x80\x94 witness.one.example !!!").error().slug, "malformed_cosignature");
  std::string good = cosign(w1_, 3, t);
  EXPECT_EQ(ledger_->add_cosignature(3, good + good).error().slug, "malformed_cosignature");
  // A plain Ed25519 note signature (68 bytes) is not a cosignature.
  std::string plain = sign_note(body_at(3), w1_);
  EXPECT_EQ(ledger_->add_cosignature(3, plain.substr(plain.rfind("\xE2\x80\x94"))).error().slug, "malformed_cosignature");

  // A witness nobody configured.
  auto unknown = ledger_->add_cosignature(3, cosign(signer("witness.one.example", 5), 3, t));
  EXPECT_EQ(unknown.error().slug, "unknown_witness");
  EXPECT_EQ(unknown.error().code, Code::kForbidden);

  // A size the platform never signed; a cosignature of another size's checkpoint.
  auto no_cp = ledger_->add_cosignature(99, good);
  EXPECT_EQ(no_cp.error().slug, "unknown_checkpoint");
  EXPECT_EQ(no_cp.error().code, Code::kUnprocessable);
  append(1);
  EXPECT_EQ(ledger_->add_cosignature(4, good).error().slug, "bad_cosignature");

  // One flipped bit of the signature.
  auto raw = *base64_decode(good.substr(good.rfind(' ') + 1, good.size() - good.rfind(' ') - 2));
  raw.back() ^= 1;
  std::string flipped = good.substr(0, good.rfind(' ') + 1) + base64_encode(std::span<const uint8_t>(raw)) + "\n";
  EXPECT_EQ(ledger_->add_cosignature(3, flipped).error().slug, "bad_cosignature");

  // Dated well after the platform's clock.
  EXPECT_EQ(ledger_->add_cosignature(3, cosign(w1_, 3, t + 3600)).error().slug, "cosignature_in_future");
  EXPECT_TRUE(ledger_->add_cosignature(3, cosign(w1_, 3, t + 60)).ok());  // a little ahead is fine

  // Nothing refused was stored.
  auto list = ledger_->witness_list();
  EXPECT_EQ(list->at("items").as_array()[0].at("cosigned_at").as_string(), format_iso8601(static_cast<TimeMs>(t + 60) * 1000));
  EXPECT_TRUE(list->at("items").as_array()[1].at("size").is_null());
}

TEST_F(CosignatureTest, ANewerCosignatureReplacesAnOlderOneNeverTheReverse) {
  uint64_t t = now_s();
  ASSERT_TRUE(ledger_->add_cosignature(3, cosign(w1_, 3, t - 10)).ok());
  ASSERT_TRUE(ledger_->add_cosignature(3, cosign(w1_, 3, t)).ok());
  auto stale = ledger_->add_cosignature(3, cosign(w1_, 3, t - 20));
  EXPECT_EQ(stale.error().slug, "stale_cosignature");
  EXPECT_EQ(stale.error().code, Code::kConflict);
  auto served = ledger_->served_checkpoint(false);
  EXPECT_NE(served->find(cosign(w1_, 3, t)), std::string::npos);
  EXPECT_EQ(served->find(cosign(w1_, 3, t - 10)), std::string::npos);
}

TEST_F(CosignatureTest, TheNewestCosignedCheckpointOnRequest) {
  EXPECT_EQ(ledger_->served_checkpoint(true).error().code, Code::kNotFound);
  ASSERT_TRUE(ledger_->add_cosignature(3, cosign(w2_, 3, now_s())).ok());
  append(2);  // the latest checkpoint (5) has no cosignature yet
  auto latest = ledger_->served_checkpoint(false);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->find("witness.two.example"), std::string::npos);
  EXPECT_EQ(latest->substr(0, latest->find("\n\n") + 1), body_at(5));
  auto cosigned = ledger_->served_checkpoint(true);
  ASSERT_TRUE(cosigned.ok());
  EXPECT_EQ(cosigned->substr(0, cosigned->find("\n\n") + 1), body_at(3));
  EXPECT_NE(cosigned->find("witness.two.example"), std::string::npos);

  // A witness no longer configured: its cosignatures are no longer shown.
  ASSERT_TRUE(ledger_->set_witnesses({witness_vkey(w1_)}).ok());
  EXPECT_EQ(ledger_->served_checkpoint(true).error().code, Code::kNotFound);
}

TEST_F(CosignatureTest, CheckpointsArePagedWithTheirCosignatures) {
  append(1);
  append(1);  // checkpoints 3, 4, 5
  ASSERT_TRUE(ledger_->add_cosignature(4, cosign(w1_, 4, now_s())).ok());
  auto page = ledger_->checkpoints(std::nullopt, 2);
  ASSERT_TRUE(page.ok());
  auto& items = page->at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("size").to_number<int64_t>(), 3);
  EXPECT_EQ(items[1].at("size").to_number<int64_t>(), 4);
  EXPECT_NE(std::string(items[1].at("note").as_string()).find("witness.one.example"), std::string::npos);
  EXPECT_EQ(std::string(items[0].at("note").as_string()).find("witness.one.example"), std::string::npos);
  ASSERT_EQ(page->at("next").to_number<int64_t>(), 4);
  auto rest = ledger_->checkpoints(4, 2);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->at("items").as_array().size(), 1u);
  EXPECT_EQ(rest->at("items").as_array()[0].at("size").to_number<int64_t>(), 5);
  EXPECT_TRUE(rest->at("next").is_null());
}

}  // namespace
}  // namespace sl::ledger
