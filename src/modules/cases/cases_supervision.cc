// Supervision (督办): the board by handling unit with counts and colours, statistics per unit
// and per member, and the working-day calendar's administration.
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "core/json.h"
#include "modules/cases/cases_internal.h"

namespace sl::cases {

using storage::Conn;

namespace {

// The cases of an organisation that reached review, for the board and the statistics.
Result<std::vector<store::CaseRow>> org_cases(Conn& c, int64_t org_id, std::optional<int> year) {
  store::Query q;
  q.f.scope = "org";
  q.f.org_id = org_id;
  q.f.year = year;
  SL_ASSIGN(auto ids, store::list_ids(c, q, 0, 100000));
  std::vector<store::CaseRow> out;
  for (int64_t id : ids) {
    SL_ASSIGN(auto r, store::find_case(c, id));
    if (r) out.push_back(std::move(*r));
  }
  return out;
}

double ratio(int64_t a, int64_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); }

}  // namespace

Result<bj::object> CasesService::board(const Caller& caller, int64_t org_id) {
  TimeMs now = clock_.now_ms();
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_TRY(access::check(c, caller, org_id, access::Action::kCaseOversee));
    SL_ASSIGN(std::string path, access::org_path(c, org_id));
    bool manage = access::allowed(caller, path, access::Action::kCaseManage);
    SL_ASSIGN(auto cases, org_cases(c, org_id, std::nullopt));
    SL_ASSIGN(Calendar cal, load_calendar(c, org_id));
    struct Unit {
      std::string name;
      int64_t handling = 0, yellow = 0, red = 0, key = 0, answered = 0, late = 0, pending = 0;
    };
    std::map<int64_t, Unit> units;
    bj::array carded, escalated;
    int64_t total_handling = 0, total_yellow = 0, total_red = 0;
    for (const auto& r : cases) {
      if (r.erased_at) continue;  // no one handles a case whose content was erased
      if (!r.lead_unit_id) {
        if (r.state == "escalated") escalated.push_back(detail::summary_json(r, cal, now));
        continue;
      }
      Unit& u = units[*r.lead_unit_id];
      u.name = r.lead_unit_name;
      if (r.state == "handling") {
        ++u.handling;
        ++total_handling;
        if (r.pending) ++u.pending;
      }
      if (r.card == "yellow") ++u.yellow, ++total_yellow;
      if (r.card == "red") ++u.red, ++total_red;
      if (r.key_case && (r.state == "handling" || r.state == "answered" || r.state == "escalated")) ++u.key;
      if (r.answered_at) {
        ++u.answered;
        if (r.answered_on_time && *r.answered_on_time == 0) ++u.late;
      }
      bool visible = manage || r.kind != "social_report";
      if (visible && (r.card != "none" || (r.key_case && r.state == "handling"))) carded.push_back(detail::summary_json(r, cal, now));
      if (visible && r.state == "escalated") escalated.push_back(detail::summary_json(r, cal, now));
    }
    bj::array items;
    for (const auto& [id, u] : units) {
      std::string colour = u.red > 0 ? "red" : u.yellow > 0 ? "yellow" : "green";
      items.push_back(bj::object{{"unit", bj::object{{"id", id}, {"name", u.name}}},
                                 {"handling", u.handling},
                                 {"yellow", u.yellow},
                                 {"red", u.red},
                                 {"key", u.key},
                                 {"pending_requests", u.pending},
                                 {"answered", u.answered},
                                 {"answered_late", u.late},
                                 {"colour", colour}});
    }
    return bj::object{{"org_id", org_id},
                      {"yellow_card_working_days", opts_.yellow_card_working_days},
                      {"totals", bj::object{{"handling", total_handling}, {"yellow", total_yellow}, {"red", total_red}}},
                      {"units", std::move(items)},
                      {"cards", std::move(carded)},
                      {"escalated", std::move(escalated)}};
  });
}

