// Points and answers (认领回应): staff or the author split a post into points; a point is
// assigned to an invited department or claimed by one; the department answers it (a post in
// the thread marked department_answer); the post's author accepts the answer or asks again.
//   open → claimed → answered → accepted
//                 ↖ asked again ↙
// Response counts and median response times per department are kept in
// department_response_stats as points change.
#include <algorithm>

#include "core/json.h"
#include "modules/common/route_util.h"
#include "modules/deliberation/deliberation_internal.h"

namespace sl::deliberation {

using detail::Loaded;
using detail::Outbox;
using detail::Viewer;
using storage::Conn;

namespace {

Result<store::PointRow> find_point_or_404(Conn& c, int64_t id) {
  SL_ASSIGN(auto p, store::find_point(c, id));
  if (!p) return Error::NotFound("point_not_found", "要点不存在");
  return std::move(*p);
}

bool invited(const Loaded& l, int64_t department_id) {
  for (const auto& d : l.parties.departments)
    if (d.id == department_id) return true;
  return false;
}

// The default deadline of a point: the end of the deliberation's department-response phase.
Result<std::optional<TimeMs>> phase_deadline(Conn& c, int64_t deliberation_id) {
  SL_ASSIGN(auto phs, store::phases(c, deliberation_id));
  for (const auto& p : phs)
    if (p.kind == "response" && p.ends_at) return std::optional<TimeMs>(p.ends_at);
  return std::optional<TimeMs>();
}

// The point as readers see it, with its answers and follow-ups.
Result<bj::object> point_with_answers(Conn& c, const store::PointRow& p, const Viewer& v) {
  SL_ASSIGN(auto answers, store::posts_of_points(c, {p.id}, v.person_id));
  bj::value arr = detail::points_with_answers({p}, answers, v);
  std::vector<bj::object*> objs;
  detail::collect_posts(arr, objs);
  SL_TRY(detail::put_attachments(c, std::move(objs)));
  return std::move(arr.as_array().front().as_object());
}

std::string point_link(const store::PointRow& p) {
  return detail::post_link(p.deliberation_id, p.post_id) + "&point=" + std::to_string(p.id);
}

std::string point_title(const store::PointRow& p) {
  return p.summary.empty() ? detail::excerpt(p.quote, 40) : p.summary;
}

}  // namespace

Result<bj::object> DeliberationService::create_point(const Caller& caller, int64_t post_id, const bj::object& body) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  SL_ASSIGN(std::string quote, detail::text(body, "quote", 2000, false));
  SL_ASSIGN(std::string summary, detail::text(body, "summary", 200, false));
  if (quote.empty() && summary.empty()) return Error::Invalid("missing_field", "请摘录原文（quote）或写一句概括（summary）");
  SL_ASSIGN(auto department_id, json::opt_int(body, "department_id"));
  SL_ASSIGN(auto deadline, detail::time_field(body, "deadline_at"));
  TimeMs now = clock_.now_ms();
  Outbox out;
  bj::object result;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    out.clear();
    SL_ASSIGN(auto post, store::find_post(c, post_id, 0));
    if (!post) return Error::NotFound("post_not_found", "发言不存在");
    SL_ASSIGN(Loaded l, detail::load(c, caller, post->deliberation_id));
    bool author = post->author_id == caller.person_id && l.st.part != Part::kNone;
    if (!l.st.manage && !author) return Error::Forbidden("只有工作人员或发言人可以拆分要点");
    if ((department_id || deadline) && !l.st.manage) return Error::Forbidden("只有工作人员可以指定部门和期限");
    if (post->state != "visible") return Error::Conflict("post_not_visible", "该发言已隐藏或删除");
    if (l.d.state != "open") return Error::Conflict("deliberation_not_open", "协商不在进行中");
    if (!quote.empty() && post->body.find(quote) == std::string::npos)
      return Error::Invalid("quote_not_in_post", "摘录须是发言原文中的一段");
    if (department_id && !invited(l, *department_id))
      return Error::Invalid("department_not_invited", "该部门未受邀参加本次协商");
    store::NewPoint np;
    np.deliberation_id = l.d.id;
    np.post_id = post->id;
    np.quote = quote;
    np.summary = summary;
    np.department_id = department_id;
    np.deadline_at = deadline;
    if (!np.deadline_at) {
      SL_ASSIGN(np.deadline_at, phase_deadline(c, l.d.id));
    }
    np.created_by = caller.person_id;
    np.salt = ledger_.new_salt();
    SL_ASSIGN(int64_t id, store::insert_point(c, np, now));
    SL_ASSIGN(auto p, find_point_or_404(c, id));
    SL_TRY(detail::emit(c, out, l.d.id, "point.created", now, p.post_id, detail::point_json(p)));
    SL_TRY(detail::record(c, ledger_, caller, "point.created", "point", id));
    if (department_id) {
      SL_TRY(store::refresh_response_stats(c, l.d.id, *department_id, now));
      SL_TRY(detail::notify_department_event(c, now, *department_id, "point.assigned",
                                             {{"point", point_title(p)}, {"where", detail::excerpt(l.d.theme, 30)}},
                                             point_link(p)));
    }
    SL_ASSIGN(result, point_with_answers(c, p, Viewer{caller.person_id, l.st.manage || l.st.oversee}));
    return Ok();
  }));
  detail::publish(bus_, out);
  return result;
}

