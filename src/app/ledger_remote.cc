// `shangliang ledger verify --url`: checks a running platform from outside, with nothing but
// its public API, the way any citizen, journalist or supervising body could:
//   1. the key: the served vkey (or the pinned --log-key, which the served one must equal);
//   2. the latest checkpoint: its signature, and the cosignatures of the listed witnesses;
//   3. every stored checkpoint up to it: signatures;
//   4. every entry (paged GET /api/v1/ledger/entries) rebuilt into the Merkle tree, whose root
//      at each checkpoint's size must be that checkpoint's root; where one differs, inclusion
//      proofs from the last matching checkpoint on name the first entry that is not the one
//      that was signed;
//   5. the platform's consistency proofs between consecutive checkpoints;
//   6. public records that carry "ledger":{"type","id","salt","content"} (organisations and
//      their sectors): SHA-256(salt ‖ "\n" ‖ content) must be the latest entry's content hash.
#include <boost/json.hpp>

#include <cstdio>
#include <deque>
#include <map>
#include <set>
#include <unordered_map>

#include "app/http_client.h"
#include "app/ledger_cli.h"
#include "modules/ledger/ledger.h"
#include "modules/ledger/merkle.h"
#include "modules/ledger/note.h"

namespace sl::app {

namespace bj = boost::json;
using ledger::Hash;

namespace {

Error mismatch(std::string msg) { return Error{Code::kUnprocessable, "ledger_mismatch", std::move(msg), {}}; }

// Outside input: numbers are read without exceptions.
std::optional<uint64_t> as_u64(const bj::value* v) {
  if (!v) return std::nullopt;
  if (v->is_uint64()) return v->as_uint64();
  if (v->is_int64() && v->as_int64() >= 0) return static_cast<uint64_t>(v->as_int64());
  return std::nullopt;
}
const bj::value* field(const bj::value& v, std::string_view name) {
  return v.is_object() ? v.as_object().if_contains(name) : nullptr;
}
std::optional<std::string> as_str(const bj::value* v) {
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}
std::vector<Hash> hashes_of(const bj::value* v) {
  std::vector<Hash> out;
  if (v && v->is_array())
    for (const auto& h : v->as_array())
      if (h.is_string())
        if (auto hash = ledger::hash_from_base64(h.as_string()); hash.ok()) out.push_back(*hash);
  return out;
}

class RemoteAudit {
 public:
  explicit RemoteAudit(HttpClient& http) : http_(http) {}

  Status run(const std::string& pinned);

 private:
  struct Signed {
    uint64_t size;
    Hash root;
  };
  struct Latest {
    uint64_t seq;
    std::string content;
  };

  Result<std::string> get_text(const std::string& target) {
    SL_ASSIGN(auto r, http_.get(target));
    if (!r.ok()) return reply_error(r, "GET " + target);
    return std::move(r.body);
  }
  Result<bj::object> get_object(const std::string& target) {
    SL_ASSIGN(std::string body, get_text(target));
    boost::system::error_code ec;
    auto v = bj::parse(body, ec);
    if (ec || !v.is_object()) return mismatch("GET " + target + " 的回答不是 JSON 对象");
    return std::move(v.as_object());
  }

  void problem(uint64_t seq, std::string what) { problems_.emplace(seq, std::move(what)); }
  void global(std::string what) {
    if (global_.empty()) global_ = std::move(what);
  }

  Status fetch_key(const std::string& pinned);
  Status fetch_witnesses();
  Status fetch_latest();
  Status fetch_checkpoints();
  Status rebuild_from_entries();
  Status locate_bad_entry(uint64_t from, const Signed& cp);
  Status check_consistency_proofs();
  Status check_records();
  Status check_record(const bj::object& rec);

