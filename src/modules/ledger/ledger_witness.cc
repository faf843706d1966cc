// Witness cosignatures, the platform's side (见证方联署): which witnesses it accepts, checking
// and keeping their C2SP tlog-cosignature/v1 signatures of its checkpoints, and serving them
// with the checkpoints. The witness itself (following, checking, cosigning) is witness.cc.
//
// A cosignature is never a ledger entry: an entry would need a new checkpoint, which the
// witness would cosign, which would need an entry...
#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <set>

#include "core/clock.h"
#include "core/json.h"
#include "modules/common/route_util.h"
#include "modules/ledger/ledger.h"
#include "modules/ledger/ledger_store.h"

namespace sl::ledger {

using storage::Conn;
namespace bj = boost::json;

namespace {

constexpr std::string_view kEmDash = "\xE2\x80\x94 ";
constexpr uint64_t kFutureSlackSeconds = 600;  // witness clocks may run a little ahead

// The text of a stored (platform-signed) note: everything before its signature block.
std::string note_text(const std::string& note) {
  size_t split = note.rfind("\n\n");
  return split == std::string::npos ? note : note.substr(0, split + 1);
}

std::string vkey_of(const Verifier& v) { return cosignature_vkey(v.name, std::span<const uint8_t, 32>(v.public_key)); }

Error malformed(std::string why) {
  return Error::Invalid("malformed_cosignature", "联署签名格式不正确: " + std::move(why));
}

std::string iso_seconds(uint64_t posix_seconds) {
  return format_iso8601(static_cast<TimeMs>(posix_seconds) * 1000);
}

}  // namespace

Status Ledger::set_witnesses(const std::vector<std::string>& vkeys) {
  std::vector<Verifier> out;
  std::set<std::pair<std::string, uint32_t>> seen;
  for (const auto& k : vkeys) {
    auto v = parse_vkey(k);
    if (!v.ok()) return Error::Invalid("bad_config", "ledger.witnesses 中的见证方公钥无效 (" + v.error().message + "): " + k);
    if (v->type != kSigCosignature)
      return Error::Invalid("bad_config", "ledger.witnesses 须为 tlog-cosignature/v1 公钥 (类型 0x04): " + k);
    if (!seen.insert({v->name, v->id}).second)
      return Error::Invalid("bad_config", "ledger.witnesses 中的见证方重复: " + k);
    out.push_back(std::move(*v));
  }
  witnesses_ = std::move(out);
  return Ok();
}

Result<Ledger::CosignatureReceipt> Ledger::add_cosignature(uint64_t size, std::string_view line) {
  // 1. One signature line: "— <name> <base64(key ID (4) ‖ timestamp (8) ‖ Ed25519 signature (64))>".
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (line.find('\n') != std::string_view::npos) return malformed("只能有一行");
  if (line.substr(0, kEmDash.size()) != kEmDash) return malformed("须以 \"— \" (U+2014 和空格) 开头");
  std::string_view rest = line.substr(kEmDash.size());
  size_t sp = rest.find(' ');
  if (sp == std::string_view::npos || sp == 0) return malformed("缺少见证方名称或签名");
  std::string name(rest.substr(0, sp));
  auto raw = base64_decode(rest.substr(sp + 1));
  if (!raw.ok()) return malformed("签名不是 base64");
  if (raw->size() != 4 + 8 + 64) return malformed("签名长度不对 (tlog-cosignature/v1 为 76 字节)");
  uint32_t id = (uint32_t{(*raw)[0]} << 24) | (uint32_t{(*raw)[1]} << 16) | (uint32_t{(*raw)[2]} << 8) | (*raw)[3];

  // 2. A witness the administrators configured.
  auto w = std::find_if(witnesses_.begin(), witnesses_.end(), [&](const Verifier& v) { return v.name == name && v.id == id; });
  if (w == witnesses_.end())
    return Error{Code::kForbidden, "unknown_witness", "平台未配置此见证方 (" + name + ")，不接受它的联署", {}};

  // 3. Over the checkpoint this platform signed at that size.
  SL_ASSIGN(auto cp, db_.read_value<std::optional<store::CheckpointRow>>([&](Conn& c) { return store::checkpoint_at(c, size); }));
  if (!cp) return Error::Unprocessable("unknown_checkpoint", "平台没有签发过树大小为 " + std::to_string(size) + " 的检查点");
  std::string sig_line(line);
  sig_line.push_back('\n');
  auto opened = open_note(note_text(cp->note) + "\n" + sig_line, {*w});
  if (!opened.ok()) {
    if (opened.error().slug == "note_malformed") return malformed(opened.error().message);
    return Error::Unprocessable("bad_cosignature",
                                "联署签名无法用见证方 " + name + " 的公钥验证（不是对树大小 " + std::to_string(size) + " 的检查点的签名）");
  }
  uint64_t timestamp = opened->signatures.at(0).timestamp;
  TimeMs now = clock_.now_ms();
  if (timestamp > static_cast<uint64_t>(now / 1000) + kFutureSlackSeconds)
    return Error::Unprocessable("cosignature_in_future", "联署时间 " + iso_seconds(timestamp) + " 晚于平台当前时间");

  // 4. Keep the newest cosignature of each (witness, checkpoint).
  CosignatureReceipt receipt{vkey_of(*w), name, size, timestamp, false};
  SL_TRY(db_.write([&](Conn& c) -> Status {
    receipt.stored = false;
    SL_ASSIGN(auto old, store::cosignature(c, receipt.witness, size));
    if (old && old->line == sig_line) return Ok();
    if (old && old->signed_at > timestamp)
      return Error::Conflict("stale_cosignature", "已存有该见证方对此检查点更新的联署 (" + iso_seconds(old->signed_at) + ")");
    SL_TRY(store::put_cosignature(c, store::CosignatureRow{receipt.witness, size, timestamp, sig_line, now}));
    receipt.stored = true;
    return Ok();
  }));
  return receipt;
}

namespace {

// The note with the lines of the configured witnesses appended (rows of one size).
std::string with_cosignatures(std::string note, const std::vector<store::CosignatureRow>& rows,
                              const std::set<std::string>& configured) {
  for (const auto& r : rows)
    if (configured.count(r.witness)) note += r.line;
  return note;
}

}  // namespace

Result<std::string> Ledger::served_checkpoint(bool cosigned) {
  std::set<std::string> configured;
  for (const auto& w : witnesses_) configured.insert(vkey_of(w));
  if (!cosigned) {
    SL_ASSIGN(std::string note, latest_checkpoint());
    if (configured.empty()) return note;
    SL_ASSIGN(auto cp, parse_checkpoint(note_text(note)));
    SL_ASSIGN(auto rows, db_.read_value<std::vector<store::CosignatureRow>>(
                             [&](Conn& c) { return store::cosignatures_between(c, cp.size, cp.size); }));
    return with_cosignatures(std::move(note), rows, configured);
  }
  return db_.read_value<std::string>([&](Conn& c) -> Result<std::string> {
    std::optional<uint64_t> newest;
    for (const auto& w : configured) {
      SL_ASSIGN(auto row, store::latest_cosignature(c, w));
      if (row && (!newest || row->size > *newest)) newest = row->size;
    }
    if (!newest) return Error::NotFound("no_cosigned_checkpoint", "还没有见证方联署过检查点");
    SL_ASSIGN(auto cp, store::checkpoint_at(c, *newest));
    if (!cp) return Error::Internal("cosigned checkpoint missing");
    SL_ASSIGN(auto rows, store::cosignatures_between(c, *newest, *newest));
    return with_cosignatures(std::move(cp->note), rows, configured);
  });
}

Result<bj::object> Ledger::checkpoints(std::optional<uint64_t> after_size, int limit) {
  std::set<std::string> configured;
  for (const auto& w : witnesses_) configured.insert(vkey_of(w));
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto rows, store::checkpoints_after(c, after_size, limit + 1));
    bool more = rows.size() > static_cast<size_t>(limit);
    if (more) rows.pop_back();
    std::vector<store::CosignatureRow> cosigs;
    if (!rows.empty() && !configured.empty()) {
      SL_ASSIGN(cosigs, store::cosignatures_between(c, rows.front().size, rows.back().size));
    }
    bj::array items;
    size_t k = 0;
    for (auto& r : rows) {
      std::string note = std::move(r.note);
      for (; k < cosigs.size() && cosigs[k].size <= r.size; ++k)
        if (cosigs[k].size == r.size && configured.count(cosigs[k].witness)) note += cosigs[k].line;
      items.push_back(bj::object{{"size", r.size}, {"note", std::move(note)}});
    }
    bj::object o{{"items", std::move(items)}};
    o["next"] = more && !rows.empty() ? bj::value(rows.back().size) : bj::value(nullptr);
    return o;
  });
}