Result<bj::object> DeliberationService::get_point(const Caller& caller, int64_t point_id) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto p, find_point_or_404(c, point_id));
    SL_ASSIGN(Loaded l, detail::load(c, caller, p.deliberation_id));
    SL_ASSIGN(auto o, point_with_answers(c, p, Viewer{caller.person_id, l.st.manage || l.st.oversee}));
    SL_ASSIGN(o["ledger"], detail::ledger_json(c, "point", p.id));
    return o;
  });
}

Result<bj::object> DeliberationService::update_point(const Caller& caller, int64_t point_id, const bj::object& body) {
  bool has_quote = body.contains("quote"), has_summary = body.contains("summary"), has_deadline = body.contains("deadline_at");
  if (!has_quote && !has_summary && !has_deadline)
    return Error::Invalid("nothing_to_change", "请提供 quote、summary 或 deadline_at");
  SL_ASSIGN(std::string quote, detail::text(body, "quote", 2000, false));
  SL_ASSIGN(std::string summary, detail::text(body, "summary", 200, false));
  SL_ASSIGN(auto deadline, detail::time_field(body, "deadline_at"));
  TimeMs now = clock_.now_ms();
  Outbox out;
  bj::object result;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    out.clear();
    SL_ASSIGN(auto p, find_point_or_404(c, point_id));
    SL_ASSIGN(Loaded l, detail::load(c, caller, p.deliberation_id));
    bool author = p.post_author_id == caller.person_id && caller.person_id != 0;
    if (!l.st.manage && !(author && p.state == "open" && !has_deadline))
      return Error::Forbidden("只有工作人员可以修改要点（发言人可在认领前修改摘录和概括）");
    if (l.d.state == "archived") return Error::Conflict("deliberation_archived", "协商已归档");
    if (has_quote) {
      SL_ASSIGN(auto post, store::find_post(c, p.post_id, 0));
      if (!quote.empty() && post->body.find(quote) == std::string::npos)
        return Error::Invalid("quote_not_in_post", "摘录须是发言原文中的一段");
      p.quote = quote;
    }
    if (has_summary) p.summary = summary;
    if (p.quote.empty() && p.summary.empty()) return Error::Invalid("missing_field", "摘录和概括不能都为空");
    if (has_deadline) p.deadline_at = deadline;
    SL_TRY(store::update_point(c, p, now));
    SL_ASSIGN(auto np, find_point_or_404(c, point_id));
    SL_TRY(detail::emit(c, out, l.d.id, "point.updated", now, np.post_id, detail::point_json(np)));
    SL_TRY(detail::record(c, ledger_, caller, "point.updated", "point", point_id));
    SL_ASSIGN(result, point_with_answers(c, np, Viewer{caller.person_id, l.st.manage || l.st.oversee}));
    return Ok();
  }));
  detail::publish(bus_, out);
  return result;
}

