#include "modules/ledger/ledger_audit.h"

#include <boost/json.hpp>

#include <map>

#include "modules/ledger/ledger_store.h"

namespace sl::ledger {

namespace bj = boost::json;
using storage::Conn;

namespace {

struct Latest {
  uint64_t seq;
  std::string content_hash;
  bool erasure = false;  // the entry is the record's "<type>.erased"
};

}  // namespace

Result<AuditReport> audit(storage::Database& db, const Verifier& key, const RecordLoader& load) {
  AuditReport rep;
  // Problems found, by sequence number; the lowest is reported.
  std::map<uint64_t, std::string> problems;
  std::string global_problem;
  auto problem = [&](uint64_t seq, std::string what) { problems.emplace(seq, std::move(what)); };

  SL_TRY(db.read([&](Conn& c) -> Status {
    // Checkpoints: signatures and bodies.
    struct Cp {
      uint64_t size;
      Hash root;
    };
    std::vector<Cp> cps;
    SL_ASSIGN(auto rows, c.query("SELECT size, note FROM ledger_checkpoints ORDER BY size"));
    for (auto& r : rows) {
      uint64_t size = static_cast<uint64_t>(r.i64(0));
      auto opened = open_note(r.str(1), {key});
      if (!opened.ok()) {
        if (global_problem.empty()) global_problem = "检查点 " + std::to_string(size) + " 的签名无效: " + opened.error().message;
        continue;
      }
      auto cp = parse_checkpoint(opened->text);
      if (!cp.ok() || cp->size != size || cp->origin != key.name) {
        if (global_problem.empty()) global_problem = "检查点 " + std::to_string(size) + " 的内容与其记录不符";
        continue;
      }
      cps.push_back({size, cp->root});
    }
    rep.checkpoints = cps.size();

    // Entries, streamed in order: contiguity, bytes vs columns, the tree at each checkpoint.
    CompactRange range;
    size_t next_cp = 0;
    while (next_cp < cps.size() && cps[next_cp].size == 0) {
      if (cps[next_cp].root != empty_root()) global_problem = "空树检查点的根哈希不正确";
      ++next_cp;
    }
    std::map<std::pair<std::string, int64_t>, Latest> latest;
    constexpr int64_t kBatch = 10000;
    for (;;) {
      SL_ASSIGN(auto batch, c.query("SELECT seq, entry, action, object_type, object_id, content_hash FROM ledger_entries "
                                    "WHERE seq >= ? ORDER BY seq LIMIT ?",
                                    {static_cast<int64_t>(range.size()), kBatch}));
      if (batch.empty()) break;
      for (auto& r : batch) {
        uint64_t seq = static_cast<uint64_t>(r.i64(0));
        if (seq != range.size()) {
          problem(range.size(), "缺少第 " + std::to_string(range.size()) + " 条账本条目");
          return Ok();
        }
        const std::string& entry = r.str(1);
        boost::system::error_code ec;
        bj::value v = bj::parse(entry, ec);
        std::string object = r.str(3) + "/" + r.str(4);
        if (ec || !v.is_object() || !v.as_object().contains("seq") || v.as_object().at("seq") != bj::value(seq) ||
            v.as_object().at("action") != bj::value(r.str(2)) || v.as_object().at("object") != bj::value(object) ||
            v.as_object().at("content") != bj::value(r.str(5))) {
          problem(seq, "第 " + std::to_string(seq) + " 条账本条目与其索引字段不一致");
        }
        int64_t oid = 0;
        try {
          oid = std::stoll(r.str(4));
        } catch (...) {
        }
        latest[{r.str(3), oid}] = Latest{seq, r.str(5), r.str(2) == erasure_action(r.str(3))};
        range.append(leaf_hash(entry));
        while (next_cp < cps.size() && cps[next_cp].size == range.size()) {
          if (cps[next_cp].root != range.root())
            problem(seq, "树大小为 " + std::to_string(range.size()) + " 的检查点与账本条目不符（条目被改动或删除）");
          ++next_cp;
        }
      }
    }
    rep.entries = range.size();
    if (next_cp < cps.size() && global_problem.empty())
      global_problem = "检查点（树大小 " + std::to_string(cps[next_cp].size) + "）超出了账本条目的数量";

    // The latest entry of every record against the record as stored now.
    for (const auto& [obj, last] : latest) {
      auto state = load(c, obj.first, obj.second);
      if (!state.ok()) {
        if (state.error().code == Code::kInvalidArgument) continue;  // a type this build does not hold
        return state.take_error();
      }
      ++rep.records;
      std::string name = obj.first + "/" + std::to_string(obj.second);
      if (last.content_hash.empty()) {
        if (*state) problem(last.seq, "第 " + std::to_string(last.seq) + " 条记载 " + name + " 已删除，但它仍在存储中");
        if (last.erasure) {
          // An erased record: its content is gone, and the erasure is recorded under this entry.
          SL_ASSIGN(auto erased, store::find_erasure(c, obj.first, obj.second));
          if (!erased || erased->seq != static_cast<int64_t>(last.seq))
            problem(last.seq, "第 " + std::to_string(last.seq) + " 条记载 " + name + " 的内容已删除，但没有与之对应的删除记录");
        }
      } else if (!*state) {
        problem(last.seq, "第 " + std::to_string(last.seq) + " 条记载的 " + name + " 在存储中不存在");
      } else if (content_hash((*state)->salt, (*state)->content) != last.content_hash) {
        problem(last.seq, "第 " + std::to_string(last.seq) + " 条记载的 " + name + " 与存储的内容不符（记录被改动）");
      }
    }
    return Ok();
  }));

  if (!problems.empty()) {
    rep.first_bad_seq = problems.begin()->first;
    rep.problem = problems.begin()->second;
  } else if (!global_problem.empty()) {
    rep.problem = global_problem;
  }
  return rep;
}

}  // namespace sl::ledger
