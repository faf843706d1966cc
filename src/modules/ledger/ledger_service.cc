// Ledger use cases: appending inside callers' transactions, the checkpointer, proofs, keys.
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/encoding.h"
#include "modules/ledger/ledger.h"
#include "modules/ledger/ledger_store.h"
#include "modules/ledger/note.h"

namespace sl::ledger {

using storage::Conn;
namespace bj = boost::json;

Result<std::string> read_or_create_secret(const std::string& file, size_t bytes, Random& random) {
  std::filesystem::path path(file);
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    std::ifstream f(path);
    std::string hex;
    f >> hex;
    std::string raw;
    if (hex.size() != bytes * 2 || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
      return Error::Internal("密钥文件损坏: " + path.string());
    for (size_t i = 0; i < hex.size(); i += 2) raw.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return raw;
  }
  std::filesystem::create_directories(path.parent_path(), ec);
  std::string raw(bytes, '\0');
  random.fill(raw.data(), raw.size());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return Error::Internal("无法创建密钥文件: " + path.string());
  std::string hex = hex_encode(raw) + "\n";
  bool ok = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Error::Internal("无法写入密钥文件: " + path.string());
  return raw;
}

namespace {

NoteSigner signer_of(const std::string& origin, const Keys& keys) {
  NoteSigner s;
  s.name = origin;
  s.seed = keys.signing_seed;
  return s;
}

std::vector<std::string> b64_all(const std::vector<Hash>& hs) {
  std::vector<std::string> out;
  for (const auto& h : hs) out.push_back(to_base64(h));
  return out;
}

bj::array json_strings(const std::vector<std::string>& v) {
  bj::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

Result<Keys> load_or_create_keys(const std::string& dir, Random& random) {
  Keys k;
  SL_ASSIGN(std::string seed, read_or_create_secret((std::filesystem::path(dir) / "signing.key").string(), 32, random));
  std::copy(seed.begin(), seed.end(), k.signing_seed.begin());
  SL_ASSIGN(k.actor_key, read_or_create_secret((std::filesystem::path(dir) / "actor.key").string(), 32, random));
  return k;
}

std::string content_hash(std::string_view salt, std::string_view content) {
  if (salt.empty() && content.empty()) return "";
  return to_hex(sha256_of(salt, "\n", content));
}

Ledger::Ledger(storage::Database& db, const Clock& clock, Random& random, Keys keys, std::string origin)
    : db_(db), clock_(clock), random_(random), keys_(std::move(keys)), origin_(std::move(origin)) {}

Ledger::~Ledger() { stop(); }

std::string Ledger::new_salt() { return hex_encode(random_.token(12)); }

std::string Ledger::actor_pseudonym(const access::Caller& actor) const {
  if (actor.person_id == 0) return "system";
  {
    std::lock_guard lk(pseudonyms_mu_);
    auto it = pseudonyms_.find(actor.person_id);
    if (it != pseudonyms_.end()) return it->second;
  }
  std::string msg = "person:" + std::to_string(actor.person_id);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(keys_.actor_key.data()), keys_.actor_key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
  crypto_auth_hmacsha256_final(&st, mac);
  std::string p = "p-" + hex_encode(std::string_view(reinterpret_cast<char*>(mac), 8));
  std::lock_guard lk(pseudonyms_mu_);
  if (pseudonyms_.size() >= kPseudonymCacheSize) pseudonyms_.clear();  // bounded; the active refill it
  pseudonyms_.emplace(actor.person_id, p);
  return p;
}

namespace {

// A JSON string exactly as boost::json::serialize writes it (the entry format was defined by
// that serializer): '"' and '\\' escaped, \b \t \n \f \r, other control bytes as \u00xx
// (lowercase hex), everything else (UTF-8 included) copied as is.
void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  auto plain = [](char ch) { return static_cast<unsigned char>(ch) >= 0x20 && ch != '"' && ch != '\\'; };
  if (std::all_of(s.begin(), s.end(), plain)) {  // the usual case: nothing to escape
    out.append(s);
    out += '"';
    return;
  }
  for (char ch : s) {
    auto u = static_cast<unsigned char>(ch);
    if (u >= 0x20 && ch != '"' && ch != '\\') {
      out += ch;
      continue;
    }
    out += '\\';
    switch (ch) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '\b': out += 'b'; break;
      case '\t': out += 't'; break;
      case '\n': out += 'n'; break;
      case '\f': out += 'f'; break;
      case '\r': out += 'r'; break;
      default:
        out += "u00";
        out += kHex[u >> 4];
        out += kHex[u & 15];
    }
  }
  out += '"';
}

// The entry (leaf bytes), written directly instead of through a JSON document: one line, keys
// in the fixed order of ledger.h.
std::string entry_text(int64_t seq, std::string_view at, std::string_view actor, std::string_view action,
                       std::string_view object, std::string_view content) {
  std::string e;
  e.reserve(96 + at.size() + actor.size() + action.size() + object.size() + content.size());
  e += "{\"seq\":";
  e += std::to_string(seq);
  e += ",\"at\":";
  append_json_string(e, at);
  e += ",\"actor\":";
  append_json_string(e, actor);
  e += ",\"action\":";
  append_json_string(e, action);
  e += ",\"object\":";
  append_json_string(e, object);
  e += ",\"content\":";
  append_json_string(e, content);
  e += '}';
  return e;
}

}  // namespace

Result<int64_t> Ledger::append(Conn& c, const access::Caller& actor, const Change& ch) {
  SL_ASSIGN(int64_t seq, store::next_seq(c));
  TimeMs now = clock_.now_ms();
  std::string hash = content_hash(ch.salt, ch.content);
  std::string who = actor_pseudonym(actor);
  std::string id = std::to_string(ch.object_id);
  std::string entry = entry_text(seq, format_iso8601(now), who, ch.action, ch.object_type + "/" + id, hash);
  SL_TRY(store::insert_entry(
      c, store::EntryRow{seq, now, std::move(who), ch.action, ch.object_type, std::move(id), std::move(hash), std::move(entry)}));
  return seq;
}

Status Ledger::record(Conn& c, const access::Caller& actor, std::string_view action, std::string_view type, int64_t id,
                      std::optional<RecordState> state, const std::function<Status(const std::string&)>& store_salt) {
  Change ch{std::string(action), std::string(type), id, "", ""};
  if (state) {
    ch.content = std::move(state->content);
    ch.salt = std::move(state->salt);
    if (ch.salt.empty()) {
      ch.salt = new_salt();
      SL_TRY(store_salt(ch.salt));
    }
  }
  SL_TRY(append(c, actor, ch));
  return Ok();
}

std::array<uint8_t, 32> Ledger::public_key() const { return public_key_of(signer_of(origin_, keys_)); }

std::string Ledger::verifier_key() const {
  auto pk = public_key();
  return vkey(origin_, std::span<const uint8_t, 32>(pk));
}

Result<uint64_t> Ledger::checkpoint_now() {
  std::lock_guard lk(cp_mu_);
  constexpr int64_t kBatch = 50000;
  NoteSigner signer = signer_of(origin_, keys_);
  TimeMs now = clock_.now_ms();
  uint64_t from = 0;
  std::vector<CompactRange::Node> cached;  // new nodes for the in-memory upper tree
  auto size = db_.write_value<uint64_t>([&](Conn& c) -> Result<uint64_t> {
    cached.clear();
    // Another node's checkpointer may be running: wait for it, then start from what it stored.
    SL_TRY(store::lock_checkpointer(c));
    SL_ASSIGN(auto last, store::latest_checkpoint(c));
    SL_ASSIGN(int64_t head, store::head_size(c));
    from = last ? last->size : 0;
    if (last && static_cast<int64_t>(from) >= head) return from;
    NodeSource nodes = store::node_source(c);
    SL_ASSIGN(CompactRange range, CompactRange::from_nodes(from, nodes));
    SL_ASSIGN(auto batch, store::entries_from(c, from, kBatch));
    for (const auto& [seq, entry] : batch) {
      if (static_cast<uint64_t>(seq) != range.size()) return Error::Internal("ledger entries are not contiguous");
      for (const auto& n : range.append(leaf_hash(entry))) {
        SL_TRY(store::insert_node(c, n.level, n.index, n.hash));
        if (n.level >= NodeCache::kMinLevel) cached.push_back(n);
      }
    }
    Hash root = range.root();
    std::string note = sign_note(checkpoint_body(origin_, range.size(), root), signer);
    SL_TRY(store::insert_checkpoint(c, range.size(), root, note, now));
    return range.size();
  });
  // Only committed nodes go into memory.
  if (size.ok()) node_cache_.extend(from, *size, cached);
  return size;
}

void Ledger::start(int interval_ms, std::unique_ptr<storage::LeaderLock> lock) {
  lock_ = std::move(lock);
  thread_ = std::thread([this, interval_ms] {
    std::unique_lock lk(stop_mu_);
    uint64_t last = 0;
    while (!stopping_) {
      lk.unlock();
      bool mine = !lock_ || lock_->hold();
      if (mine != signing_.load()) {
        spdlog::info(mine ? "ledger: this node now signs the checkpoints" : "ledger: another node signs the checkpoints");
        signing_.store(mine);
      }
      if (!mine) {
        lk.lock();
        stop_cv_.wait_for(lk, std::chrono::milliseconds(interval_ms), [this] { return stopping_; });
        continue;
      }
      auto r = checkpoint_now();
      if (!r.ok()) spdlog::warn("ledger checkpoint failed: {}", r.error().message);
      if (r.ok() && *r > last) {
        if (on_checkpoint_) on_checkpoint_(*r);
        last = *r;
      }
      lk.lock();
      stop_cv_.wait_for(lk, std::chrono::milliseconds(interval_ms), [this] { return stopping_; });
    }
  });
}

void Ledger::stop() {
  {
    std::lock_guard lk(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (lock_) lock_->release();
  signing_.store(false);
}

Result<std::string> Ledger::latest_checkpoint() {
  SL_ASSIGN(auto cp, db_.read_value<std::optional<store::CheckpointRow>>([](Conn& c) { return store::latest_checkpoint(c); }));
  if (!cp) {
    SL_TRY(checkpoint_now());
    SL_ASSIGN(cp, db_.read_value<std::optional<store::CheckpointRow>>([](Conn& c) { return store::latest_checkpoint(c); }));
    if (!cp) return Error::Unavailable("账本检查点尚未生成");
  }
  return cp->note;
}

Result<bj::object> Ledger::entries(uint64_t after, int limit) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto batch, store::entries_from(c, after, limit + 1));
    bj::array items;
    std::optional<int64_t> next;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (static_cast<int>(i) == limit) {
        next = batch[i].first;
        break;
      }
      items.push_back(bj::object{{"seq", batch[i].first},
                                 {"entry", batch[i].second},
                                 {"leaf_hash", to_base64(leaf_hash(batch[i].second))}});
    }
    bj::object o{{"items", std::move(items)}};
    o["next"] = next ? bj::value(*next) : bj::value(nullptr);
    return o;
  });
}