Result<bj::object> DeliberationService::assign_point(const Caller& caller, int64_t point_id, const bj::object& body) {
  SL_ASSIGN(int64_t department_id, json::req_int(body, "department_id"));
  SL_ASSIGN(auto deadline, detail::time_field(body, "deadline_at"));
  TimeMs now = clock_.now_ms();
  Outbox out;
  bj::object result;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    out.clear();
    SL_ASSIGN(auto p, find_point_or_404(c, point_id));
    SL_ASSIGN(Loaded l, detail::load(c, caller, p.deliberation_id));
    if (!l.st.manage) return Error::Forbidden("只有工作人员可以交办要点");
    if (l.d.state != "open") return Error::Conflict("deliberation_not_open", "协商不在进行中");
    if (p.state != "open" && p.state != "claimed") return Error::Conflict("point_answered", "该要点已有回应，不能改派");
    if (!invited(l, department_id)) return Error::Invalid("department_not_invited", "该部门未受邀参加本次协商");
    std::optional<int64_t> previous = p.department_id;
    p.department_id = department_id;
    p.taken_how = "assigned";
    p.taken_at = now;
    p.state = "claimed";
    if (deadline) p.deadline_at = deadline;
    else if (!p.deadline_at) {
      SL_ASSIGN(p.deadline_at, phase_deadline(c, l.d.id));
    }
    SL_TRY(store::update_point(c, p, now));
    SL_ASSIGN(auto np, find_point_or_404(c, point_id));
    SL_TRY(detail::emit(c, out, l.d.id, "point.claimed", now, np.post_id, detail::point_json(np)));
    SL_TRY(detail::record(c, ledger_, caller, "point.assigned", "point", point_id));
    if (previous && *previous != department_id) SL_TRY(store::refresh_response_stats(c, l.d.id, *previous, now));
    SL_TRY(store::refresh_response_stats(c, l.d.id, department_id, now));
    SL_TRY(detail::notify_department_event(c, now, department_id, "point.assigned",
                                           {{"point", point_title(np)}, {"where", detail::excerpt(l.d.theme, 30)}},
                                           point_link(np)));
    SL_ASSIGN(result, point_with_answers(c, np, Viewer{caller.person_id, true}));
    return Ok();
  }));
  detail::publish(bus_, out);
  return result;
}

Result<bj::object> DeliberationService::claim_point(const Caller& caller, int64_t point_id, const bj::object& body) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  SL_ASSIGN(auto department_id, json::opt_int(body, "department_id"));
  TimeMs now = clock_.now_ms();
  Outbox out;
  bj::object result;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    out.clear();
    SL_ASSIGN(auto p, find_point_or_404(c, point_id));
    SL_ASSIGN(Loaded l, detail::load(c, caller, p.deliberation_id));
    if (l.st.departments.empty()) return Error::Forbidden("只有受邀部门的联络员可以认领要点");
    int64_t dept = 0;
    if (department_id) {
      if (std::find(l.st.departments.begin(), l.st.departments.end(), *department_id) == l.st.departments.end())
        return Error::Forbidden("您不是该部门的联络员");
      dept = *department_id;
    } else if (l.st.departments.size() == 1) {
      dept = l.st.departments.front();
    } else {
      return Error::Invalid("department_required", "您是多个受邀部门的联络员，请指定 department_id");
    }
    if (l.d.state != "open") return Error::Conflict("deliberation_not_open", "协商不在进行中");
    if (p.state != "open") return Error::Conflict("point_taken", "该要点已被认领或交办");
    p.department_id = dept;
    p.taken_how = "claimed";
    p.taken_at = now;
    p.state = "claimed";
    SL_TRY(store::update_point(c, p, now));
    SL_ASSIGN(auto np, find_point_or_404(c, point_id));
    SL_TRY(detail::emit(c, out, l.d.id, "point.claimed", now, np.post_id, detail::point_json(np)));
    SL_TRY(detail::record(c, ledger_, caller, "point.claimed", "point", point_id));
    SL_TRY(store::refresh_response_stats(c, l.d.id, dept, now));
    SL_ASSIGN(result, point_with_answers(c, np, Viewer{caller.person_id, l.st.manage || l.st.oversee}));
    return Ok();
  }));
  detail::publish(bus_, out);
  return result;
}

