#include "modules/ledger/witness.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "modules/ledger/ledger.h"

namespace sl::ledger {

namespace fs = std::filesystem;
namespace bj = boost::json;

namespace {

Error check_failed(std::string slug, std::string msg) { return Error::Unprocessable(std::move(slug), std::move(msg)); }

Result<std::string> read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return Error::Internal("无法读取 " + p.string());
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Writes `data` to `path` through a synced temporary file and a rename.
Status write_atomically(const fs::path& path, const std::string& data, mode_t mode) {
  fs::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) return Error::Internal("无法写入 " + tmp.string());
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) return Error::Internal("无法写入 " + path.string());
  // The rename itself must survive a crash: sync the directory.
  int dfd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Ok();
}

std::string short_root(const Hash& h) { return to_base64(h).substr(0, 12) + "…"; }

}  // namespace

Result<NoteSigner> load_or_create_witness_key(const std::string& dir, std::string_view name, Random& random) {
  fs::path name_file = fs::path(dir) / "name";
  std::string stored;
  std::error_code ec;
  if (fs::exists(name_file, ec)) {
    SL_ASSIGN(stored, read_file(name_file));
    while (!stored.empty() && (stored.back() == '\n' || stored.back() == '\r')) stored.pop_back();
  }
  if (!stored.empty() && !name.empty() && stored != name)
    return Error::Invalid("witness_name_mismatch", "数据目录中的见证方名称是 " + stored + "，与 --name " + std::string(name) + " 不同");
  std::string use = stored.empty() ? std::string(name) : stored;
  if (use.empty()) return Error::Invalid("witness_name_required", "首次使用须以 --name 指定见证方名称 (如 witness.sheng.example.gov.cn)");
  NoteSigner key{use, {}};
  // A name a note could not carry (spaces, '+', control characters) gives no cosignature.
  if (cosign_line(checkpoint_body("check", 0, empty_root()), key, 0).empty())
    return Error::Invalid("invalid_witness_name", "见证方名称不能含空白字符或 '+': " + use);
  fs::create_directories(dir, ec);
  SL_ASSIGN(std::string seed, read_or_create_secret((fs::path(dir) / "witness.key").string(), 32, random));
  std::copy(seed.begin(), seed.end(), key.seed.begin());
  if (stored.empty()) SL_TRY(write_atomically(name_file, use + "\n", 0644));
  return key;
}

std::string witness_vkey(const NoteSigner& key) {
  auto pk = public_key_of(key);
  return cosignature_vkey(key.name, std::span<const uint8_t, 32>(pk));
}

Result<std::optional<WitnessState>> load_witness_state(const std::string& dir) {
  fs::path p = fs::path(dir) / "state.json";
  std::error_code ec;
  if (!fs::exists(p, ec)) return std::optional<WitnessState>();
  SL_ASSIGN(std::string text, read_file(p));
  auto bad = [&] { return Error::Internal("见证状态文件损坏: " + p.string()); };
  boost::system::error_code jec;
  bj::value v = bj::parse(text, jec);
  if (jec || !v.is_object()) return bad();
  const auto& o = v.as_object();
  auto* log = o.if_contains("log");
  auto* size = o.if_contains("size");
  auto* root = o.if_contains("root");
  if (!log || !log->is_string() || !size || !(size->is_int64() || size->is_uint64()) || !root || !root->is_string())
    return bad();
  WitnessState s;
  s.log = std::string(log->as_string());
  s.size = size->is_uint64() ? size->as_uint64() : static_cast<uint64_t>(size->as_int64());
  auto h = hash_from_base64(root->as_string());
  if (!h.ok()) return bad();
  s.root = *h;
  return std::optional<WitnessState>(std::move(s));
}

Status save_witness_state(const std::string& dir, const WitnessState& s) {
  bj::object o{{"log", s.log}, {"size", s.size}, {"root", to_base64(s.root)}};
  std::error_code ec;
  fs::create_directories(dir, ec);
  return write_atomically(fs::path(dir) / "state.json", bj::serialize(o) + "\n", 0600);
}

