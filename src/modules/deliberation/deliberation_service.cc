// Deliberation use cases: create and configure, open/close/archive, phases, reading, visits,
// the event log and the live hub's room check. Each write is one transaction with its ledger
// entry and event; events are published after the commit.
#include <algorithm>
#include <set>

#include "core/encoding.h"
#include "core/json.h"
#include "modules/common/route_util.h"
#include "modules/deliberation/deliberation_internal.h"

namespace sl::deliberation {

using access::Action;
using detail::Loaded;
using detail::Outbox;
using storage::Conn;

namespace {

constexpr size_t kMaxSubtopics = 20;
constexpr size_t kMaxPhases = 10;

bool valid_public_mode(std::string_view m) { return m == "closed" || m == "read" || m == "comment"; }
bool valid_phase_kind(std::string_view k) { return k == "speaking" || k == "response" || k == "summary" || k == "other"; }

// The configurable part of a deliberation as a request gives it; absent fields stay unset.
struct Config {
  std::optional<std::string> theme, description, public_mode;
  std::optional<std::vector<int64_t>> org_ids, department_ids, expert_ids, sector_ids;
  std::optional<std::vector<store::Subtopic>> subtopics;
  std::optional<std::vector<store::Phase>> phases;
};

Result<Config> parse_config(const bj::object& body) {
  Config cfg;
  if (body.contains("theme")) {
    SL_ASSIGN(cfg.theme, detail::text(body, "theme", 100, true));
  }
  if (body.contains("description")) {
    SL_ASSIGN(cfg.description, detail::text(body, "description", 20000, false));
  }
  SL_ASSIGN(cfg.public_mode, json::opt_string(body, "public_mode", 20));
  if (cfg.public_mode && !valid_public_mode(*cfg.public_mode))
    return Error::Invalid("invalid_public_mode", "public_mode 须为 closed（不公开）、read（公众可看）或 comment（公众可评论）");
  SL_ASSIGN(cfg.org_ids, detail::id_list(body, "org_ids", 50));
  SL_ASSIGN(cfg.department_ids, detail::id_list(body, "department_ids", 50));
  SL_ASSIGN(cfg.expert_ids, detail::id_list(body, "expert_ids", 500));
  SL_ASSIGN(cfg.sector_ids, detail::id_list(body, "member_sector_ids", 100));
  if (auto it = body.find("subtopics"); it != body.end() && !it->value().is_null()) {
    if (!it->value().is_array()) return Error::Invalid("invalid_subtopics", "subtopics 须为数组");
    const auto& a = it->value().as_array();
    if (a.size() > kMaxSubtopics) return Error::Invalid("invalid_subtopics", "引导话题最多 20 个");
    std::vector<store::Subtopic> v;
    std::set<int64_t> seen;
    for (const auto& x : a) {
      if (!x.is_object()) return Error::Invalid("invalid_subtopics", "每个话题须为对象");
      store::Subtopic s;
      SL_ASSIGN(auto id, json::opt_int(x.as_object(), "id"));
      s.id = id.value_or(0);
      if (id && (*id <= 0 || !seen.insert(*id).second)) return Error::Invalid("invalid_subtopics", "话题编号无效或重复");
      SL_ASSIGN(s.title, detail::text(x.as_object(), "title", 50, true));
      SL_ASSIGN(s.description, detail::text(x.as_object(), "description", 500, false));
      v.push_back(std::move(s));
    }
    cfg.subtopics = std::move(v);
  }
  if (auto it = body.find("phases"); it != body.end() && !it->value().is_null()) {
    if (!it->value().is_array()) return Error::Invalid("invalid_phases", "phases 须为数组");
    const auto& a = it->value().as_array();
    if (a.size() > kMaxPhases) return Error::Invalid("invalid_phases", "阶段最多 10 个");
    std::vector<store::Phase> v;
    std::set<int64_t> seen;
    for (const auto& x : a) {
      if (!x.is_object()) return Error::Invalid("invalid_phases", "每个阶段须为对象");
      const auto& o = x.as_object();
      store::Phase p;
      SL_ASSIGN(auto id, json::opt_int(o, "id"));
      p.id = id.value_or(0);
      if (id && (*id <= 0 || !seen.insert(*id).second)) return Error::Invalid("invalid_phases", "阶段编号无效或重复");
      SL_ASSIGN(p.kind, json::req_string(o, "kind", 20));
      if (!valid_phase_kind(p.kind))
        return Error::Invalid("invalid_phases", "阶段 kind 须为 speaking（发言）、response（部门回应）、summary（总结）或 other");
      SL_ASSIGN(p.name, detail::text(o, "name", 50, true));
      SL_ASSIGN(p.starts_at, detail::time_field(o, "starts_at"));
      SL_ASSIGN(p.ends_at, detail::time_field(o, "ends_at"));
      if (p.starts_at && p.ends_at && *p.ends_at < *p.starts_at)
        return Error::Invalid("invalid_phases", "阶段「" + p.name + "」的结束时间早于开始时间");
      v.push_back(std::move(p));
    }
    cfg.phases = std::move(v);
  }
  return cfg;
}

// Checks the parties a configuration names: participating organisations the caller manages
// (not departments), invited departments, sectors of participants, existing people.
Status check_parties(Conn& c, const Caller& caller, const std::vector<int64_t>& orgs, const std::vector<int64_t>& depts,
                     const std::vector<int64_t>& sectors, const std::vector<int64_t>& experts) {
  for (int64_t o : orgs) {
    SL_ASSIGN(auto r, c.query_one("SELECT path, kind FROM orgs WHERE id = ?", {o}));
    if (!r) return Error::Invalid("invalid_org", "组织 " + std::to_string(o) + " 不存在");
    if (r->str(1) == "department") return Error::Invalid("invalid_org", "政府部门应作为受邀部门，而不是参与组织");
    if (!access::allowed(caller, r->str(0), Action::kDeliberationManage))
      return Error::Forbidden("联合协商的每个参与组织都须由您管理");
  }
  for (int64_t d : depts) {
    SL_ASSIGN(auto r, c.query_one("SELECT kind FROM orgs WHERE id = ?", {d}));
    if (!r || r->str(0) != "department")
      return Error::Invalid("invalid_department", "受邀部门 " + std::to_string(d) + " 不存在或不是政府部门");
  }
  for (int64_t s : sectors) {
    SL_ASSIGN(auto r, c.query_one("SELECT org_id FROM sectors WHERE id = ?", {s}));
    if (!r || std::find(orgs.begin(), orgs.end(), r->i64(0)) == orgs.end())
      return Error::Invalid("invalid_sector", "界别 " + std::to_string(s) + " 不属于参与组织");
  }
  for (int64_t p : experts) {
    SL_ASSIGN(auto r, c.query_one("SELECT 1 FROM people WHERE id = ?", {p}));
    if (!r) return Error::Invalid("invalid_expert", "特邀专家 " + std::to_string(p) + " 不存在");
  }
  return Ok();
}

bj::object phase_json(const store::Phase& p) {
  return bj::object{{"id", p.id},
                    {"kind", p.kind},
                    {"name", p.name},
                    {"starts_at", detail::iso_or_null(p.starts_at)},
                    {"ends_at", detail::iso_or_null(p.ends_at)}};
}

bj::array refs(const std::vector<store::NameRef>& v, const char* name_key = "name") {
  bj::array a;
  for (const auto& x : v) a.push_back(bj::object{{"id", x.id}, {name_key, x.name}});
  return a;
}

bj::array org_refs(const std::vector<store::OrgRef>& v) {
  bj::array a;
  for (const auto& x : v) a.push_back(bj::object{{"id", x.id}, {"name", x.name}});
  return a;
}

// The deliberation as every reader sees it (events carry this too).
bj::object delib_json(const store::DelibRow& d, const store::Parties& ps, const std::vector<store::Subtopic>& subs,
                      const std::vector<store::Phase>& phases) {
  bj::object o;
  o["id"] = d.id;
  std::string host_name;
  for (const auto& x : ps.orgs)
    if (x.id == d.org_id) host_name = x.name;
  o["org"] = bj::object{{"id", d.org_id}, {"name", host_name}};
  o["orgs"] = org_refs(ps.orgs);
  o["joint"] = ps.orgs.size() > 1;
  o["theme"] = d.theme;
  o["description"] = d.description;
  o["description_html"] = d.description_html;
  o["state"] = d.state;
  o["public_mode"] = d.public_mode;
  bj::array st;
  for (const auto& s : subs) st.push_back(bj::object{{"id", s.id}, {"title", s.title}, {"description", s.description}});
  o["subtopics"] = std::move(st);
  bj::array ph;
  bj::value current = nullptr;
  for (const auto& p : phases) {
    ph.push_back(phase_json(p));
    if (d.current_phase_id && p.id == *d.current_phase_id) current = phase_json(p);
  }
  o["phases"] = std::move(ph);
  o["current_phase"] = std::move(current);
  o["departments"] = org_refs(ps.departments);
  o["experts"] = refs(ps.experts, "display_name");
  o["members"] = bj::object{{"scope", d.sectors_only ? "sectors" : "all"}, {"sectors", refs(ps.sectors)}};
  o["counts"] = bj::object{{"visits", d.visits}, {"unique_viewers", d.unique_viewers}, {"posts", d.post_count}};
  o["last_seq"] = d.last_seq;
  o["version"] = d.version;
  o["created_at"] = format_iso8601(d.created_at);
  o["updated_at"] = format_iso8601(d.updated_at);
  o["opened_at"] = detail::iso_or_null(d.opened_at);
  o["closed_at"] = detail::iso_or_null(d.closed_at);
  return o;
}

bj::object my_json(const store::DelibRow& d, const Standing& st, bool banned, int delete_window_minutes) {
  bool open = d.state == "open";
  bool speaks = st.part != Part::kNone && !banned && open;
  bj::array depts;
  for (int64_t x : st.departments) depts.push_back(x);
  return bj::object{{"role", st.part == Part::kNone ? bj::value(nullptr) : bj::value(part_name(st.part))},
                    {"may_post", speaks && st.part != Part::kPublic},
                    {"may_comment", speaks},
                    {"may_manage", st.manage},
                    {"may_oversee", st.oversee},
                    {"banned", banned},
                    {"departments", std::move(depts)},
                    {"delete_window_minutes", delete_window_minutes}};
}

int64_t beijing_day(TimeMs t) { return (t + 8 * 3600 * 1000) / 86'400'000; }

}  // namespace

DeliberationService::DeliberationService(storage::Database& db, const Clock& clock, ledger::Ledger& ledger, pubsub::Bus& bus,
                                         Options opts)
    : db_(db),
      clock_(clock),
      ledger_(ledger),
      bus_(bus),
      opts_(opts),
      page_cache_(opts.page_cache_bytes > 0 ? std::make_unique<detail::PageCache>(opts.page_cache_bytes) : nullptr) {}

Result<bj::object> DeliberationService::create(const Caller& caller, const bj::object& body) {
  if (caller.person_id == 0 && !caller.superadmin) return Error::Unauthenticated();
  SL_ASSIGN(int64_t org_id, json::req_int(body, "org_id"));
  SL_ASSIGN(Config cfg, parse_config(body));
  if (!cfg.theme) return Error::Invalid("missing_field", "缺少必填字段 theme");
  std::vector<int64_t> orgs{org_id};
  for (int64_t o : cfg.org_ids.value_or(std::vector<int64_t>{}))
    if (o != org_id) orgs.push_back(o);
  TimeMs now = clock_.now_ms();
  SL_ASSIGN(int64_t id, db_.write_value<int64_t>([&](Conn& c) -> Result<int64_t> {
    SL_TRY(access::check(c, caller, org_id, Action::kDeliberationManage));
    SL_TRY(check_parties(c, caller, orgs, cfg.department_ids.value_or(std::vector<int64_t>{}),
                         cfg.sector_ids.value_or(std::vector<int64_t>{}), cfg.expert_ids.value_or(std::vector<int64_t>{})));
    store::NewDelib nd;
    nd.org_id = org_id;
    nd.theme = *cfg.theme;
    nd.description = cfg.description.value_or("");
    nd.description_html = detail::render_markdown(nd.description);
    nd.public_mode = cfg.public_mode.value_or("closed");
    nd.sectors_only = cfg.sector_ids && !cfg.sector_ids->empty();
    nd.created_by = caller.person_id;
    nd.salt = ledger_.new_salt();
    SL_ASSIGN(int64_t id, store::insert_deliberation(c, nd, now));
    SL_TRY(store::replace_parties(c, id, orgs, cfg.department_ids.value_or(std::vector<int64_t>{}),
                                  cfg.sector_ids.value_or(std::vector<int64_t>{}), cfg.expert_ids.value_or(std::vector<int64_t>{})));
    if (cfg.subtopics) SL_TRY(store::sync_subtopics(c, id, *cfg.subtopics));
    if (cfg.phases) SL_TRY(store::sync_phases(c, id, *cfg.phases));
    SL_TRY(detail::record(c, ledger_, caller, "deliberation.created", "deliberation", id));
    return id;
  }));
  return get(caller, id);
}

Result<bj::object> DeliberationService::update(const Caller& caller, int64_t id, const bj::object& body) {
  SL_ASSIGN(Config cfg, parse_config(body));
  TimeMs now = clock_.now_ms();
  Outbox out;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    out.clear();
    SL_ASSIGN(Loaded l, detail::load(c, caller, id));
    if (!l.st.manage) return Error::Forbidden("只有主办组织的工作人员可以修改协商设置");
    if (l.d.state == "archived") return Error::Conflict("deliberation_archived", "协商已归档，不能修改");
    if (cfg.theme) l.d.theme = *cfg.theme;
    if (cfg.description) {
      l.d.description = *cfg.description;
      l.d.description_html = detail::render_markdown(l.d.description);
    }
    if (cfg.public_mode) l.d.public_mode = *cfg.public_mode;
    if (cfg.org_ids || cfg.department_ids || cfg.sector_ids || cfg.expert_ids) {
      std::vector<int64_t> orgs{l.d.org_id}, depts, sectors, experts;
      if (cfg.org_ids) {
        for (int64_t o : *cfg.org_ids)
          if (o != l.d.org_id) orgs.push_back(o);
      } else {
        for (const auto& o : l.parties.orgs)
          if (o.id != l.d.org_id) orgs.push_back(o.id);
      }
      if (cfg.department_ids) depts = *cfg.department_ids;
      else
        for (const auto& o : l.parties.departments) depts.push_back(o.id);
      if (cfg.sector_ids) sectors = *cfg.sector_ids;
      else
        for (const auto& s : l.parties.sectors) sectors.push_back(s.id);
      if (cfg.expert_ids) experts = *cfg.expert_ids;
      else
        for (const auto& e : l.parties.experts) experts.push_back(e.id);
      // Organisations already taking part stay without a new check; added ones need the caller to manage them.
      std::vector<int64_t> added;
      for (int64_t o : orgs) {
        bool had = false;
        for (const auto& x : l.parties.orgs) had = had || x.id == o;
        if (!had) added.push_back(o);
      }
      SL_TRY(check_parties(c, caller, added, depts, {}, experts));
      for (int64_t s : sectors) {
        SL_ASSIGN(auto r, c.query_one("SELECT org_id FROM sectors WHERE id = ?", {s}));
        if (!r || std::find(orgs.begin(), orgs.end(), r->i64(0)) == orgs.end())
          return Error::Invalid("invalid_sector", "界别 " + std::to_string(s) + " 不属于参与组织");
      }
      l.d.sectors_only = !sectors.empty();
      SL_TRY(store::replace_parties(c, id, orgs, depts, sectors, experts));
    }
    SL_TRY(store::update_deliberation(c, l.d, now));
    if (cfg.subtopics) SL_TRY(store::sync_subtopics(c, id, *cfg.subtopics));
    if (cfg.phases) SL_TRY(store::sync_phases(c, id, *cfg.phases));
    SL_TRY(detail::record(c, ledger_, caller, "deliberation.updated", "deliberation", id));
    SL_ASSIGN(auto d, store::find_deliberation(c, id));
    SL_ASSIGN(auto ps, store::parties(c, id));
    SL_ASSIGN(auto subs, store::subtopics(c, id));
    SL_ASSIGN(auto phs, store::phases(c, id));
    SL_TRY(detail::emit(c, out, id, "deliberation.updated", now, std::nullopt, delib_json(*d, ps, subs, phs)));
    return Ok();
  }));
  detail::publish(bus_, out);
  return get(caller, id);
}