Result<bj::object> DeliberationService::answer_point(const Caller& caller, int64_t point_id, const bj::object& body) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  detail::PostSpec spec;
  SL_ASSIGN(spec.body, detail::text(body, "body", 5000, true));
  SL_ASSIGN(auto files, detail::id_list(body, "attachment_ids", 20));
  spec.attachment_ids = files.value_or(std::vector<int64_t>{});
  TimeMs now = clock_.now_ms();
  Outbox out;
  bj::object result;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    out.clear();
    SL_ASSIGN(auto p, find_point_or_404(c, point_id));
    SL_ASSIGN(Loaded l, detail::load(c, caller, p.deliberation_id));
    if (!p.department_id || std::find(l.st.departments.begin(), l.st.departments.end(), *p.department_id) ==
                                l.st.departments.end())
      return Error::Forbidden("只有认领或受理该要点的部门可以回应");
    if (p.state == "open") return Error::Conflict("point_not_claimed", "请先认领该要点");
    if (p.state == "accepted") return Error::Conflict("point_accepted", "发言人已采纳回应");
    spec.parent_id = p.post_id;
    spec.point_id = p.id;
    spec.as_department = p.department_id;
    SL_ASSIGN(auto answer, detail::add_post(c, ledger_, out, l, caller, opts_, spec, now));
    p.state = "answered";
    p.answered_at = now;
    if (!p.first_answered_at) {
      p.first_answered_at = now;
      // From when the department could first answer: assignment, or the point's creation when claimed.
      TimeMs from = p.taken_how && *p.taken_how == "assigned" && p.taken_at ? *p.taken_at : p.created_at;
      p.response_ms = now - from;
    }
    SL_TRY(store::update_point(c, p, now));
    SL_ASSIGN(auto np, find_point_or_404(c, point_id));
    // The answer itself went out as post.created just before.
    SL_TRY(detail::emit(c, out, l.d.id, "point.answered", now, np.post_id,
                        bj::object{{"point", detail::point_json(np)}, {"answer_id", answer.id}}));
    SL_TRY(detail::record(c, ledger_, caller, "point.answered", "point", point_id));
    SL_TRY(store::refresh_response_stats(c, l.d.id, *p.department_id, now));
    SL_TRY(detail::notify_event(c, now, np.post_author_id, "point.answered",
                                {{"department", np.department_name}, {"excerpt", detail::excerpt(spec.body, 60)}},
                                point_link(np)));
    SL_ASSIGN(result, point_with_answers(c, np, Viewer{caller.person_id, l.st.manage || l.st.oversee}));
    return Ok();
  }));
  detail::publish(bus_, out);
  return result;
}

Result<bj::object> DeliberationService::accept_point(const Caller& caller, int64_t point_id) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  TimeMs now = clock_.now_ms();
  Outbox out;
  bj::object result;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    out.clear();
    SL_ASSIGN(auto p, find_point_or_404(c, point_id));
    SL_ASSIGN(Loaded l, detail::load(c, caller, p.deliberation_id));
    if (p.post_author_id != caller.person_id) return Error::Forbidden("只有发言人可以采纳回应");
    if (l.d.state != "open") return Error::Conflict("deliberation_not_open", "协商不在进行中");
    if (p.state != "answered") return Error::Conflict("point_not_answered", "该要点还没有待确认的回应");
    p.state = "accepted";
    p.accepted_at = now;
    SL_TRY(store::update_point(c, p, now));
    SL_ASSIGN(auto np, find_point_or_404(c, point_id));
    SL_TRY(detail::emit(c, out, l.d.id, "point.accepted", now, np.post_id, detail::point_json(np)));
    SL_TRY(detail::record(c, ledger_, caller, "point.accepted", "point", point_id));
    SL_TRY(store::refresh_response_stats(c, l.d.id, *p.department_id, now));
    SL_TRY(detail::notify_department(c, now, *p.department_id, "point.accepted", "发言人采纳了贵部门的回应", point_title(np),
                                     point_link(np)));
    SL_ASSIGN(result, point_with_answers(c, np, Viewer{caller.person_id, l.st.manage || l.st.oversee}));
    return Ok();
  }));
  detail::publish(bus_, out);
  return result;
}

Result<bj::object> DeliberationService::ask_again(const Caller& caller, int64_t point_id, const bj::object& body) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  detail::PostSpec spec;
  SL_ASSIGN(spec.body, detail::text(body, "body", 2000, true));
  TimeMs now = clock_.now_ms();
  Outbox out;
  bj::object result;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    out.clear();
    SL_ASSIGN(auto p, find_point_or_404(c, point_id));
    SL_ASSIGN(Loaded l, detail::load(c, caller, p.deliberation_id));
    if (p.post_author_id != caller.person_id) return Error::Forbidden("只有发言人可以追问");
    if (p.state != "answered") return Error::Conflict("point_not_answered", "该要点还没有待确认的回应");
    // The follow-up is a reply to the latest answer, in the same thread.
    SL_ASSIGN(auto thread, store::posts_of_points(c, {p.id}, 0));
    std::optional<int64_t> last_answer;
    for (const auto& a : thread)
      if (a.mark && *a.mark == "department_answer" && a.state == "visible") last_answer = a.id;
    spec.parent_id = last_answer.value_or(p.post_id);
    spec.point_id = p.id;
    SL_ASSIGN(auto follow, detail::add_post(c, ledger_, out, l, caller, opts_, spec, now));
    p.state = "claimed";
    p.asked_again += 1;
    p.follow_up = spec.body;
    SL_TRY(store::update_point(c, p, now));
    SL_ASSIGN(auto np, find_point_or_404(c, point_id));
    SL_TRY(detail::emit(c, out, l.d.id, "point.asked_again", now, np.post_id,
                        bj::object{{"point", detail::point_json(np)}, {"follow_up_id", follow.id}}));
    SL_TRY(detail::record(c, ledger_, caller, "point.asked_again", "point", point_id));
    SL_TRY(store::refresh_response_stats(c, l.d.id, *p.department_id, now));
    SL_TRY(detail::notify_department(c, now, *p.department_id, "point.asked_again", "发言人对贵部门的回应提出追问",
                                     detail::excerpt(spec.body, 60), point_link(np)));
    SL_ASSIGN(result, point_with_answers(c, np, Viewer{caller.person_id, l.st.manage || l.st.oversee}));
    return Ok();
  }));
  detail::publish(bus_, out);
  return result;
}

