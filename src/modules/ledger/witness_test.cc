// The witness's checks against a log it does not trust: a log made here (FakeLog) that can
// shrink, fork, sign with another key or hand out a tampered consistency proof, and the real
// Ledger as the platform for the round trip (cosignature submitted, checked and served).
#include "modules/ledger/witness.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>

#include "modules/common/test_fixture.h"
#include "modules/ledger/ledger.h"
#include "modules/ledger/note.h"

namespace sl::ledger {
namespace {

namespace fs = std::filesystem;
namespace bj = boost::json;

NoteSigner signer(std::string name, uint8_t fill) {
  NoteSigner s{std::move(name), {}};
  s.seed.fill(fill);
  return s;
}

Verifier verifier_of(const NoteSigner& s) {
  auto pk = public_key_of(s);
  return *parse_vkey(vkey(s.name, std::span<const uint8_t, 32>(pk)));
}

// A log under the test's control. Its tree is computed from `entries` directly.
class FakeLog final : public LogSource {
 public:
  explicit FakeLog(NoteSigner key) : key_(std::move(key)) {}

  std::vector<std::string> entries;
  std::optional<uint64_t> show_size;                 // serve a checkpoint of this size instead
  std::optional<std::vector<std::string>> fork;      // serve this history instead
  std::optional<NoteSigner> sign_with;               // sign with another key
  std::optional<std::string> body_origin;            // put another origin in the body
  std::function<void(std::vector<Hash>&)> tamper_proof;
  std::vector<std::pair<uint64_t, std::string>> submitted;
  int proofs_asked = 0;

  static Hash mth(const std::vector<std::string>& es, uint64_t begin, uint64_t end) {
    if (end - begin == 1) return leaf_hash(es[begin]);
    uint64_t k = 1;
    while (k * 2 < end - begin) k *= 2;
    return node_hash(mth(es, begin, begin + k), mth(es, begin + k, end));
  }
  static NodeSource nodes_of(const std::vector<std::string>& es) {
    return [&es](int level, uint64_t index) -> Result<Hash> {
      uint64_t w = uint64_t{1} << level;
      return mth(es, index * w, (index + 1) * w);
    };
  }
  const std::vector<std::string>& history() const { return fork ? *fork : entries; }
  uint64_t size() const { return show_size ? *show_size : history().size(); }
  Hash root(uint64_t n) const { return n == 0 ? empty_root() : mth(history(), 0, n); }

  Result<std::string> checkpoint() override {
    std::string body = checkpoint_body(body_origin ? *body_origin : key_.name, size(), root(size()));
    return sign_note(body, sign_with ? *sign_with : key_);
  }
  Result<std::vector<Hash>> consistency(uint64_t first, uint64_t second) override {
    ++proofs_asked;
    SL_ASSIGN(auto p, consistency_proof(first, second, nodes_of(history())));
    if (tamper_proof) tamper_proof(p);
    return p;
  }
  Status submit(uint64_t size, std::string_view line) override {
    submitted.emplace_back(size, std::string(line));
    return Ok();
  }

 private:
  NoteSigner key_;
};

class WitnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sl-witness-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    for (int i = 0; i < 5; ++i) log_.entries.push_back("{\"seq\":" + std::to_string(i) + "}");
  }
  void TearDown() override { fs::remove_all(dir_); }

  Witness witness() { return Witness(dir_.string(), verifier_of(log_key_), witness_key_, clock_); }
  void grow(int n) {
    for (int i = 0; i < n; ++i) log_.entries.push_back("{\"seq\":" + std::to_string(log_.entries.size()) + "}");
  }
  uint64_t state_size() {
    auto s = load_witness_state(dir_.string());
    EXPECT_TRUE(s.ok() && s->has_value());
    return s.ok() && s->has_value() ? (*s)->size : 0;
  }

  fs::path dir_;
  FakeClock clock_{1'800'000'000'000};
  NoteSigner log_key_ = signer("log.example/ledger", 7);
  NoteSigner witness_key_ = signer("witness.example", 9);
  FakeLog log_{log_key_};
};