Result<bj::object> DeliberationService::set_state(const Caller& caller, int64_t id, const std::string& state) {
  static const std::vector<std::pair<std::string_view, std::string_view>> kMoves = {
      {"draft", "open"}, {"open", "closed"}, {"closed", "archived"}};
  if (state != "open" && state != "closed" && state != "archived")
    return Error::Invalid("invalid_state", "state 须为 open（开始）、closed（结束）或 archived（归档）");
  TimeMs now = clock_.now_ms();
  Outbox out;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    out.clear();
    SL_ASSIGN(Loaded l, detail::load(c, caller, id));
    if (!l.st.manage) return Error::Forbidden("只有主办组织的工作人员可以开始、结束或归档协商");
    bool allowed = false;
    for (auto [from, to] : kMoves) allowed = allowed || (from == l.d.state && to == state);
    if (!allowed)
      return Error::Conflict("invalid_transition", "协商状态不能从 " + l.d.state + " 变为 " + state +
                                                       "（顺序为 草稿 → 进行中 → 已结束 → 已归档）");
    SL_TRY(store::set_state(c, id, state, now));
    SL_TRY(detail::record(c, ledger_, caller, "deliberation." + std::string(state == "open" ? "opened" : state), "deliberation",
                          id));
    SL_TRY(detail::emit(c, out, id, "deliberation.state_changed", now, std::nullopt,
                        bj::object{{"state", state}, {"previous", l.d.state}}));
    return Ok();
  }));
  detail::publish(bus_, out);
  return get(caller, id);
}

