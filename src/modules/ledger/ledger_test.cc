#include "modules/ledger/ledger.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <thread>
#include <atomic>
#include <map>

#include "modules/common/test_fixture.h"
#include "modules/ledger/ledger_audit.h"
#include "modules/ledger/note.h"
#include "storage/dialect.h"
#include "storage/migrations.h"

namespace sl::ledger {
namespace {

namespace bj = boost::json;

class LedgerTest : public testing::ModuleTest {
 protected:
  Result<int64_t> append_one(int64_t id, bool fail_after = false) {
    return db_->write_value<int64_t>([&](storage::Conn& c) -> Result<int64_t> {
      access::Caller actor;
      actor.person_id = 7;
      SL_ASSIGN(int64_t seq, ledger_->append(c, actor, Change{"thing.created", "thing", id, "{\"n\":1}", "salt"}));
      if (fail_after) return Error::Invalid("boom", "the change fails after its entry");
      return seq;
    });
  }
  Checkpoint latest() {
    auto note = ledger_->latest_checkpoint();
    EXPECT_TRUE(note.ok());
    auto v = parse_vkey(ledger_->verifier_key());
    EXPECT_TRUE(v.ok());
    auto opened = open_note(*note, {*v});
    EXPECT_TRUE(opened.ok()) << (opened.ok() ? "" : opened.error().message);
    auto cp = parse_checkpoint(opened->text);
    EXPECT_TRUE(cp.ok());
    return *cp;
  }
};

TEST_F(LedgerTest, EntryCommitsAndRollsBackWithItsChange) {
  ASSERT_TRUE(append_one(1).ok());
  auto failed = append_one(2, /*fail_after=*/true);
  ASSERT_FALSE(failed.ok());
  auto second = append_one(3);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 1);  // dense: the failed change left no entry and no gap
  auto page = ledger_->entries(0, 10);
  ASSERT_TRUE(page.ok());
  auto& items = page->at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  auto e = bj::parse(items[1].as_object().at("entry").as_string()).as_object();
  EXPECT_EQ(e.at("object").as_string(), "thing/3");
  EXPECT_EQ(e.at("content").as_string(), content_hash("salt", "{\"n\":1}"));
  EXPECT_EQ(e.at("actor").as_string(), ledger_->actor_pseudonym([] {
    access::Caller c;
    c.person_id = 7;
    return c;
  }()));
}

// Inside one group commit the next number is remembered instead of queried (ledger_store.cc):
// writes that fail after appending (their savepoints rolled back) and writes that undo part of
// their own work must leave neither a gap nor a duplicate.
TEST_F(LedgerTest, NumbersStayDenseAcrossGroupCommitsWithFailedWrites) {
  std::atomic<int64_t> kept{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        int kind = (t + i) % 4;
        Status s = db_->write([&](storage::Conn& c) -> Status {
          access::Caller actor;
          actor.person_id = t + 1;
          Change ch{"thing.created", "thing", t * 1000 + i, "{}", "salt"};
          SL_TRY(ledger_->append(c, actor, ch));
          if (kind == 1) return Error::Invalid("boom", "fails after its entry");
          if (kind == 2) SL_TRY(ledger_->append(c, actor, ch));  // two entries in one write
          if (kind == 3) {  // a savepoint of the write's own, undone
            SL_TRY(c.exec("SAVEPOINT own"));
            SL_TRY(ledger_->append(c, actor, ch));
            SL_TRY(c.exec("ROLLBACK TO own"));
            SL_TRY(c.exec("RELEASE own"));
            SL_TRY(ledger_->append(c, actor, ch));
          }
          return Ok();
        });
        if (kind == 1) EXPECT_FALSE(s.ok());
        else if (s.ok()) kept += kind == 0 ? 1 : 2;
        else ADD_FAILURE() << s.error().message;
      }
    });
  for (auto& th : threads) th.join();
  ASSERT_EQ(kept.load(), 12 * 10 * (1 + 2 + 2));
  auto size = ledger_->checkpoint_now();  // fails on a gap: "ledger entries are not contiguous"
  ASSERT_TRUE(size.ok()) << size.error().message;
  EXPECT_EQ(*size, static_cast<uint64_t>(kept.load()));
  auto counted = db_->read_value<int64_t>([](storage::Conn& c) -> Result<int64_t> {
    SL_ASSIGN(auto r, c.query_one("SELECT COUNT(*), MIN(seq), MAX(seq) FROM ledger_entries"));
    if (r->i64(1) != 0 || r->i64(2) != r->i64(0) - 1) return Error::Internal("not dense");
    return r->i64(0);
  });
  ASSERT_TRUE(counted.ok()) << counted.error().message;
  EXPECT_EQ(*counted, kept.load());
}