Result<bj::object> DeliberationService::list_points(const Caller& caller, int64_t deliberation_id,
                                                    std::optional<std::string> state, std::optional<int64_t> department_id,
                                                    int64_t after, int limit) {
  if (state && *state != "open" && *state != "claimed" && *state != "answered" && *state != "accepted")
    return Error::Invalid("invalid_state", "state 须为 open、claimed、answered 或 accepted");
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, detail::load(c, caller, deliberation_id));
    Viewer v{caller.person_id, l.st.manage || l.st.oversee};
    SL_ASSIGN(auto rows, store::list_points(c, store::PointFilter{deliberation_id, state, department_id}, after, limit + 1));
    std::optional<int64_t> next;
    if (static_cast<int>(rows.size()) > limit) {
      rows.pop_back();
      next = rows.back().id;
    }
    std::vector<int64_t> ids;
    for (const auto& p : rows) ids.push_back(p.id);
    SL_ASSIGN(auto answers, store::posts_of_points(c, ids, caller.person_id));
    bj::value items = detail::points_with_answers(rows, answers, v);
    std::vector<bj::object*> objs;
    detail::collect_posts(items, objs);
    SL_TRY(detail::put_attachments(c, std::move(objs)));
    return routes::page(std::move(items.as_array()), next);
  });
}

Result<bj::object> DeliberationService::my_points(const Caller& caller, const std::string& state, int64_t after, int limit) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  if (state != "todo" && state != "open" && state != "claimed" && state != "answered" && state != "accepted")
    return Error::Invalid("invalid_state", "state 须为 todo（待办）、open、claimed、answered 或 accepted");
  std::vector<int64_t> departments;
  for (const auto& m : caller.memberships)
    if (m.role == access::Role::kResponder) departments.push_back(m.org_id);
  if (departments.empty()) return Error::Forbidden("部门工作台仅供部门联络员使用");
  TimeMs now = clock_.now_ms();
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto rows, store::department_points(c, departments, state, after, limit + 1));
    std::optional<int64_t> next;
    if (static_cast<int>(rows.size()) > limit) {
      rows.pop_back();
      next = rows.back().id;
    }
    std::vector<int64_t> point_ids, post_ids;
    for (const auto& p : rows) {
      point_ids.push_back(p.id);
      post_ids.push_back(p.post_id);
    }
    SL_ASSIGN(auto answers, store::posts_of_points(c, point_ids, caller.person_id));
    SL_ASSIGN(auto briefs, store::post_briefs(c, post_ids));
    bj::array items = detail::points_with_answers(rows, answers, Viewer{caller.person_id, false});
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto& p = rows[i];
      bj::object& o = items[i].as_object();
      o["deliberation"] = bj::object{{"id", p.deliberation_id}, {"theme", p.theme}};
      for (const auto& b : briefs)
        if (b.id == p.post_id)
          o["post"] = bj::object{{"id", b.id},
                                 {"title", b.title},
                                 {"excerpt", b.state == "visible" ? detail::excerpt(b.body, 120) : ""},
                                 {"author", bj::object{{"id", b.author_id}, {"display_name", b.author_name}}}};
      bool pending = p.state == "open" || p.state == "claimed";
      o["overdue"] = pending && p.deadline_at && *p.deadline_at < now;
    }
    bj::value all = std::move(items);
    std::vector<bj::object*> objs;
    detail::collect_posts(all, objs);
    SL_TRY(detail::put_attachments(c, std::move(objs)));
    return routes::page(std::move(all.as_array()), next);
  });
}

Result<bj::object> DeliberationService::response_stats(const Caller& caller, int64_t deliberation_id) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_TRY(detail::load(c, caller, deliberation_id));
    SL_ASSIGN(auto items, store::response_stats(c, deliberation_id));
    return routes::page(std::move(items), std::nullopt);
  });
}

}  // namespace sl::deliberation