Result<bj::object> DeliberationService::set_phase(const Caller& caller, int64_t id, std::optional<int64_t> phase_id) {
  TimeMs now = clock_.now_ms();
  Outbox out;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    out.clear();
    SL_ASSIGN(Loaded l, detail::load(c, caller, id));
    if (!l.st.manage) return Error::Forbidden("只有主办组织的工作人员可以切换阶段");
    if (l.d.state == "archived") return Error::Conflict("deliberation_archived", "协商已归档，不能切换阶段");
    SL_ASSIGN(auto phs, store::phases(c, id));
    bj::value phase = nullptr;
    if (phase_id) {
      for (const auto& p : phs)
        if (p.id == *phase_id) phase = phase_json(p);
      if (phase.is_null()) return Error::Invalid("invalid_phase", "该阶段不属于本次协商");
    }
    if (l.d.current_phase_id == phase_id) return Ok();  // already there: nothing to record
    SL_TRY(store::set_current_phase(c, id, phase_id, now));
    SL_TRY(detail::record(c, ledger_, caller, "deliberation.phase_changed", "deliberation", id));
    bj::value previous = l.d.current_phase_id ? bj::value(*l.d.current_phase_id) : bj::value(nullptr);
    SL_TRY(detail::emit(c, out, id, "phase.changed", now, std::nullopt,
                        bj::object{{"phase", std::move(phase)}, {"previous_phase_id", std::move(previous)}}));
    return Ok();
  }));
  detail::publish(bus_, out);
  return get(caller, id);
}