TEST_F(WitnessTest, FirstCheckpointIsAcceptedAndCosigned) {
  auto w = witness();
  auto r = w.round(log_);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->previous.has_value());
  EXPECT_EQ(r->size, 5u);
  EXPECT_TRUE(r->submitted.ok());
  ASSERT_EQ(log_.submitted.size(), 1u);
  EXPECT_EQ(log_.submitted[0].first, 5u);
  EXPECT_EQ(r->timestamp, 1'800'000'000u);
  // The line is a tlog-cosignature/v1 of exactly the checkpoint the log signed.
  std::string note = *log_.checkpoint() + log_.submitted[0].second;
  auto wv = parse_vkey(witness_vkey(witness_key_));
  ASSERT_TRUE(wv.ok());
  auto opened = open_note(note, {verifier_of(log_key_), *wv});
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ASSERT_EQ(opened->signatures.size(), 2u);
  EXPECT_TRUE(opened->signatures[1].verified);
  EXPECT_EQ(opened->signatures[1].timestamp, 1'800'000'000u);
  EXPECT_EQ(state_size(), 5u);
  EXPECT_NE(r->describe().find("first checkpoint"), std::string::npos);
}

TEST_F(WitnessTest, GrowthIsCheckedWithAConsistencyProof) {
  auto w = witness();
  ASSERT_TRUE(w.round(log_).ok());
  grow(8);
  clock_.advance_ms(10'000);
  auto r = w.round(log_);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r->previous, 5u);
  EXPECT_EQ(r->size, 13u);
  EXPECT_GT(r->proof_hashes, 0u);
  EXPECT_EQ(log_.proofs_asked, 1);
  EXPECT_EQ(state_size(), 13u);
  // Unchanged: no proof needed, cosigned again with a fresh time.
  clock_.advance_ms(10'000);
  r = w.round(log_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r->previous, 13u);
  EXPECT_EQ(log_.proofs_asked, 1);
  EXPECT_EQ(log_.submitted.size(), 3u);
  EXPECT_NE(log_.submitted[1].second, log_.submitted[2].second);
}

TEST_F(WitnessTest, ATamperedConsistencyProofIsRefusedAndNothingIsCosigned) {
  auto w = witness();
  ASSERT_TRUE(w.round(log_).ok());
  grow(8);
  log_.tamper_proof = [](std::vector<Hash>& p) { p.at(0)[0] ^= 1; };
  auto r = w.round(log_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().slug, "consistency_failed");
  EXPECT_EQ(r.error().code, Code::kUnprocessable);
  EXPECT_EQ(log_.submitted.size(), 1u);  // only the first round's
  EXPECT_EQ(state_size(), 5u);

  // A proof with a hash missing, or an extra one, fails the same way.
  log_.tamper_proof = [](std::vector<Hash>& p) { p.pop_back(); };
  EXPECT_EQ(w.round(log_).error().slug, "consistency_failed");
  log_.tamper_proof = [](std::vector<Hash>& p) { p.push_back(p.back()); };
  EXPECT_EQ(w.round(log_).error().slug, "consistency_failed");

  // Once the log behaves, the witness moves on from what it verified.
  log_.tamper_proof = nullptr;
  auto ok = w.round(log_);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(*ok->previous, 5u);
}

TEST_F(WitnessTest, AHistoryThatRewritesOldEntriesFailsConsistency) {
  auto w = witness();
  ASSERT_TRUE(w.round(log_).ok());
  auto rewritten = log_.entries;
  rewritten[2] = "{\"seq\":2,\"changed\":true}";
  for (int i = 0; i < 4; ++i) rewritten.push_back("{\"more\":" + std::to_string(i) + "}");
  log_.fork = rewritten;  // larger, honestly signed, honest proof of ITS history
  auto r = w.round(log_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().slug, "consistency_failed");
  EXPECT_EQ(log_.submitted.size(), 1u);
}

TEST_F(WitnessTest, AForkedRootAtTheSameSizeIsRefused) {
  auto w = witness();
  ASSERT_TRUE(w.round(log_).ok());
  auto other = log_.entries;
  other[4] = "{\"seq\":4,\"other\":true}";
  log_.fork = other;
  auto r = w.round(log_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().slug, "fork_detected");
  EXPECT_EQ(log_.submitted.size(), 1u);
  EXPECT_EQ(state_size(), 5u);
  auto s = load_witness_state(dir_.string());
  EXPECT_EQ((*s)->root, FakeLog::mth(log_.entries, 0, 5));
}

TEST_F(WitnessTest, AShrinkingTreeIsRefused) {
  auto w = witness();
  ASSERT_TRUE(w.round(log_).ok());
  log_.show_size = 4;
  auto r = w.round(log_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().slug, "tree_shrank");
  EXPECT_EQ(log_.submitted.size(), 1u);
}

TEST_F(WitnessTest, ACheckpointSignedWithAnotherKeyIsRefused) {
  log_.sign_with = signer("log.example/ledger", 8);  // same name, another key
  auto w = witness();
  auto r = w.round(log_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().slug, "checkpoint_unverified");
  EXPECT_TRUE(log_.submitted.empty());
  EXPECT_FALSE(load_witness_state(dir_.string())->has_value());

  // Signed by the pinned key but about another log.
  log_.sign_with.reset();
  log_.body_origin = "elsewhere.example/ledger";
  r = w.round(log_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().slug, "checkpoint_wrong_log");

  // Not a checkpoint note at all.
  class Garbage final : public LogSource {
   public:
    Result<std::string> checkpoint() override { return std::string("hello\n"); }
    Result<std::vector<Hash>> consistency(uint64_t, uint64_t) override { return std::vector<Hash>{}; }
    Status submit(uint64_t, std::string_view) override { return Ok(); }
  } garbage;
  EXPECT_EQ(w.round(garbage).error().slug, "checkpoint_malformed");
}

TEST_F(WitnessTest, TheEmptyTreeNeedsNoProof) {
  log_.entries.clear();
  auto w = witness();
  auto r = w.round(log_);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->size, 0u);
  grow(3);
  r = w.round(log_);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r->previous, 0u);
  EXPECT_EQ(log_.proofs_asked, 0);
}