Result<bj::object> CasesService::stats(const Caller& caller, int64_t org_id, std::optional<int> year) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_TRY(access::check(c, caller, org_id, access::Action::kCaseOversee));
    SL_ASSIGN(auto cases, org_cases(c, org_id, year));
    struct Unit {
      std::string name;
      int64_t assigned = 0, handled = 0, on_time = 0, days_sum = 0, rated = 0, satisfied = 0, basically = 0, unsatisfied = 0;
    };
    struct Member {
      std::string name;
      int64_t submitted = 0, accepted = 0, declined = 0, merged = 0, answered = 0, closed = 0, satisfied = 0;
    };
    std::map<int64_t, Unit> units;
    std::map<int64_t, Member> members;
    std::map<std::string, int64_t> by_kind, by_state;
    for (const auto& r : cases) {
      ++by_kind[r.kind];
      ++by_state[r.state];
      Member& m = members[r.submitter_id];
      m.name = r.submitter_name;
      ++m.submitted;
      if (r.accepted_at) ++m.accepted;
      if (r.state == "declined") ++m.declined;
      if (r.state == "merged") ++m.merged;
      if (r.answered_at) ++m.answered;
      if (r.state == "closed" || (r.state == "archived" && r.answered_at)) ++m.closed;
      if (r.rating && *r.rating != "unsatisfied") ++m.satisfied;
      if (!r.lead_unit_id) continue;
      Unit& u = units[*r.lead_unit_id];
      u.name = r.lead_unit_name;
      ++u.assigned;
      if (r.answered_at) {
        ++u.handled;
        if (r.answered_on_time.value_or(0) != 0) ++u.on_time;
        u.days_sum += r.answer_working_days.value_or(0);
      }
      if (r.rating) {
        ++u.rated;
        if (*r.rating == "satisfied") ++u.satisfied;
        else if (*r.rating == "basically") ++u.basically;
        else ++u.unsatisfied;
      }
    }
    bj::array ua, ma;
    for (const auto& [id, u] : units)
      ua.push_back(bj::object{{"unit", bj::object{{"id", id}, {"name", u.name}}},
                              {"assigned", u.assigned},
                              {"handled", u.handled},
                              {"on_time", u.on_time},
                              {"on_time_rate", ratio(u.on_time, u.handled)},
                              {"average_working_days", u.handled ? bj::value(ratio(u.days_sum, u.handled)) : bj::value(nullptr)},
                              {"rated", u.rated},
                              {"satisfied", u.satisfied},
                              {"basically_satisfied", u.basically},
                              {"unsatisfied", u.unsatisfied},
                              {"satisfaction_rate", ratio(u.satisfied + u.basically, u.rated)}});
    for (const auto& [id, m] : members)
      ma.push_back(bj::object{{"person", bj::object{{"id", id}, {"name", m.name}}},
                              {"submitted", m.submitted},
                              {"accepted", m.accepted},
                              {"declined", m.declined},
                              {"merged", m.merged},
                              {"answered", m.answered},
                              {"closed", m.closed},
                              {"satisfied", m.satisfied}});
    bj::object kinds, states;
    for (const auto& [k, n] : by_kind) kinds[k] = n;
    for (const auto& [k, n] : by_state) states[k] = n;
    return bj::object{{"org_id", org_id},
                      {"year", year ? bj::value(*year) : bj::value(nullptr)},
                      {"total", static_cast<int64_t>(cases.size())},
                      {"by_kind", std::move(kinds)},
                      {"by_state", std::move(states)},
                      {"units", std::move(ua)},
                      {"members", std::move(ma)}};
  });
}

// ---- calendar ---------------------------------------------------------------------------

Result<bj::object> CasesService::calendar(int64_t org_id, int year) {
  if (year < 2000 || year > 2100) return Error::Invalid("invalid_year", "year 须在 2000 到 2100 之间");
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    std::vector<int64_t> chain{0};
    if (org_id != 0) {
      SL_ASSIGN(std::string path, access::org_path(c, org_id));
      size_t i = 0;
      while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string::npos) j = path.size();
        if (j > i) chain.push_back(std::stoll(path.substr(i, j - i)));
        i = j + 1;
      }
    }
    std::string from = std::to_string(year) + "-01-01", to = std::to_string(year) + "-12-31";
    std::map<std::string, bj::object> days;
    for (int64_t o : chain) {
      SL_ASSIGN(auto rows, c.query("SELECT day, kind, name FROM calendar_days WHERE org_id = ? AND day >= ? AND day <= ?",
                                   {o, from, to}));
      for (const auto& r : rows)
        days[r.str(0)] = bj::object{{"date", r.str(0)}, {"kind", r.str(1)}, {"name", r.str(2)}, {"org_id", o == 0 ? bj::value(nullptr) : bj::value(o)}};
    }
    SL_ASSIGN(auto y, c.query_one("SELECT source FROM calendar_years WHERE org_id = 0 AND year = ?", {int64_t{year}}));
    bj::array items;
    for (auto& [d, o] : days) items.push_back(std::move(o));
    SL_ASSIGN(Calendar cal, load_calendar(c, org_id));
    Day first = day_from_civil(year, 1, 1), last = day_from_civil(year, 12, 31);
    int working = cal.working_days_between(first - 1, last);
    return bj::object{{"org_id", org_id == 0 ? bj::value(nullptr) : bj::value(org_id)},
                      {"year", year},
                      {"official", y.has_value()},
                      {"source", y ? bj::value(y->str(0)) : bj::value(nullptr)},
                      {"working_days", working},
                      {"days", std::move(items)}};
  });
}