// The entry text is written by hand; it must be byte for byte what boost::json::serialize made
// of the same fields (the format the first entries were written in), whatever the strings hold.
TEST_F(LedgerTest, EntryBytesAreTheSerializedJsonObject) {
  std::string odd = "a\"b\\c/d\b\t\n\f\r";
  for (int ch = 0; ch < 0x20; ++ch) odd.push_back(static_cast<char>(ch));
  odd += "\x7f 公告 \xe4\xb8";  // DEL, UTF-8 and a truncated UTF-8 sequence
  for (int64_t person : {0, 7, 7, 123456789}) {
    access::Caller actor;
    actor.person_id = person;
    auto seq = db_->write_value<int64_t>([&](storage::Conn& c) {
      return ledger_->append(c, actor, Change{odd, "type" + odd, -42, "content", "salt"});
    });
    ASSERT_TRUE(seq.ok()) << seq.error().message;
    auto page = ledger_->entries(*seq, 1);
    ASSERT_TRUE(page.ok());
    std::string entry(page->at("items").as_array().at(0).as_object().at("entry").as_string());
    bj::object e;
    e["seq"] = *seq;
    e["at"] = format_iso8601(clock_.now_ms());
    e["actor"] = ledger_->actor_pseudonym(actor);
    e["action"] = odd;
    e["object"] = "type" + odd + "/-42";
    e["content"] = content_hash("salt", "content");
    EXPECT_EQ(entry, bj::serialize(e));
  }
}

TEST_F(LedgerTest, SignedCheckpointsGrowAndProofsVerify) {
  auto empty = ledger_->checkpoint_now();
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, 0u);
  for (int i = 0; i < 13; ++i) ASSERT_TRUE(append_one(i).ok());
  ASSERT_EQ(*ledger_->checkpoint_now(), 13u);
  Checkpoint first = latest();
  EXPECT_EQ(first.size, 13u);
  EXPECT_EQ(first.origin, "test.local/ledger");
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(append_one(100 + i).ok());
  ASSERT_EQ(*ledger_->checkpoint_now(), 21u);
  Checkpoint second = latest();

  // The root is the RFC 9162 root of the entries' leaf hashes.
  auto page = ledger_->entries(0, 100);
  ASSERT_TRUE(page.ok());
  std::map<std::pair<int, uint64_t>, Hash> nodes;
  CompactRange ref;
  for (auto& it : page->at("items").as_array()) ref.append(leaf_hash(std::string(it.as_object().at("entry").as_string())));
  EXPECT_EQ(ref.root(), second.root);

  for (uint64_t i = 0; i < 21; ++i) {
    auto p = ledger_->inclusion(i, 21);
    ASSERT_TRUE(p.ok()) << p.error().message;
    std::vector<Hash> proof;
    for (auto& h : p->at("proof").as_array()) proof.push_back(*hash_from_base64(h.as_string()));
    Hash leaf = leaf_hash(std::string(p->at("entry").as_string()));
    EXPECT_TRUE(verify_inclusion(i, 21, leaf, proof, second.root).ok()) << i;
    EXPECT_FALSE(verify_inclusion(i, 21, leaf, proof, first.root).ok()) << i;
  }
  auto c = ledger_->consistency(13, 21);
  ASSERT_TRUE(c.ok());
  std::vector<Hash> proof;
  for (auto& h : c->at("proof").as_array()) proof.push_back(*hash_from_base64(h.as_string()));
  EXPECT_TRUE(verify_consistency(13, 21, first.root, second.root, proof).ok());
  // Only checkpointed sizes can be proven against.
  EXPECT_FALSE(ledger_->inclusion(0, 20).ok());
}