namespace {

// The hashes of `ids` for a proof against a checkpointed tree of `tree_size` leaves: the upper
// levels from memory (loaded on first use), the few low nodes from storage in one query.
Result<std::vector<Hash>> proof_hashes(Conn& c, NodeCache& cache, uint64_t tree_size, const std::vector<NodeId>& ids) {
  SL_TRY(cache.top_up(c, tree_size));
  std::vector<Hash> out(ids.size());
  std::vector<NodeId> missing;
  std::vector<size_t> where;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (auto h = cache.find(ids[i])) {
      out[i] = *h;
    } else {
      missing.push_back(ids[i]);
      where.push_back(i);
    }
  }
  if (!missing.empty()) {
    SL_ASSIGN(auto got, store::nodes_at(c, missing));
    for (size_t j = 0; j < got.size(); ++j) out[where[j]] = got[j];
  }
  return out;
}

// Serves the nodes fetched by proof_hashes to a proof that asks for them in the listed order.
NodeSource listed(const std::vector<NodeId>& ids, const std::vector<Hash>& hashes, size_t& next) {
  return [&ids, &hashes, &next](int level, uint64_t index) -> Result<Hash> {
    if (next >= ids.size() || ids[next] != NodeId{level, index})
      return Error::Internal("ledger proof asked for a node it did not list");
    return hashes[next++];
  };
}

}  // namespace