Result<bj::object> Ledger::witness_list() {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    bj::array items;
    for (const auto& w : witnesses_) {
      std::string vk = vkey_of(w);
      bj::object o{{"name", w.name}, {"vkey", vk}};
      SL_ASSIGN(auto row, store::latest_cosignature(c, vk));
      if (row) {
        SL_ASSIGN(auto cp, store::checkpoint_at(c, row->size));
        std::string root;
        if (cp) {
          auto parsed = parse_checkpoint(note_text(cp->note));
          if (parsed.ok()) root = to_base64(parsed->root);
        }
        o["size"] = row->size;
        o["root"] = root;
        o["cosigned_at"] = iso_seconds(row->signed_at);
        o["received_at"] = format_iso8601(row->received_at);
      } else {
        o["size"] = nullptr;
        o["root"] = nullptr;
        o["cosigned_at"] = nullptr;
        o["received_at"] = nullptr;
      }
      items.push_back(std::move(o));
    }
    return bj::object{{"items", std::move(items)}};
  });
}

// ---- routes ----

namespace {

using net::HttpRequest;
using net::HttpResponse;
using routes::handler;

Result<uint64_t> size_field(const bj::object& body) {
  auto it = body.find("size");
  if (it == body.end()) return Error::Invalid("missing_size", "缺少 size (所联署检查点的树大小)");
  if (it->value().is_int64() && it->value().as_int64() >= 0) return static_cast<uint64_t>(it->value().as_int64());
  if (it->value().is_uint64()) return it->value().as_uint64();
  return Error::Invalid("invalid_size", "size 须为非负整数");
}

}  // namespace