Result<CheckedCheckpoint> open_log_checkpoint(std::string_view note, const Verifier& log_key) {
  auto opened = open_note(note, {log_key});
  if (!opened.ok()) {
    const auto& e = opened.error();
    if (e.slug == "note_malformed") return check_failed("checkpoint_malformed", "检查点格式不正确: " + e.message);
    return check_failed("checkpoint_unverified", "检查点的签名无法用固定的平台公钥验证 (" + e.slug + ")");
  }
  auto cp = parse_checkpoint(opened->text);
  if (!cp.ok()) return check_failed("checkpoint_malformed", "检查点格式不正确: " + cp.error().message);
  if (cp->origin != log_key.name)
    return check_failed("checkpoint_wrong_log", "检查点属于另一个账本 (" + cp->origin + ")，不是 " + log_key.name);
  return CheckedCheckpoint{std::move(opened->text), std::move(*cp)};
}

bool needs_proof(const std::optional<WitnessState>& last, uint64_t next_size) {
  return last && last->size > 0 && next_size > last->size;
}

Status check_extends(const std::optional<WitnessState>& last, const Checkpoint& next, const std::vector<Hash>& proof) {
  if (!last) return Ok();  // first checkpoint: trusted on first use
  if (next.size < last->size)
    return check_failed("tree_shrank", "账本变小了：已核验过 " + std::to_string(last->size) + " 条，现在只有 " +
                                           std::to_string(next.size) + " 条");
  if (next.size == last->size) {
    if (next.root != last->root)
      return check_failed("fork_detected", "同一树大小 " + std::to_string(next.size) + " 出现了不同的根哈希 (分叉): 已核验 " +
                                               to_base64(last->root) + "，现在 " + to_base64(next.root));
    return Ok();
  }
  if (last->size == 0) return Ok();  // everything extends the empty tree
  auto st = verify_consistency(last->size, next.size, last->root, next.root, proof);
  if (!st.ok())
    return check_failed("consistency_failed", "一致性证明不成立：树大小 " + std::to_string(next.size) + " 不是已核验的 " +
                                                  std::to_string(last->size) + " 的延续 (" + st.error().message + ")");
  return Ok();
}

std::string RoundReport::describe() const {
  std::string s = "联署 cosigned size " + std::to_string(size) + " root " + short_root(root);
  if (!previous) s += " (first checkpoint, trusted on first use)";
  else if (*previous == size) s += " (unchanged)";
  else if (*previous == 0) s += " (grew from the empty tree)";
  else s += " (consistent with " + std::to_string(*previous) + ", proof of " + std::to_string(proof_hashes) + " hashes)";
  if (submitted.ok()) s += "; submitted";
  else s += "; the platform refused it: " + submitted.error().slug + " " + submitted.error().message;
  return s;
}

Witness::Witness(std::string dir, Verifier log_key, NoteSigner key, const Clock& clock)
    : dir_(std::move(dir)),
      log_key_(std::move(log_key)),
      log_vkey_(vkey(log_key_.name, std::span<const uint8_t, 32>(log_key_.public_key))),
      key_(std::move(key)),
      clock_(clock) {}

Result<RoundReport> Witness::round(LogSource& log) {
  SL_ASSIGN(auto last, load_witness_state(dir_));
  if (last && last->log != log_vkey_)
    return Error::Invalid("state_for_other_log", "数据目录记录的是另一个账本 (" + last->log + ") 的状态，请换一个 --data 目录");
  SL_ASSIGN(std::string note, log.checkpoint());
  SL_ASSIGN(auto checked, open_log_checkpoint(note, log_key_));
  std::vector<Hash> proof;
  if (needs_proof(last, checked.cp.size)) {
    auto p = log.consistency(last->size, checked.cp.size);
    if (!p.ok()) {
      if (p.error().code == Code::kUnavailable) return p.take_error();
      return check_failed("consistency_failed", "平台未能给出从 " + std::to_string(last->size) + " 到 " +
                                                    std::to_string(checked.cp.size) + " 的一致性证明: " + p.error().message);
    }
    proof = std::move(*p);
  }
  SL_TRY(check_extends(last, checked.cp, proof));
  SL_TRY(save_witness_state(dir_, WitnessState{log_vkey_, checked.cp.size, checked.cp.root}));

  RoundReport rep;
  rep.size = checked.cp.size;
  rep.root = checked.cp.root;
  if (last) rep.previous = last->size;
  rep.proof_hashes = proof.size();
  rep.timestamp = static_cast<uint64_t>(clock_.now_ms() / 1000);
  rep.cosignature = cosign_line(checked.body, key_, rep.timestamp);
  if (rep.cosignature.empty()) return Error::Internal("无法生成联署签名");
  rep.submitted = log.submit(rep.size, rep.cosignature);
  return rep;
}

}  // namespace sl::ledger