TEST_F(WitnessTest, StateOfAnotherLogIsNotReused) {
  ASSERT_TRUE(witness().round(log_).ok());
  NoteSigner other = signer("other.example/ledger", 3);
  FakeLog other_log(other);
  other_log.entries = {"a", "b"};
  Witness w(dir_.string(), verifier_of(other), witness_key_, clock_);
  auto r = w.round(other_log);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().slug, "state_for_other_log");
  EXPECT_TRUE(other_log.submitted.empty());
}

TEST_F(WitnessTest, KeyIsMadeOnceWithItsNameAndKeptPrivate) {
  SecureRandom random;
  auto none = load_or_create_witness_key(dir_.string(), "", random);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().slug, "witness_name_required");
  EXPECT_EQ(load_or_create_witness_key(dir_.string(), "bad name", random).error().slug, "invalid_witness_name");
  EXPECT_EQ(load_or_create_witness_key(dir_.string(), "a+b", random).error().slug, "invalid_witness_name");

  auto k = load_or_create_witness_key(dir_.string(), "witness.sheng.example", random);
  ASSERT_TRUE(k.ok()) << k.error().message;
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "witness.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = load_or_create_witness_key(dir_.string(), "", random);  // the name is remembered
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(witness_vkey(*again), witness_vkey(*k));
  EXPECT_EQ(load_or_create_witness_key(dir_.string(), "another.example", random).error().slug, "witness_name_mismatch");
  auto v = parse_vkey(witness_vkey(*k));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->type, kSigCosignature);
  EXPECT_EQ(v->name, "witness.sheng.example");
}

// ---- the round trip with the platform's side (Ledger) ----

class Platform final : public LogSource {
 public:
  explicit Platform(Ledger& l) : l_(l) {}
  Result<std::string> checkpoint() override { return l_.served_checkpoint(false); }
  Result<std::vector<Hash>> consistency(uint64_t first, uint64_t second) override {
    SL_ASSIGN(auto o, l_.consistency(first, second));
    std::vector<Hash> out;
    for (const auto& h : o.at("proof").as_array()) out.push_back(*hash_from_base64(h.as_string()));
    return out;
  }
  Status submit(uint64_t size, std::string_view line) override {
    SL_ASSIGN(auto receipt, l_.add_cosignature(size, line));
    (void)receipt;
    return Ok();
  }

 private:
  Ledger& l_;
};

class WitnessPlatformTest : public testing::ModuleTest {
 protected:
  void append(int n) {
    for (int i = 0; i < n; ++i)
      ASSERT_TRUE(db_->write([&](storage::Conn& c) -> Status {
                       access::Caller actor;
                       SL_TRY(ledger_->append(c, actor, Change{"thing.created", "thing", ++next_id_, "x", "s"}));
                       return Ok();
                     }).ok());
    ASSERT_TRUE(ledger_->checkpoint_now().ok());
  }
  int64_t next_id_ = 0;
};

TEST_F(WitnessPlatformTest, CosignaturesReachTheServedCheckpoint) {
  NoteSigner wk = signer("witness.example", 9);
  ASSERT_TRUE(ledger_->set_witnesses({witness_vkey(wk)}).ok());
  auto log_key = parse_vkey(ledger_->verifier_key());
  ASSERT_TRUE(log_key.ok());
  Platform platform(*ledger_);
  Witness w((dir_ / "witness").string(), *log_key, wk, clock_);
  append(3);
  auto r = w.round(platform);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->submitted.ok()) << r->submitted.error().message;

  append(4);
  clock_.advance_ms(5000);
  r = w.round(platform);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->submitted.ok()) << r->submitted.error().message;
  EXPECT_EQ(*r->previous, 3u);
  EXPECT_EQ(r->size, 7u);

  auto served = ledger_->served_checkpoint(false);
  ASSERT_TRUE(served.ok());
  auto opened = open_note(*served, {*log_key, *parse_vkey(witness_vkey(wk))});
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->signatures.size(), 2u);
}

}  // namespace
}  // namespace sl::ledger
