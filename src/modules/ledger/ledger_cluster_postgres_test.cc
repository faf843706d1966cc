// The ledger on a cluster: two nodes (two Database pools, two Ledger objects with the same
// keys, as two server processes would have) appending to one PostgreSQL at the same time while
// both run the checkpointer. Sequence numbers must stay dense and every stored checkpoint must
// be the Merkle root of exactly the first `size` entries; only one node signs on its own, and
// the other takes over when it stops.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "modules/ledger/ledger.h"
#include "modules/ledger/merkle.h"
#include "modules/ledger/note.h"
#include "storage/leader_lock.h"
#include "storage/migrations.h"
#include "storage/postgres/pg_test_server.h"

namespace sl::ledger {
namespace {

// MTH(D[0:n]) of RFC 9162, straight from the definition (no stored nodes).
Hash mth(const std::vector<Hash>& leaves, size_t begin, size_t end) {
  if (end == begin) return empty_root();
  if (end - begin == 1) return leaves[begin];
  size_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  return node_hash(mth(leaves, begin, begin + k), mth(leaves, begin + k, end));
}

class LedgerClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::pgtest::PgServer& server = storage::pgtest::PgServer::get();
    ASSERT_TRUE(server.ok()) << "PostgreSQL did not start: " << server.error();
    opts_.url = server.url();
    opts_.pool_size = 3;
    db1_ = open();
    ASSERT_NE(db1_, nullptr);
    Status clean = db1_->write([](storage::Conn& c) -> Status {
      SL_TRY(c.exec("DROP SCHEMA IF EXISTS public CASCADE"));
      SL_TRY(c.exec("CREATE SCHEMA public"));
      return Ok();
    });
    ASSERT_TRUE(clean.ok()) << clean.error().message;
    auto migrated = storage::migrate(*db1_);
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
    db2_ = open();
    ASSERT_NE(db2_, nullptr);
    keys_.signing_seed.fill(7);
    keys_.actor_key = "0123456789abcdef0123456789abcdef";
    l1_ = std::make_unique<Ledger>(*db1_, clock_, random_, keys_, "test.local/ledger");
    l2_ = std::make_unique<Ledger>(*db2_, clock_, random_, keys_, "test.local/ledger");
  }
  void TearDown() override {
    l1_.reset();
    l2_.reset();
    if (db1_) db1_->close();
    if (db2_) db2_->close();
  }

  std::unique_ptr<storage::Database> open() {
    auto r = storage::open_database(opts_);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : nullptr;
  }

  storage::DatabaseOptions opts_;
  std::unique_ptr<storage::Database> db1_, db2_;
  SystemClock clock_;
  SecureRandom random_;
  Keys keys_;
  std::unique_ptr<Ledger> l1_, l2_;
};