Result<bj::object> DeliberationService::get(const Caller& caller, int64_t id) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, detail::load(c, caller, id));
    SL_ASSIGN(auto subs, store::subtopics(c, id));
    SL_ASSIGN(auto phs, store::phases(c, id));
    bool banned = false;
    if (caller.person_id) {
      SL_ASSIGN(banned, store::is_banned(c, id, caller.person_id));
    }
    bj::object o = delib_json(l.d, l.parties, subs, phs);
    o["my"] = my_json(l.d, l.st, banned, opts_.author_delete_window_minutes);
    SL_ASSIGN(o["ledger"], detail::ledger_json(c, "deliberation", id));
    return o;
  });
}

Result<bj::object> DeliberationService::list(const Caller& caller, std::optional<int64_t> org_id,
                                             std::optional<std::string> state, int64_t before, int limit,
                                             bool managed_only) {
  if (state && *state != "draft" && *state != "open" && *state != "closed" && *state != "archived")
    return Error::Invalid("invalid_state", "state 须为 draft、open、closed 或 archived");
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto readable, deliberation::readable_ids(c, caller));
    if (managed_only && !caller.superadmin) {
      // Managing implies reading: the managed ones are a subset of the readable ones.
      std::set<int64_t> managed;
      for (const auto& m : caller.memberships) {
        if (!access::allowed(caller, m.org_path, Action::kDeliberationManage)) continue;
        SL_ASSIGN(auto v, store::ids_hosted_under_path(c, m.org_path));
        managed.insert(v.begin(), v.end());
      }
      readable.assign(managed.begin(), managed.end());
    }
    store::ListFilter f{org_id, state};
    std::vector<store::DelibRow> page;
    int64_t cursor = before > 0 ? before : INT64_MAX;
    // Walk newest first, keeping what the caller may read, until the page (plus one) is full.
    while (static_cast<int>(page.size()) <= limit) {
      SL_ASSIGN(auto rows, store::list_deliberations(c, f, cursor, limit * 2 + 1));
      for (auto& r : rows) {
        cursor = r.id;
        if (std::binary_search(readable.begin(), readable.end(), r.id)) page.push_back(std::move(r));
        if (static_cast<int>(page.size()) > limit) break;
      }
      if (static_cast<int>(rows.size()) < limit * 2 + 1) break;
    }
    std::optional<int64_t> next;
    if (static_cast<int>(page.size()) > limit) {
      page.pop_back();
      next = page.back().id;
    }
    std::vector<int64_t> org_ids, phase_ids;
    for (const auto& d : page) {
      org_ids.push_back(d.org_id);
      if (d.current_phase_id) phase_ids.push_back(*d.current_phase_id);
    }
    SL_ASSIGN(auto names, store::org_names(c, org_ids));
    std::vector<int64_t> delib_ids;
    for (const auto& d : page) delib_ids.push_back(d.id);
    SL_ASSIGN(auto parts, store::orgs_of(c, delib_ids));
    SL_ASSIGN(auto phase_names, store::phase_names(c, phase_ids));
    bj::array items;
    for (const auto& d : page) {
      std::string org_name, phase_name;
      for (const auto& n : names)
        if (n.id == d.org_id) org_name = n.name;
      bj::value phase = nullptr;
      for (const auto& p : phase_names)
        if (d.current_phase_id && p.id == *d.current_phase_id)
          phase = bj::object{{"id", p.id}, {"kind", p.kind}, {"name", p.name}};
      // The host first, then the other participating organisations (a joint deliberation).
      bj::array orgs{bj::object{{"id", d.org_id}, {"name", org_name}}};
      for (const auto& o : parts)
        if (o.deliberation_id == d.id && o.org_id != d.org_id) orgs.push_back(bj::object{{"id", o.org_id}, {"name", o.name}});
      bool joint = orgs.size() > 1;
      items.push_back(bj::object{{"id", d.id},
                                 {"org", bj::object{{"id", d.org_id}, {"name", org_name}}},
                                 {"orgs", std::move(orgs)},
                                 {"joint", joint},
                                 {"theme", d.theme},
                                 {"state", d.state},
                                 {"public_mode", d.public_mode},
                                 {"current_phase", std::move(phase)},
                                 {"counts", bj::object{{"visits", d.visits},
                                                       {"unique_viewers", d.unique_viewers},
                                                       {"posts", d.post_count}}},
                                 {"created_at", format_iso8601(d.created_at)},
                                 {"opened_at", detail::iso_or_null(d.opened_at)},
                                 {"closed_at", detail::iso_or_null(d.closed_at)}});
    }
    return routes::page(std::move(items), next);
  });
}

