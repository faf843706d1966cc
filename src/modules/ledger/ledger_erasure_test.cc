// Erasure: the content goes, the leaves stay and verify, the audit tells an erased record from
// one that vanished.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <map>

#include "core/encoding.h"
#include "modules/common/test_fixture.h"
#include "modules/ledger/ledger.h"
#include "modules/ledger/ledger_audit.h"
#include "modules/ledger/note.h"

namespace sl::ledger {
namespace {

namespace bj = boost::json;

class LedgerErasureTest : public testing::ModuleTest {
 protected:
  void SetUp() override {
    ModuleTest::SetUp();
    actor_.person_id = 7;
  }
  // A module's "thing" record: stored here, with an entry per change.
  void create(int64_t id, std::string content) {
    records_[id] = RecordState{std::move(content), "salt" + std::to_string(id)};
    ASSERT_TRUE(db_->write([&](storage::Conn& c) -> Status {
      SL_TRY(ledger_->append(c, actor_, Change{"thing.created", "thing", id, records_[id].content, records_[id].salt}));
      return Ok();
    }).ok());
  }
  // The module's erasure: the content goes from storage and the erasure is recorded, in one
  // transaction (which fails afterwards when `fail_after`).
  Result<Erasure> erase(int64_t id, bool fail_after = false) {
    return db_->write_value<Erasure>([&](storage::Conn& c) -> Result<Erasure> {
      SL_ASSIGN(Erasure e, ledger_->erase(c, actor_, "thing", id, kReasonModeration));
      if (fail_after) return Error::Invalid("boom", "the change fails after its erasure");
      records_.erase(id);
      return e;
    });
  }
  RecordLoader loader() {
    return [this](storage::Conn&, std::string_view type, int64_t id) -> Result<std::optional<RecordState>> {
      if (type != "thing") return Error::Invalid("unknown_type", "");
      auto it = records_.find(id);
      if (it == records_.end()) return std::optional<RecordState>();
      return std::optional<RecordState>(it->second);
    };
  }
  AuditReport run_audit() {
    auto key = parse_vkey(ledger_->verifier_key());
    EXPECT_TRUE(key.ok());
    EXPECT_TRUE(ledger_->checkpoint_now().ok());
    auto rep = audit(*db_, *key, loader());
    EXPECT_TRUE(rep.ok());
    return rep.ok() ? *rep : AuditReport{};
  }
  std::optional<Erasure> erasure_of(int64_t id) {
    return db_->read_value<std::optional<Erasure>>([&](storage::Conn& c) { return ledger_->erasure(c, "thing", id); })
        .value();
  }

  access::Caller actor_;
  std::map<int64_t, RecordState> records_;
};

TEST_F(LedgerErasureTest, EraseAppendsAnEntryWithoutContentAndRecordsWhenAndWhy) {
  create(1, "{\"text\":\"一条需要删除的发言\"}");
  create(2, "{\"text\":\"另一条\"}");
  clock_.advance_ms(60'000);
  auto e = erase(1);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->seq, 2);
  EXPECT_EQ(e->at, clock_.now_ms());
  EXPECT_EQ(e->reason, "moderation");

  auto page = ledger_->object_entries("thing", 1);
  ASSERT_TRUE(page.ok());
  auto& items = page->at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  auto last = bj::parse(items[1].as_object().at("entry").as_string()).as_object();
  EXPECT_EQ(last.at("action").as_string(), "thing.erased");
  EXPECT_EQ(last.at("content").as_string(), "");
  EXPECT_EQ(last.at("seq").as_int64(), 2);
  // The objects endpoint's answer says it was removed, when and under which entry.
  ASSERT_TRUE(page->contains("erased"));
  EXPECT_EQ(page->at("erased"), erasure_json(*e));
  EXPECT_EQ(page->at("erased").at("at").as_string(), format_iso8601(e->at));
  EXPECT_FALSE(ledger_->object_entries("thing", 2)->contains("erased"));

  auto found = erasure_of(1);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->seq, e->seq);
  EXPECT_EQ(found->at, e->at);
  EXPECT_FALSE(erasure_of(2).has_value());

  // Once is enough.
  auto again = erase(1);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().slug, "already_erased");
  // A reason must be a code.
  auto bad = db_->write_value<Erasure>(
      [&](storage::Conn& c) { return ledger_->erase(c, actor_, "thing", 2, "因为 我想"); });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().slug, "invalid_reason");
}