// Proofs take the upper tree (levels >= 8) from memory: filled by this process's checkpointer,
// or loaded from storage by a Ledger that has just started or whose tree another process grew.
TEST_F(LedgerTest, ProofsFromTheInMemoryUpperTreeVerifyHoweverItWasFilled) {
  auto append_n = [&](int n) {
    ASSERT_TRUE(db_->write([&](storage::Conn& c) -> Status {
      for (int i = 0; i < n; ++i) SL_TRY(ledger_->append(c, access::Caller{}, Change{"thing.created", "thing", i, "x", "s"}));
      return Ok();
    }).ok());
  };
  auto roots = [&](std::vector<uint64_t> sizes) {  // recomputed from the entries alone
    std::map<uint64_t, Hash> out;
    auto page = ledger_->entries(0, 5000);
    EXPECT_TRUE(page.ok());
    CompactRange r;
    for (auto& it : page->at("items").as_array()) {
      r.append(leaf_hash(std::string(it.as_object().at("entry").as_string())));
      if (std::find(sizes.begin(), sizes.end(), r.size()) != sizes.end()) out[r.size()] = r.root();
    }
    return out;
  };
  auto check = [&](Ledger& l, uint64_t size, const Hash& root) {
    for (uint64_t i : {uint64_t{0}, uint64_t{255}, uint64_t{256}, uint64_t{511}, uint64_t{700}, size / 2, size - 1}) {
      if (i >= size) continue;
      auto p = l.inclusion(i, size);
      ASSERT_TRUE(p.ok()) << p.error().message;
      std::vector<Hash> proof;
      for (auto& h : p->at("proof").as_array()) proof.push_back(*hash_from_base64(h.as_string()));
      EXPECT_TRUE(verify_inclusion(i, size, leaf_hash(std::string(p->at("entry").as_string())), proof, root).ok())
          << i << "/" << size;
    }
  };
  auto check_consistency = [&](Ledger& l, uint64_t a, uint64_t b, const Hash& ra, const Hash& rb) {
    auto c = l.consistency(a, b);
    ASSERT_TRUE(c.ok()) << c.error().message;
    std::vector<Hash> proof;
    for (auto& h : c->at("proof").as_array()) proof.push_back(*hash_from_base64(h.as_string()));
    EXPECT_TRUE(verify_consistency(a, b, ra, rb, proof).ok()) << a << "->" << b;
  };

  append_n(700);
  ASSERT_EQ(*ledger_->checkpoint_now(), 700u);
  append_n(600);
  ASSERT_EQ(*ledger_->checkpoint_now(), 1300u);  // extends what the first run put in memory
  auto r = roots({700, 1300});
  check(*ledger_, 700, r[700]);
  check(*ledger_, 1300, r[1300]);
  check_consistency(*ledger_, 700, 1300, r[700], r[1300]);

  // Another Ledger on the same database (a second server, or this one after a restart) grows
  // the tree; the first has not seen that run and loads the new nodes when a proof needs them.
  Keys other_keys;
  random_.fill(other_keys.signing_seed.data(), 32);
  other_keys.actor_key = "k";
  Ledger other(*db_, clock_, random_, other_keys, "test.local/ledger");
  append_n(1000);
  ASSERT_EQ(*other.checkpoint_now(), 2300u);
  r = roots({700, 1300, 2300});
  check(*ledger_, 2300, r[2300]);
  check(other, 2300, r[2300]);
  check(other, 700, r[700]);
  check_consistency(*ledger_, 1300, 2300, r[1300], r[2300]);
  check_consistency(other, 700, 2300, r[700], r[2300]);

  // The upper tree really comes from memory: with every stored node at level >= 8 corrupted,
  // the two warm Ledgers still prove correctly, and a freshly started one does not.
  ASSERT_TRUE(db_->write([](storage::Conn& c) -> Status {
    // Node ids are level * 2^56 + index (migration 0009).
    SL_TRY(c.exec("UPDATE ledger_nodes SET hash = ? WHERE id >= ?",
                  {storage::Blob{std::string(32, '\x5a')}, int64_t{8} << 56}));
    return Ok();
  }).ok());
  check(*ledger_, 2300, r[2300]);
  check(other, 1300, r[1300]);
  Ledger fresh(*db_, clock_, random_, other_keys, "test.local/ledger");
  auto p = fresh.inclusion(3, 2300);
  ASSERT_TRUE(p.ok());
  std::vector<Hash> proof;
  for (auto& h : p->at("proof").as_array()) proof.push_back(*hash_from_base64(h.as_string()));
  EXPECT_FALSE(verify_inclusion(3, 2300, leaf_hash(std::string(p->at("entry").as_string())), proof, r[2300]).ok());
}