TEST_F(LedgerClusterTest, TwoNodesAppendingAndCheckpointingKeepOneDenseConsistentTree) {
  constexpr int kWriters = 3;       // per node
  constexpr int kPerWriter = 60;    // transactions per writer
  std::atomic<bool> writing{true};
  std::atomic<int> failures{0};
  std::atomic<int64_t> appended{0};
  std::vector<std::thread> threads;
  for (int node = 0; node < 2; ++node) {
    for (int w = 0; w < kWriters; ++w) {
      threads.emplace_back([&, node, w] {
        storage::Database& db = node == 0 ? *db1_ : *db2_;
        Ledger& l = node == 0 ? *l1_ : *l2_;
        for (int i = 0; i < kPerWriter; ++i) {
          // Every third transaction appends two entries: they must stay adjacent.
          int n = i % 3 == 0 ? 2 : 1;
          auto st = db.write_value<int64_t>([&](storage::Conn& c) -> Result<int64_t> {
            access::Caller actor;
            actor.person_id = 100 + node;
            int64_t first = -1;
            for (int k = 0; k < n; ++k) {
              int64_t id = (node * 1000 + w) * 1000 + i;
              SL_ASSIGN(int64_t seq, l.append(c, actor, Change{"thing.updated", "thing", id, "{\"k\":" + std::to_string(k) + "}", "s"}));
              if (first < 0) first = seq;
              else if (seq != first + k) return Error::Internal("entries of one transaction are not adjacent");
            }
            return first;
          });
          if (!st.ok()) {
            ADD_FAILURE() << "append failed: " << st.error().message;
            failures++;
          } else {
            appended += n;
          }
        }
      });
    }
  }
  // Both nodes' checkpointers run all along.
  std::vector<std::thread> signers;
  for (Ledger* l : {l1_.get(), l2_.get()}) {
    signers.emplace_back([&, l] {
      while (writing.load()) {
        auto r = l->checkpoint_now();
        if (!r.ok()) {
          ADD_FAILURE() << "checkpoint failed: " << r.error().message;
          failures++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  writing = false;
  for (auto& t : signers) t.join();
  ASSERT_EQ(failures.load(), 0);
  auto last1 = l1_->checkpoint_now();
  auto last2 = l2_->checkpoint_now();
  ASSERT_TRUE(last1.ok() && last2.ok());
  const int64_t total = appended.load();
  EXPECT_EQ(total, 2 * kWriters * (kPerWriter + kPerWriter / 3));
  EXPECT_EQ(static_cast<int64_t>(*last1), total);
  EXPECT_EQ(static_cast<int64_t>(*last2), total);

  // Dense: seq 0..total-1, each exactly once.
  auto rows = db1_->read_value<storage::Rows>([](storage::Conn& c) {
    return c.query("SELECT seq, entry FROM ledger_entries ORDER BY seq");
  });
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(static_cast<int64_t>(rows->size()), total);
  std::vector<Hash> leaves;
  for (size_t i = 0; i < rows->size(); ++i) {
    ASSERT_EQ((*rows)[i].i64(0), static_cast<int64_t>(i));
    std::string entry = (*rows)[i].str(1);
    ASSERT_NE(entry.find("\"seq\":" + std::to_string(i) + ","), std::string::npos) << entry;
    leaves.push_back(leaf_hash(entry));
  }

  // Every checkpoint either node stored is the root of exactly its prefix, and its note verifies.
  auto cps = db1_->read_value<storage::Rows>([](storage::Conn& c) {
    return c.query("SELECT size, note FROM ledger_checkpoints ORDER BY size");
  });
  ASSERT_TRUE(cps.ok()) << cps.error().message;
  ASSERT_GE(cps->size(), 2u);
  auto v = parse_vkey(l1_->verifier_key());
  ASSERT_TRUE(v.ok());
  for (const auto& row : *cps) {
    uint64_t size = static_cast<uint64_t>(row.i64(0));
    auto opened = open_note(row.str(1), {*v});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    auto cp = parse_checkpoint(opened->text);
    ASSERT_TRUE(cp.ok());
    EXPECT_EQ(cp->size, size);
    EXPECT_EQ(to_hex(cp->root), to_hex(mth(leaves, 0, size))) << "checkpoint of size " << size;
  }
  // Proofs served by either node check against the final root.
  Hash root = mth(leaves, 0, leaves.size());
  for (uint64_t index : {uint64_t{0}, uint64_t{leaves.size() / 2}, uint64_t{leaves.size() - 1}}) {
    for (Ledger* l : {l1_.get(), l2_.get()}) {
      auto proof = l->inclusion(index, leaves.size());
      ASSERT_TRUE(proof.ok()) << proof.error().message;
      std::vector<Hash> hashes;
      for (auto& h : proof->at("proof").as_array()) {
        auto hh = hash_from_base64(std::string(h.as_string()));
        ASSERT_TRUE(hh.ok());
        hashes.push_back(*hh);
      }
      EXPECT_TRUE(verify_inclusion(index, leaves.size(), leaves[index], hashes, root).ok()) << "index " << index;
    }
  }
}

TEST_F(LedgerClusterTest, OneNodeSignsAndTheOtherTakesOverWhenItStops) {
  l1_->start(50, storage::make_leader_lock(opts_, kCheckpointLockKey));
  l2_->start(50, storage::make_leader_lock(opts_, kCheckpointLockKey));
  auto wait_for = [](const std::function<bool()>& cond) {
    for (int i = 0; i < 200 && !cond(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return cond();
  };
  ASSERT_TRUE(wait_for([&] { return l1_->signing() || l2_->signing(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_NE(l1_->signing(), l2_->signing()) << "exactly one node signs";
  Ledger& holder = l1_->signing() ? *l1_ : *l2_;
  Ledger& standby = l1_->signing() ? *l2_ : *l1_;
  holder.stop();  // releases the lock, as a dying process's session does
  EXPECT_TRUE(wait_for([&] { return standby.signing(); })) << "the standby took over";
  // The new signer covers entries appended after the handover.
  auto st = db1_->write_value<int64_t>([&](storage::Conn& c) {
    access::Caller actor;
    actor.person_id = 1;
    return standby.append(c, actor, Change{"thing.created", "thing", 1, "{}", "s"});
  });
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(wait_for([&] {
    auto r = db1_->read_value<storage::Rows>([](storage::Conn& c) { return c.query("SELECT MAX(size) FROM ledger_checkpoints"); });
    return r.ok() && !(*r)[0].is_null(0) && (*r)[0].i64(0) == *st + 1;
  }));
  standby.stop();
}

}  // namespace
}  // namespace sl::ledger