  HttpClient& http_;
  ledger::Verifier key_;
  std::string vkey_;
  bool pinned_ = false;
  std::vector<ledger::Verifier> witnesses_;
  Signed latest_{};
  std::vector<std::string> cosigned_by_;
  std::vector<Signed> checkpoints_;  // every stored checkpoint up to the latest, in size order
  std::unordered_map<std::string, Latest> latest_entry_;  // "type/id" -> latest entry
  uint64_t entries_ = 0, proofs_ = 0, records_ = 0, records_without_ = 0, records_pending_ = 0;
  bool located_ = false;  // a root mismatch was traced to an entry
  std::map<uint64_t, std::string> problems_;  // by entry; the lowest is reported
  std::string global_;
};

Status RemoteAudit::fetch_key(const std::string& pinned) {
  SL_ASSIGN(auto k, get_object("/api/v1/ledger/key"));
  auto* served = k.if_contains("vkey");
  if (!served || !served->is_string()) return mismatch("平台没有公布账本公钥 (GET /api/v1/ledger/key)");
  vkey_ = pinned.empty() ? std::string(served->as_string()) : pinned;
  pinned_ = !pinned.empty();
  auto v = ledger::parse_vkey(vkey_);
  if (!v.ok() || v->type != ledger::kSigEd25519) return Error::Invalid("bad_log_key", "账本公钥无效: " + vkey_);
  key_ = *v;
  if (pinned_ && served->as_string() != pinned)
    return mismatch("平台现在公布的账本公钥 (" + std::string(served->as_string()) + ") 与固定的 --log-key 不同");
  return Ok();
}

Status RemoteAudit::fetch_witnesses() {
  auto list = get_object("/api/v1/ledger/witnesses");
  if (!list.ok()) {
    if (list.error().slug == "not_found" || list.error().slug == "http_404") return Ok();  // a platform without witnesses
    return list.take_error();
  }
  auto* items = list->if_contains("items");
  if (!items || !items->is_array()) return Ok();
  for (const auto& w : items->as_array()) {
    const bj::value* vk = w.is_object() ? w.as_object().if_contains("vkey") : nullptr;
    if (!vk || !vk->is_string()) continue;
    auto v = ledger::parse_vkey(vk->as_string());
    if (v.ok() && v->type == ledger::kSigCosignature) witnesses_.push_back(*v);
  }
  return Ok();
}

Status RemoteAudit::fetch_latest() {
  SL_ASSIGN(std::string note, get_text("/api/v1/ledger/checkpoint"));
  auto opened = ledger::open_note(note, {key_});
  if (!opened.ok()) return mismatch("最新检查点的签名无法用账本公钥验证 (" + opened.error().message + ")");
  auto cp = ledger::parse_checkpoint(opened->text);
  if (!cp.ok() || cp->origin != key_.name) return mismatch("最新检查点的内容不是这个账本的检查点");
  latest_ = {cp->size, cp->root};
  // Cosignatures: the witnesses the platform lists, each line checked with that witness's key.
  std::vector<ledger::Verifier> all = witnesses_;
  all.push_back(key_);
  auto with = ledger::open_note(note, all);
  if (!with.ok()) return mismatch("最新检查点上的见证方联署签名无效 (" + with.error().message + ")");
  for (const auto& s : with->signatures)
    if (s.verified && s.name != key_.name) cosigned_by_.push_back(s.name);
  return Ok();
}

Status RemoteAudit::fetch_checkpoints() {
  std::optional<uint64_t> after;
  for (;;) {
    // after_size is exclusive; without it the list starts at the empty tree.
    std::string target = "/api/v1/ledger/checkpoints?limit=1000";
    if (after) target += "&after_size=" + std::to_string(*after);
    SL_ASSIGN(auto page, get_object(target));
    auto* items = page.if_contains("items");
    if (!items || !items->is_array()) return mismatch("检查点列表的格式不正确");
    for (const auto& it : items->as_array()) {
      auto size = as_u64(field(it, "size"));
      auto note = as_str(field(it, "note"));
      if (!size || !note) return mismatch("检查点列表的格式不正确");
      uint64_t s = *size;
      if (s > latest_.size) return Ok();  // signed after we started: not part of this check
      auto opened = ledger::open_note(*note, {key_});
      auto cp = opened.ok() ? ledger::parse_checkpoint(opened->text) : Result<ledger::Checkpoint>(opened.error());
      if (!cp.ok() || cp->size != s || cp->origin != key_.name) {
        global("树大小为 " + std::to_string(s) + " 的检查点签名无效或内容不符");
        continue;
      }
      if (!checkpoints_.empty() && s <= checkpoints_.back().size) return mismatch("检查点列表没有按树大小排序");
      checkpoints_.push_back({s, cp->root});
      after = s;
    }
    auto* next = page.if_contains("next");
    if (!next || next->is_null() || items->as_array().empty()) return Ok();
  }
}

Status RemoteAudit::rebuild_from_entries() {
  ledger::CompactRange range;
  std::vector<Signed> cps = checkpoints_;
  if (cps.empty() || cps.back().size != latest_.size) cps.push_back(latest_);
  size_t next_cp = 0;
  uint64_t last_good = 0;  // the largest checkpointed size whose root matched
  auto compare = [&]() -> Status {
    while (next_cp < cps.size() && cps[next_cp].size == range.size()) {
      const Signed& cp = cps[next_cp++];
      if (cp.root == range.root()) {
        last_good = cp.size;
        continue;
      }
      // The entries served are not the ones that were signed: find the first that differs.
      return locate_bad_entry(last_good, cp);
    }
    return Ok();
  };
  SL_TRY(compare());  // a checkpoint of the empty tree
  while (range.size() < latest_.size) {
    uint64_t want = std::min<uint64_t>(1000, latest_.size - range.size());
    SL_ASSIGN(auto page, get_object("/api/v1/ledger/entries?after=" + std::to_string(range.size()) +
                                    "&limit=" + std::to_string(want)));
    auto* items = page.if_contains("items");
    if (!items || !items->is_array()) return mismatch("账本条目列表的格式不正确");
    if (items->as_array().empty()) {
      problem(range.size(), "平台只公开了 " + std::to_string(range.size()) + " 条账本条目，而它签名的检查点有 " +
                                std::to_string(latest_.size) + " 条 (缺少第 " + std::to_string(range.size()) + " 条)");
      return Ok();
    }
    for (const auto& it : items->as_array()) {
      if (range.size() >= latest_.size) break;
      uint64_t seq = range.size();
      auto s = as_u64(field(it, "seq"));
      auto entry = as_str(field(it, "entry"));
      if (!s || !entry) return mismatch("账本条目列表的格式不正确");
      if (*s != seq) {
        problem(seq, "缺少第 " + std::to_string(seq) + " 条账本条目 (平台给出的是第 " + std::to_string(*s) + " 条)");
        return Ok();
      }
      boost::system::error_code ec;
      auto parsed = bj::parse(*entry, ec);
      if (ec) parsed = nullptr;
      auto eseq = as_u64(field(parsed, "seq"));
      auto obj = as_str(field(parsed, "object"));
      auto content = as_str(field(parsed, "content"));
      if (!eseq || *eseq != seq || !obj || !content) problem(seq, "第 " + std::to_string(seq) + " 条账本条目的格式不正确");
      else latest_entry_[*obj] = Latest{seq, *content};
      range.append(ledger::leaf_hash(*entry));
      entries_ = range.size();
      SL_TRY(compare());
      if (located_) return Ok();
    }
  }
  return Ok();
}

Status RemoteAudit::locate_bad_entry(uint64_t from, const Signed& cp) {
  // Entries below `from` are covered by a checkpoint that matched. Ask for the inclusion proof
  // of each later one in the signed tree: the first whose served text does not fold to the
  // signed root is the one that was changed (or removed, or inserted).
  constexpr uint64_t kMaxProofs = 100000;
  for (uint64_t i = from; i < cp.size && i < from + kMaxProofs; ++i) {
    SL_ASSIGN(auto p, get_object("/api/v1/ledger/proof/inclusion?index=" + std::to_string(i) +
                                 "&tree_size=" + std::to_string(cp.size)));
    SL_ASSIGN(auto page, get_object("/api/v1/ledger/entries?after=" + std::to_string(i) + "&limit=1"));
    std::string entry;
    if (auto* items = page.if_contains("items"); items && items->is_array() && !items->as_array().empty())
      entry = as_str(field(items->as_array()[0], "entry")).value_or("");
    std::vector<Hash> proof = hashes_of(p.if_contains("proof"));
    if (!ledger::verify_inclusion(i, cp.size, ledger::leaf_hash(entry), proof, cp.root).ok()) {
      located_ = true;
      problem(i, "第 " + std::to_string(i) + " 条账本条目与签名时不同 (树大小 " + std::to_string(cp.size) +
                     " 的检查点对它的包含证明不成立)：条目被改动、删除或插入");
      return Ok();
    }
  }
  located_ = true;
  problem(from, "树大小为 " + std::to_string(cp.size) + " 的检查点与平台公开的条目 " + std::to_string(from) + "…" +
                    std::to_string(cp.size - 1) + " 不符");
  return Ok();
}

Status RemoteAudit::check_consistency_proofs() {
  for (size_t i = 1; i < checkpoints_.size(); ++i) {
    const Signed& a = checkpoints_[i - 1];
    const Signed& b = checkpoints_[i];
    if (a.size == 0) continue;  // nothing to prove from the empty tree
    auto p = get_object("/api/v1/ledger/proof/consistency?first=" + std::to_string(a.size) +
                        "&second=" + std::to_string(b.size));
    std::vector<Hash> proof = p.ok() ? hashes_of(p->if_contains("proof")) : std::vector<Hash>();
    if (!p.ok() || !ledger::verify_consistency(a.size, b.size, a.root, b.root, proof).ok()) {
      problem(a.size, "检查点 " + std::to_string(a.size) + " 与 " + std::to_string(b.size) + " 之间的一致性证明不成立");
      return Ok();
    }
    ++proofs_;
  }
  return Ok();
}

Status RemoteAudit::check_record(const bj::object& rec) {
  const bj::value* l = rec.if_contains("ledger");
  if (!l || !l->is_object()) {
    ++records_without_;
    return Ok();
  }
  const auto& lo = l->as_object();
  auto type = as_str(lo.if_contains("type"));
  auto id = as_u64(lo.if_contains("id"));
  auto salt = as_str(lo.if_contains("salt"));
  auto content = as_str(lo.if_contains("content"));
  if (!type || !id || !salt || !content || type->empty() ||
      type->find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos) {
    global("记录的 ledger 字段格式不正确: " + bj::serialize(*l));
    return Ok();
  }
  std::string object = *type + "/" + std::to_string(*id);
  std::string hash = ledger::content_hash(*salt, *content);
  ++records_;
  auto it = latest_entry_.find(object);
  if (it != latest_entry_.end() && it->second.content == hash) return Ok();
  // Changed after the checkpoint this check covers? Then its newer entry must match.
  SL_ASSIGN(auto entries, get_object("/api/v1/ledger/objects/" + object));
  if (auto* items = entries.if_contains("items"); items && items->is_array() && !items->as_array().empty()) {
    const bj::value& last = items->as_array().back();
    auto seq = as_u64(field(last, "seq"));
    boost::system::error_code ec;
    bj::value e = bj::parse(as_str(field(last, "entry")).value_or(""), ec);
    if (ec) e = nullptr;
    if (seq && *seq >= latest_.size && as_str(field(e, "content")) == hash) {
      ++records_pending_;
      return Ok();
    }
  }
  if (it == latest_entry_.end()) global("公开的记录 " + object + " 在账本中没有留痕");
  else if (it->second.content.empty())
    problem(it->second.seq, "第 " + std::to_string(it->second.seq) + " 条记载 " + object + " 已删除，但平台仍公开它");
  else
    problem(it->second.seq, "第 " + std::to_string(it->second.seq) + " 条记载的 " + object + " 与平台公开的内容不符（记录被改动）");
  return Ok();
}

Status RemoteAudit::check_records() {
  // Organisations (the public tree, breadth first) and the sectors of each.
  std::deque<std::optional<int64_t>> parents{std::nullopt};
  std::set<int64_t> seen;
  while (!parents.empty()) {
    auto parent = parents.front();
    parents.pop_front();
    std::string base = parent ? "/api/v1/orgs?limit=200&parent_id=" + std::to_string(*parent) : "/api/v1/orgs?limit=200";
    std::string cursor;
    for (int pages = 0; pages < 100000; ++pages) {
      SL_ASSIGN(auto page, get_object(cursor.empty() ? base : base + "&cursor=" + cursor));
      auto* items = page.if_contains("items");
      if (!items || !items->is_array()) return mismatch("组织列表的格式不正确");
      for (const auto& it : items->as_array()) {
        const auto* org = it.if_object();
        auto id = as_u64(field(it, "id"));
        if (!org || !id) continue;
        int64_t oid = static_cast<int64_t>(*id);
        if (!seen.insert(oid).second) continue;
        if (org->if_contains("ledger")) {
          SL_TRY(check_record(*org));
        } else {
          SL_ASSIGN(auto full, get_object("/api/v1/orgs/" + std::to_string(oid)));
          SL_TRY(check_record(full));
        }
        if (auto cc = as_u64(org->if_contains("child_count")); !cc || *cc > 0) parents.push_back(oid);
        SL_ASSIGN(auto sectors, get_object("/api/v1/orgs/" + std::to_string(oid) + "/sectors"));
        if (auto* si = sectors.if_contains("items"); si && si->is_array())
          for (const auto& s : si->as_array())
            if (s.is_object()) SL_TRY(check_record(s.as_object()));
      }
      auto* next = page.if_contains("next_cursor");
      if (!next || !next->is_string()) break;
      cursor = std::string(next->as_string());
    }
  }
  return Ok();
}

Status RemoteAudit::run(const std::string& pinned) {
  SL_TRY(fetch_key(pinned));
  SL_TRY(fetch_witnesses());
  SL_TRY(fetch_latest());
  SL_TRY(fetch_checkpoints());
  SL_TRY(rebuild_from_entries());
  if (problems_.empty()) SL_TRY(check_consistency_proofs());
  if (problems_.empty()) SL_TRY(check_records());

  std::string root = ledger::to_base64(latest_.root);
  std::printf("key: %s%s\n", vkey_.c_str(), pinned_ ? " (pinned)" : " (as served; pin it with --log-key)");
  std::printf("checkpoint: size %llu, root %s\n", static_cast<unsigned long long>(latest_.size), root.c_str());
  std::string names;
  for (const auto& n : cosigned_by_) names += (names.empty() ? "" : ", ") + n;
  std::printf("cosigned by: %zu witness(es)%s%s\n", cosigned_by_.size(), names.empty() ? "" : ": ", names.c_str());
  std::printf("entries: %llu\ncheckpoints: %zu\nconsistency proofs: %llu\n", static_cast<unsigned long long>(entries_),
              checkpoints_.size(), static_cast<unsigned long long>(proofs_));
  std::printf("records checked: %llu (without ledger data: %llu; changed since the checkpoint: %llu)\n",
              static_cast<unsigned long long>(records_), static_cast<unsigned long long>(records_without_),
              static_cast<unsigned long long>(records_pending_));
  std::fflush(stdout);
  if (!problems_.empty()) {
    return mismatch("第一处不符在第 " + std::to_string(problems_.begin()->first) + " 条: " + problems_.begin()->second);
  }
  if (!global_.empty()) return mismatch(global_);
  std::printf("账本完好 (ledger verified)\n");
  return Ok();
}

}  // namespace

Status verify_remote_ledger(const std::string& url, const std::string& log_key) {
  SL_ASSIGN(auto http, HttpClient::create(url, 60000));
  RemoteAudit audit(*http);
  return audit.run(log_key);
}

}  // namespace sl::app