// Migration 0009 re-keys the stored tree nodes from (level, idx) to one integer id; a tree
// stored the old way proves the same afterwards.
// Proof readers on several threads while the checkpointer grows the in-memory tree: every
// proof verifies against its checkpoint's root.
TEST_F(LedgerTest, ProofsStayCorrectWhileTheTreeGrows) {
  auto root_of = [&](uint64_t size) -> Result<Hash> {
    auto cp = db_->read_value<std::string>([&](storage::Conn& c) -> Result<std::string> {
      SL_ASSIGN(auto rows, c.query("SELECT note FROM ledger_checkpoints WHERE size = ?", {static_cast<int64_t>(size)}));
      if (rows.empty()) return Error::NotFound("none", "no checkpoint");
      return rows.front().str(0);
    });
    if (!cp.ok()) return cp.take_error();
    auto opened = open_note(*cp, {*parse_vkey(ledger_->verifier_key())});
    if (!opened.ok()) return opened.take_error();
    SL_ASSIGN(auto parsed, parse_checkpoint(opened->text));
    return parsed.root;
  };
  std::atomic<uint64_t> latest{0};
  std::atomic<bool> stop{false};
  std::atomic<int> proofs{0}, bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t)
    readers.emplace_back([&, t] {
      uint64_t x = 12345 + static_cast<uint64_t>(t);
      while (!stop.load()) {
        uint64_t size = latest.load();
        if (size == 0) continue;
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        uint64_t i = (x >> 20) % size;
        auto p = ledger_->inclusion(i, size);
        auto root = root_of(size);
        if (!p.ok() || !root.ok()) {
          ++bad;
          continue;
        }
        std::vector<Hash> proof;
        for (auto& h : p->at("proof").as_array()) proof.push_back(*hash_from_base64(h.as_string()));
        if (!verify_inclusion(i, size, leaf_hash(std::string(p->at("entry").as_string())), proof, *root).ok()) ++bad;
        ++proofs;
      }
    });
  for (int round = 0; round < 12; ++round) {
    ASSERT_TRUE(db_->write([&](storage::Conn& c) -> Status {
      for (int i = 0; i < 150; ++i) SL_TRY(ledger_->append(c, access::Caller{}, Change{"thing.created", "thing", i, "x", "s"}));
      return Ok();
    }).ok());
    auto size = ledger_->checkpoint_now();
    ASSERT_TRUE(size.ok());
    latest = *size;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(latest.load(), 1800u);
  EXPECT_GT(proofs.load(), 0);
  EXPECT_EQ(bad.load(), 0);
}