void register_witness_routes(net::Router& router, Ledger& ledger) {
  router.post("/api/v1/ledger/cosignatures", handler([&ledger](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(uint64_t size, size_field(body));
    auto line = body.find("cosignature");
    if (line == body.end() || !line->value().is_string())
      return Error::Invalid("missing_cosignature", "缺少 cosignature (联署签名行)");
    SL_ASSIGN(auto receipt, ledger.add_cosignature(size, std::string_view(line->value().as_string())));
    return routes::json(bj::object{{"witness", receipt.name},
                                   {"vkey", receipt.witness},
                                   {"size", receipt.size},
                                   {"cosigned_at", iso_seconds(receipt.timestamp)},
                                   {"stored", receipt.stored}},
                        receipt.stored ? 201 : 200);
  }));

  router.get("/api/v1/ledger/checkpoints", handler([&ledger](HttpRequest& req) -> Result<HttpResponse> {
    std::optional<uint64_t> after;
    if (auto v = req.query_param("after_size"); v && !v->empty()) {
      uint64_t x = 0;
      auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
      if (ec != std::errc() || p != v->data() + v->size() || x > (uint64_t{1} << 62))
        return Error::Invalid("invalid_parameter", "after_size 须为非负整数");
      after = x;
    }
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit"), 100, 1000));
    SL_ASSIGN(auto page, ledger.checkpoints(after, limit));
    return routes::json(page);
  }));

  router.get("/api/v1/ledger/witnesses", handler([&ledger](HttpRequest&) -> Result<HttpResponse> {
    SL_ASSIGN(auto list, ledger.witness_list());
    HttpResponse r = routes::json(list);
    r.set_header("Cache-Control", "no-cache");
    return r;
  }));
}

}  // namespace sl::ledger
