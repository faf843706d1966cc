// Erasure (内容删除): content removed from storage — by moderation, or for a person's right to
// deletion — while the ledger keeps every earlier entry intact. The removal is itself an entry
// ("<type>.erased", empty content hash) plus a row in ledger_erasures (when, which entry, why),
// written in the caller's transaction next to the deletion. Also the shapes records and
// problems use to tell readers about it: the record's "ledger" data and the 410 problem.
#include <boost/json.hpp>

#include "modules/ledger/ledger.h"
#include "modules/ledger/ledger_store.h"

namespace sl::ledger {

using storage::Conn;
namespace bj = boost::json;

namespace {

// Reason codes are short machine-readable words; the record types are too (they are part of
// every entry's object name).
bool valid_code(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  for (char ch : s)
    if (!((ch >= 'a' && ch <= 'z') || ch == '_')) return false;
  return true;
}

std::string reason_label(std::string_view reason) {
  if (reason == kReasonRightToDeletion) return "依本人删除个人信息的权利";
  if (reason == kReasonModeration) return "内容审核";
  if (reason == "author_deleted") return "作者在规定时间内自行删除";
  return std::string(reason);
}

// "2026-11-22 06:03:37 UTC": for people reading a problem's detail.
std::string readable_time(TimeMs t) {
  std::string iso = format_iso8601(t);  // 2026-11-22T06:03:37.000Z
  return iso.substr(0, 10) + " " + iso.substr(11, 8) + " UTC";
}

}  // namespace

std::string erasure_action(std::string_view type) { return std::string(type) + ".erased"; }

bj::object erasure_json(const Erasure& e) {
  return bj::object{{"at", format_iso8601(e.at)}, {"seq", e.seq}, {"reason", e.reason}};
}

Error gone(std::string slug, std::string_view what, const Erasure& e) {
  std::string msg = std::string(what) + "已于 " + readable_time(e.at) + " 删除（原因：" + reason_label(e.reason) +
                    "；删除记在公开账本第 " + std::to_string(e.seq) + " 条）";
  return Error{Code::kGone, std::move(slug), std::move(msg), bj::serialize(bj::object{{"erased", erasure_json(e)}})};
}

bj::object record_json(std::string_view type, int64_t id, const RecordState& state) {
  return bj::object{{"type", type}, {"id", id}, {"salt", state.salt}, {"content", state.content}};
}

Result<Erasure> Ledger::erase(Conn& c, const access::Caller& actor, std::string_view type, int64_t id,
                              std::string_view reason) {
  if (!valid_code(type)) return Error::Internal("invalid ledger record type");
  if (!valid_code(reason)) return Error::Invalid("invalid_reason", "删除原因代码无效");
  SL_ASSIGN(auto before, store::find_erasure(c, type, id));
  if (before) return Error::Conflict("already_erased", "该内容已经删除");
  SL_ASSIGN(int64_t seq, append(c, actor, Change{erasure_action(type), std::string(type), id, "", ""}));
  SL_ASSIGN(auto at, store::entry_time(c, seq));
  if (!at) return Error::Internal("the erasure entry just appended is missing");
  SL_TRY(store::insert_erasure(c, type, id, seq, *at, reason));
  return Erasure{seq, *at, std::string(reason)};
}

Result<std::optional<Erasure>> Ledger::erasure(Conn& c, std::string_view type, int64_t id) const {
  SL_ASSIGN(auto row, store::find_erasure(c, type, id));
  if (!row) return std::optional<Erasure>();
  return std::optional<Erasure>(Erasure{row->seq, row->at, std::move(row->reason)});
}

namespace store {

Result<std::optional<TimeMs>> entry_time(Conn& c, int64_t seq) {
  SL_ASSIGN(auto r, c.query_one("SELECT at FROM ledger_entries WHERE seq = ?", {seq}));
  if (!r) return std::optional<TimeMs>();
  return std::optional<TimeMs>(r->i64(0));
}

Status insert_erasure(Conn& c, std::string_view type, int64_t id, int64_t seq, TimeMs at, std::string_view reason) {
  auto r = c.exec("INSERT INTO ledger_erasures (object_type, object_id, seq, at, reason) VALUES (?, ?, ?, ?, ?)",
                  {std::string(type), id, seq, at, std::string(reason)});
  if (!r.ok()) {
    if (r.error().code == Code::kConflict) return Error::Conflict("already_erased", "该内容已经删除");
    return r.take_error();
  }
  return Ok();
}

Result<std::optional<ErasureRow>> find_erasure(Conn& c, std::string_view type, int64_t id) {
  SL_ASSIGN(auto r, c.query_one("SELECT seq, at, reason FROM ledger_erasures WHERE object_type = ? AND object_id = ?",
                                {std::string(type), id}));
  if (!r) return std::optional<ErasureRow>();
  return std::optional<ErasureRow>(ErasureRow{r->i64(0), r->i64(1), r->str(2)});
}

}  // namespace store
}  // namespace sl::ledger