Result<bj::object> Ledger::inclusion(uint64_t index, uint64_t tree_size) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto cp, store::checkpoint_at(c, tree_size));
    if (!cp) return Error::NotFound("checkpoint_not_found", "没有这个树大小的检查点");
    if (index >= tree_size) return Error::Invalid("index_out_of_range", "条目序号必须小于树的大小");
    SL_ASSIGN(auto entry, store::entry_at(c, index));
    if (!entry) return Error::NotFound("entry_not_found", "条目不存在");
    SL_ASSIGN(auto ids, inclusion_nodes(index, tree_size));
    SL_ASSIGN(auto hashes, proof_hashes(c, node_cache_, tree_size, ids));
    size_t next = 0;
    SL_ASSIGN(auto proof, inclusion_proof(index, tree_size, listed(ids, hashes, next)));
    return bj::object{{"index", index},
                      {"tree_size", tree_size},
                      {"entry", *entry},
                      {"leaf_hash", to_base64(leaf_hash(*entry))},
                      {"proof", json_strings(b64_all(proof))},
                      {"checkpoint", cp->note}};
  });
}

Result<bj::object> Ledger::consistency(uint64_t first, uint64_t second) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    if (first == 0 || first > second) return Error::Invalid("invalid_range", "须满足 0 < first ≤ second");
    SL_ASSIGN(auto a, store::checkpoint_at(c, first));
    SL_ASSIGN(auto b, store::checkpoint_at(c, second));
    if (!a || !b) return Error::NotFound("checkpoint_not_found", "没有这个树大小的检查点");
    SL_ASSIGN(auto ids, consistency_nodes(first, second));
    SL_ASSIGN(auto hashes, proof_hashes(c, node_cache_, second, ids));
    size_t next = 0;
    SL_ASSIGN(auto proof, consistency_proof(first, second, listed(ids, hashes, next)));
    return bj::object{{"first", first}, {"second", second}, {"proof", json_strings(b64_all(proof))}};
  });
}

Result<bj::object> Ledger::object_entries(std::string_view type, int64_t id) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto rows, store::object_entries(c, type, id));
    bj::array items;
    for (const auto& [seq, entry] : rows)
      items.push_back(bj::object{{"seq", seq}, {"entry", entry}, {"leaf_hash", to_base64(leaf_hash(entry))}});
    bj::object o{{"object", std::string(type) + "/" + std::to_string(id)}, {"items", std::move(items)}};
    SL_ASSIGN(auto erased, erasure(c, type, id));
    if (erased) o["erased"] = erasure_json(*erased);
    return o;
  });
}

}  // namespace sl::ledger