TEST_F(LedgerErasureTest, EarlierEntriesStillVerifyAfterTheErasure) {
  create(1, "{\"n\":1}");
  create(2, "{\"n\":2}");
  ASSERT_EQ(*ledger_->checkpoint_now(), 2u);
  auto before = ledger_->inclusion(0, 2);
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(erase(1).ok());
  ASSERT_EQ(*ledger_->checkpoint_now(), 3u);

  auto note = ledger_->latest_checkpoint();
  ASSERT_TRUE(note.ok());
  auto key = parse_vkey(ledger_->verifier_key());
  ASSERT_TRUE(key.ok());
  auto opened = open_note(*note, {*key});
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto cp = parse_checkpoint(opened->text);
  ASSERT_TRUE(cp.ok());
  for (uint64_t i = 0; i < 3; ++i) {
    auto p = ledger_->inclusion(i, 3);
    ASSERT_TRUE(p.ok());
    std::vector<Hash> proof;
    for (auto& h : p->at("proof").as_array()) proof.push_back(*hash_from_base64(h.as_string()));
    EXPECT_TRUE(verify_inclusion(i, 3, leaf_hash(std::string(p->at("entry").as_string())), proof, cp->root).ok()) << i;
  }
  // The erased record's own creation entry is byte for byte what it was.
  auto after = ledger_->inclusion(0, 3);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->at("entry"), before->at("entry"));
  // And the old tree is consistent with the new one.
  auto consistency = ledger_->consistency(2, 3);
  ASSERT_TRUE(consistency.ok()) << consistency.error().message;
  EXPECT_FALSE(consistency->at("proof").as_array().empty());
}

TEST_F(LedgerErasureTest, AnErasureRollsBackWithItsTransaction) {
  create(1, "{\"n\":1}");
  ASSERT_FALSE(erase(1, /*fail_after=*/true).ok());
  EXPECT_FALSE(erasure_of(1).has_value());
  EXPECT_EQ(ledger_->entries(0, 10)->at("items").as_array().size(), 1u);
  EXPECT_TRUE(records_.count(1));
  EXPECT_TRUE(erase(1).ok());
}

TEST_F(LedgerErasureTest, AuditAcceptsAnErasedRecord) {
  create(1, "{\"n\":1}");
  create(2, "{\"n\":2}");
  ASSERT_TRUE(erase(1).ok());
  create(3, "{\"n\":3}");
  auto rep = run_audit();
  EXPECT_TRUE(rep.ok()) << rep.problem;
  EXPECT_EQ(rep.entries, 4u);
  EXPECT_EQ(rep.records, 3u);
}

TEST_F(LedgerErasureTest, AuditFailsWhenARecordVanishedWithoutAnErasure) {
  create(1, "{\"n\":1}");
  create(2, "{\"n\":2}");
  create(3, "{\"n\":3}");
  ASSERT_TRUE(run_audit().ok());
  records_.erase(2);  // deleted behind the ledger's back
  auto rep = run_audit();
  EXPECT_FALSE(rep.ok());
  EXPECT_EQ(rep.first_bad_seq, 1u);
  EXPECT_NE(rep.problem.find("thing/2"), std::string::npos) << rep.problem;
}

TEST_F(LedgerErasureTest, AuditFailsWhenErasedContentIsStillStoredOrTheErasureRowIsMissing) {
  create(1, "{\"n\":1}");
  create(2, "{\"n\":2}");
  RecordState kept = records_[1];
  ASSERT_TRUE(erase(1).ok());
  ASSERT_TRUE(run_audit().ok());

  // The content was not actually removed.
  records_[1] = kept;
  auto still = run_audit();
  EXPECT_FALSE(still.ok());
  EXPECT_EQ(still.first_bad_seq, 2u);
  records_.erase(1);

  // An erasure entry whose erasure record was deleted: not an erasure the platform can account for.
  ASSERT_TRUE(db_->write([](storage::Conn& c) -> Status {
    SL_TRY(c.exec("DELETE FROM ledger_erasures"));
    return Ok();
  }).ok());
  auto orphan = run_audit();
  EXPECT_FALSE(orphan.ok());
  EXPECT_EQ(orphan.first_bad_seq, 2u);
  EXPECT_NE(orphan.problem.find("删除记录"), std::string::npos) << orphan.problem;
}

TEST_F(LedgerErasureTest, GoneProblemSaysWhatWhenAndUnderWhichEntry) {
  Erasure e{41, 1'700'000'000'000, std::string(kReasonRightToDeletion)};
  Error err = gone("person_erased", "该人员的个人信息", e);
  EXPECT_EQ(err.code, Code::kGone);
  EXPECT_EQ(err.slug, "person_erased");
  EXPECT_NE(err.message.find("该人员的个人信息已于 2023-11-14 22:13:20 UTC 删除"), std::string::npos) << err.message;
  EXPECT_NE(err.message.find("第 41 条"), std::string::npos) << err.message;
  auto details = bj::parse(err.details_json).as_object();
  EXPECT_EQ(details.at("erased").at("seq").as_int64(), 41);
  EXPECT_EQ(details.at("erased").at("reason").as_string(), "right_to_deletion");
  EXPECT_EQ(details.at("erased").at("at").as_string(), format_iso8601(e.at));
}

TEST(LedgerRecordJson, CarriesTypeIdSaltAndContent) {
  auto o = record_json("org", 12, RecordState{"{\"name\":\"x\"}", "ab12"});
  EXPECT_EQ(bj::serialize(o), R"({"type":"org","id":12,"salt":"ab12","content":"{\"name\":\"x\"}"})");
  EXPECT_EQ(content_hash("ab12", "{\"name\":\"x\"}"), sha256_hex(std::string("ab12\n{\"name\":\"x\"}")));
}

}  // namespace
}  // namespace sl::ledger