Result<bj::object> DeliberationService::visit(const Caller& caller, int64_t id, const std::string& visitor) {
  TimeMs now = clock_.now_ms();
  std::string key = sha256_hex(visitor);
  std::pair<int64_t, int64_t> counts;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    SL_TRY(detail::load(c, caller, id));
    SL_ASSIGN(counts, store::visit(c, id, key, beijing_day(now)));
    return Ok();
  }));
  // Viewer counts are not sequenced (seq 0): a missed one is simply superseded by the next.
  bj::object data{{"visits", counts.first}, {"unique_viewers", counts.second}};
  bus_.publish(pubsub::Message{detail::room_of(id), 0,
                               bj::serialize(bj::object{{"type", "visits.changed"},
                                                        {"seq", 0},
                                                        {"at", format_iso8601(now)},
                                                        {"data", data}})});
  return data;
}

Result<std::string> DeliberationService::events(const Caller& caller, int64_t id, int64_t after_seq, int limit) {
  if (after_seq < 0) return Error::Invalid("invalid_after_seq", "after_seq 须为非负整数");
  return db_.read_value<std::string>([&](Conn& c) -> Result<std::string> {
    SL_ASSIGN(Loaded l, detail::load(c, caller, id));
    SL_ASSIGN(auto rows, store::events_after(c, id, after_seq, limit + 1));
    bool more = static_cast<int>(rows.size()) > limit;
    if (more) rows.pop_back();
    // The stored payloads are JSON already: concatenated, not re-parsed.
    std::string s = "{\"items\":[";
    for (size_t i = 0; i < rows.size(); ++i) {
      if (i) s += ',';
      s += rows[i].payload;
    }
    s += "],\"last_seq\":" + std::to_string(l.d.last_seq) + ",\"has_more\":" + (more ? "true" : "false") + "}";
    return s;
  });
}

Result<int64_t> DeliberationService::live_room(const Caller& caller, int64_t id) {
  return db_.read_value<int64_t>([&](Conn& c) -> Result<int64_t> {
    SL_ASSIGN(Loaded l, detail::load(c, caller, id));
    return l.d.last_seq;
  });
}

Result<std::vector<int64_t>> DeliberationService::readable_ids(const Caller& caller) {
  return db_.read_value<std::vector<int64_t>>([&](Conn& c) { return deliberation::readable_ids(c, caller); });
}

}  // namespace sl::deliberation