Result<bj::object> CasesService::put_calendar_days(const Caller& caller, std::optional<int64_t> org_id, const bj::object& body) {
  auto it = body.find("days");
  if (it == body.end() || !it->value().is_array() || it->value().as_array().empty())
    return Error::Invalid("missing_field", "请提供 days 数组");
  const auto& arr = it->value().as_array();
  if (arr.size() > 400) return Error::Invalid("too_many", "一次最多 400 天");
  SL_ASSIGN(auto source, json::opt_string(body, "source", 300));
  struct D {
    std::string date, kind, name;
  };
  std::vector<D> days;
  std::set<int> years;
  for (const auto& v : arr) {
    if (!v.is_object()) return Error::Invalid("invalid_field", "days 的每一项须为对象");
    SL_ASSIGN(std::string date, json::req_string(v.as_object(), "date", 10));
    SL_ASSIGN(std::string kind, json::req_string(v.as_object(), "kind", 10));
    SL_ASSIGN(auto name, json::opt_string(v.as_object(), "name", 100));
    auto d = parse_day(date);
    if (!d) return Error::Invalid("invalid_date", "日期格式须为 YYYY-MM-DD：" + date);
    if (kind != "holiday" && kind != "workday") return Error::Invalid("invalid_kind", "kind 须为 holiday 或 workday");
    years.insert(year_of(*d));
    days.push_back(D{date, kind, name.value_or(kind == "workday" ? "调休上班" : "")});
  }
  int64_t oid = org_id.value_or(0);
  TimeMs now = clock_.now_ms();
  (void)now;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    if (org_id) {
      SL_TRY(access::check(c, caller, *org_id, access::Action::kOrgManage));
    } else if (!caller.superadmin) {
      return Error::Forbidden("只有平台管理员可以修改全国节假日安排");
    }
    for (const auto& d : days)
      SL_TRY(c.exec("INSERT INTO calendar_days (org_id, day, kind, name) VALUES (?, ?, ?, ?) ON CONFLICT (org_id, day) DO "
                    "UPDATE SET kind = excluded.kind, name = excluded.name",
                    {oid, d.date, d.kind, d.name}));
    if (!org_id)
      for (int y : years)
        SL_TRY(c.exec("INSERT INTO calendar_years (org_id, year, source) VALUES (0, ?, ?) ON CONFLICT (org_id, year) DO "
                      "UPDATE SET source = CASE WHEN excluded.source = '' THEN calendar_years.source ELSE excluded.source END",
                      {int64_t{y}, source.value_or("")}));
    SL_ASSIGN(auto state, store::calendar_state(c, oid));
    return ledger_.record(c, caller, "calendar.changed", "calendar", oid, std::move(state),
                          [&](const std::string& salt) { return store::set_calendar_salt(c, oid, salt); });
  }));
  return calendar(oid, *years.begin());
}

Status CasesService::delete_calendar_day(const Caller& caller, std::optional<int64_t> org_id, const std::string& date) {
  if (!parse_day(date)) return Error::Invalid("invalid_date", "日期格式须为 YYYY-MM-DD");
  int64_t oid = org_id.value_or(0);
  return db_.write([&](Conn& c) -> Status {
    if (org_id) {
      SL_TRY(access::check(c, caller, *org_id, access::Action::kOrgManage));
    } else if (!caller.superadmin) {
      return Error::Forbidden("只有平台管理员可以修改全国节假日安排");
    }
    SL_ASSIGN(int64_t n, c.exec("DELETE FROM calendar_days WHERE org_id = ? AND day = ?", {oid, date}));
    if (n == 0) return Error::NotFound("day_not_found", "该日期没有特别安排");
    SL_ASSIGN(auto state, store::calendar_state(c, oid));
    return ledger_.record(c, caller, "calendar.changed", "calendar", oid, std::move(state),
                          [&](const std::string& salt) { return store::set_calendar_salt(c, oid, salt); });
  });
}

}  // namespace sl::cases