TEST_F(LedgerTest, Migration0009KeepsTheStoredTree) {
  ASSERT_TRUE(db_->write([&](storage::Conn& c) -> Status {
    for (int i = 0; i < 600; ++i) SL_TRY(ledger_->append(c, access::Caller{}, Change{"thing.created", "thing", i, "x", "s"}));
    return Ok();
  }).ok());
  ASSERT_EQ(*ledger_->checkpoint_now(), 600u);
  const std::vector<std::string> tiles = {"0/000", "0/001", "0/002.p/88", "1/000.p/2"};
  auto snapshot = [&](Ledger& l) {  // every proof and tile the stored tree gives
    std::vector<std::string> out;
    for (uint64_t i = 0; i < 600; ++i) {
      auto p = l.inclusion(i, 600);
      EXPECT_TRUE(p.ok()) << i << ": " << (p.ok() ? "" : p.error().message);
      out.push_back(p.ok() ? bj::serialize(*p) : "");
    }
    for (const auto& t : tiles) {
      auto bytes = l.tile(t);
      EXPECT_TRUE(bytes.ok()) << t;
      out.push_back(bytes.ok() ? *bytes : "");
    }
    return out;
  };
  Ledger fresh_before(*db_, clock_, random_, Keys{}, "test.local/ledger");
  auto before = snapshot(fresh_before);
  const storage::Migration* m0009 = nullptr;
  for (const auto& m : storage::embedded_migrations())
    if (m.version == 9) m0009 = &m;
  ASSERT_NE(m0009, nullptr);
  // Back to the 0002 layout, holding the same nodes (recomputed from the entries).
  auto page = ledger_->entries(0, 1000);
  ASSERT_TRUE(page.ok());
  CompactRange tree;
  std::vector<CompactRange::Node> nodes;
  for (auto& it : page->at("items").as_array())
    for (const auto& n : tree.append(leaf_hash(std::string(it.as_object().at("entry").as_string())))) nodes.push_back(n);
  EXPECT_EQ(nodes.size(), 600u + 300 + 150 + 75 + 37 + 18 + 9 + 4 + 2 + 1);  // every complete node
  ASSERT_TRUE(db_->write([&](storage::Conn& c) -> Status {
    SL_TRY(c.exec_script("DROP TABLE ledger_nodes;"
                         "CREATE TABLE ledger_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, "
                         "PRIMARY KEY (level, idx));"));
    for (const auto& n : nodes)
      SL_TRY(c.exec("INSERT INTO ledger_nodes (level, idx, hash) VALUES (?, ?, ?)",
                    {int64_t{n.level}, static_cast<int64_t>(n.index), storage::Blob{std::string(n.hash.begin(), n.hash.end())}}));
    return c.exec_script(storage::expand_migration(m0009->sql, c.dialect()));
  }).ok());
  Ledger restarted(*db_, clock_, random_, Keys{}, "test.local/ledger");
  auto after = snapshot(restarted);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i], before[i]) << i;
  EXPECT_EQ(after[600 + 2].size(), 88u * 32);
}

TEST_F(LedgerTest, AuditFindsTheFirstTamperedEntry) {
  std::map<int64_t, RecordState> records;  // "thing" records as a module would store them
  for (int i = 1; i <= 6; ++i) {
    ASSERT_TRUE(append_one(i).ok());
    records[i] = RecordState{"{\"n\":1}", "salt"};
  }
  ASSERT_TRUE(ledger_->checkpoint_now().ok());
  RecordLoader load = [&](storage::Conn&, std::string_view type, int64_t id) -> Result<std::optional<RecordState>> {
    if (type != "thing") return Error::Invalid("unknown_type", "");
    auto it = records.find(id);
    if (it == records.end()) return std::optional<RecordState>();
    return std::optional<RecordState>(it->second);
  };
  auto key = parse_vkey(ledger_->verifier_key());
  ASSERT_TRUE(key.ok());
  auto clean = audit(*db_, *key, load);
  ASSERT_TRUE(clean.ok());
  EXPECT_TRUE(clean->ok()) << clean->problem;
  EXPECT_EQ(clean->entries, 6u);
  EXPECT_EQ(clean->records, 6u);

  records[4].content = "{\"n\":2}";  // a record changed behind the ledger's back
  auto changed = audit(*db_, *key, load);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->first_bad_seq, 3u);

  // An entry's bytes rewritten in the database: the checkpoint no longer matches.
  records[4].content = "{\"n\":1}";
  ASSERT_TRUE(db_->write([](storage::Conn& c) -> Status {
    SL_TRY(c.exec("UPDATE ledger_entries SET entry = replace(entry, 'thing.created', 'thing.createx') WHERE seq = 1"));
    return Ok();
  }).ok());
  auto rewritten = audit(*db_, *key, load);
  ASSERT_TRUE(rewritten.ok());
  EXPECT_EQ(rewritten->first_bad_seq, 1u);

  // A key that did not sign the checkpoints.
  Keys other;
  random_.fill(other.signing_seed.data(), 32);
  other.actor_key = "x";
  Ledger impostor(*db_, clock_, random_, other, "test.local/ledger");
  auto wrong = audit(*db_, *parse_vkey(impostor.verifier_key()), load);
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(wrong->ok());
}

TEST_F(LedgerTest, KeysPersistAcrossRestarts) {
  std::string dir = (dir_ / "keys").string();
  auto a = load_or_create_keys(dir, random_);
  auto b = load_or_create_keys(dir, random_);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->signing_seed, b->signing_seed);
  EXPECT_EQ(a->actor_key, b->actor_key);
  EXPECT_EQ(std::filesystem::status(dir + "/signing.key").permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
}

}  // namespace
}  // namespace sl::ledger
