// Posts: speaking (articles, two-level replies, public comments), reading pages and threads,
// likes, edits with every version kept, deletion by the author within a window, moderation
// (hide / restore with a reason the author sees), reports, bans, and my contributions.
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

constexpr size_t kMaxArticleChars = 30000;
constexpr size_t kMaxReplyChars = 5000;

Viewer viewer_of(const Caller& caller, const Standing& st) { return Viewer{caller.person_id, st.manage || st.oversee}; }

Status require_open(const store::DelibRow& d) {
  if (d.state != "open") return Error::Conflict("deliberation_not_open", "协商不在进行中");
  return Ok();
}

Result<store::PostRow> find_post_or_404(Conn& c, int64_t id, int64_t viewer) {
  SL_ASSIGN(auto p, store::find_post(c, id, viewer));
  if (!p) return Error::NotFound("post_not_found", "发言不存在");
  return std::move(*p);
}

// Points (with their answers and follow-ups) of the given posts, keyed by post id in order.
Result<std::vector<std::pair<int64_t, bj::array>>> points_for(Conn& c, const std::vector<int64_t>& post_ids, const Viewer& v) {
  std::vector<std::pair<int64_t, bj::array>> out;
  SL_ASSIGN(auto points, store::points_of_posts(c, post_ids));
  if (points.empty()) return out;
  std::vector<int64_t> point_ids;
  for (const auto& p : points) point_ids.push_back(p.id);
  SL_ASSIGN(auto answers, store::posts_of_points(c, point_ids, v.person_id));
  for (int64_t pid : post_ids) {
    std::vector<store::PointRow> mine;
    for (const auto& p : points)
      if (p.post_id == pid) mine.push_back(p);
    if (!mine.empty()) out.emplace_back(pid, detail::points_with_answers(mine, answers, v));
  }
  return out;
}

void attach_points(bj::object& post, int64_t id, std::vector<std::pair<int64_t, bj::array>>& points) {
  for (auto& [pid, arr] : points)
    if (pid == id) {
      post["points"] = std::move(arr);
      return;
    }
  post["points"] = bj::array();
}

}  // namespace

namespace detail {

Status redact_post_events(Conn& c, int64_t deliberation_id, int64_t post_id) {
  SL_ASSIGN(auto evs, store::events_of_post(c, deliberation_id, post_id));
  for (const auto& e : evs) {
    bj::value data = bj::object{{"id", post_id}, {"redacted", true}};
    if (e.type.rfind("point.", 0) == 0) {
      // A point event keeps its point; only the quote taken from the post goes.
      boost::system::error_code ec;
      bj::value v = bj::parse(e.payload, ec);
      if (ec || !v.is_object() || !v.as_object().contains("data")) continue;
      data = v.as_object().at("data");
      if (data.is_object()) {
        auto& d = data.as_object();
        if (d.contains("quote")) d["quote"] = "";
        if (auto* pt = d.if_contains("point"); pt && pt->is_object()) pt->as_object()["quote"] = "";
      }
    }
    bj::object ev{{"type", e.type}, {"seq", e.seq}, {"at", format_iso8601(e.at)}, {"data", std::move(data)}};
    SL_TRY(store::set_event_payload(c, deliberation_id, e.seq, bj::serialize(ev)));
  }
  return Ok();
}

// Erases a post's content for good — its author deleting it, or moderation removing it: the
// text and earlier versions go, the ledger records the erasure, points lose their quotes, and
// the event log forgets the content.
Result<ledger::Erasure> erase_post(Conn& c, ledger::Ledger& ledger, const Options& opts, Outbox& out,
                                   const Caller& caller, const store::PostRow& p, const std::string& state,
                                   std::optional<std::string> reason, std::string_view code, TimeMs now) {
  SL_TRY(store::erase_post_content(c, p.id, state, reason, now));
  if (opts.attachments) SL_TRY(opts.attachments->remove_for_scope(c, caller, "post", p.id));
  SL_ASSIGN(auto erasure, ledger.erase(c, caller, "post", p.id, code));
  SL_ASSIGN(auto points, store::blank_point_quotes(c, p.id, now));
  for (int64_t pt : points) SL_TRY(record(c, ledger, caller, "point.quote_erased", "point", pt));
  SL_TRY(redact_post_events(c, p.deliberation_id, p.id));
  bj::object data{{"id", p.id}, {"root_id", p.root_id.value_or(p.id)}};
  data["parent_id"] = p.parent_id ? bj::value(*p.parent_id) : bj::value(nullptr);
  SL_TRY(emit(c, out, p.deliberation_id, state == "removed" ? "post.removed" : "post.deleted", now, std::nullopt,
              std::move(data)));
  SL_TRY(unindex_post(c, p.id));
  return erasure;
}

Status publish_post(Conn& c, Outbox& out, const Loaded& l, const store::PostRow& p, TimeMs now) {
  store::NewPost counts;
  if (p.parent_id) {
    counts.parent_id = p.parent_id;
    counts.root_id = p.root_id;
  }
  SL_TRY(store::count_reply(c, counts));
  SL_TRY(store::count_post(c, l.d.id));
  bj::value data = post_json(p, Viewer{});
  SL_TRY(put_attachments(c, {&data.as_object()}));
  SL_TRY(emit(c, out, l.d.id, "post.created", now, p.id, std::move(data)));
  SL_TRY(index_post(c, l, p));
  std::optional<int64_t> told;
  if (p.reply_to_id) {
    SL_ASSIGN(auto parent, store::find_post(c, *p.reply_to_id, 0));
    if (parent && parent->author_id != p.author_id) {
      told = parent->author_id;
      SL_TRY(notify(c, now, parent->author_id, "post.replied",
                    (p.author_name.empty() ? std::string("有人") : p.author_name) + " 回复了您的发言", excerpt(p.body, 60),
                    post_link(l.d.id, p.id)));
    }
  }
  return notify_mentions(c, now, l, p, {}, told);
}

Result<store::PostRow> add_post(Conn& c, ledger::Ledger& ledger, Outbox& out, const Loaded& l, const Caller& caller,
                                const Options& opts, const PostSpec& spec, TimeMs now) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  SL_TRY(require_open(l.d));
  Part part = l.st.part;
  std::optional<int64_t> author_org = l.st.author_org_id;
  if (spec.as_department) {
    if (std::find(l.st.departments.begin(), l.st.departments.end(), *spec.as_department) == l.st.departments.end())
      return Error::Forbidden("只有该部门的联络员可以代表部门回应");
    part = Part::kDepartment;
    author_org = spec.as_department;
  }
  if (part == Part::kNone) {
    if (l.d.public_mode == "read") return Error::Forbidden("本次协商对公众只读，不能评论");
    return Error::Forbidden("您不是本次协商的参与者");
  }
  SL_ASSIGN(bool banned, store::is_banned(c, l.d.id, caller.person_id));
  if (banned) return Error{Code::kForbidden, "banned", "您已被禁止在本次协商中发言", {}};

  store::NewPost np;
  np.deliberation_id = l.d.id;
  np.author_id = caller.person_id;
  np.author_role = std::string(part_name(part));
  np.author_org_id = part == Part::kDepartment || part == Part::kMember ? author_org : std::nullopt;
  if (part == Part::kLeader) np.mark = "leader_remark";
  if (part == Part::kDepartment) np.mark = "department_answer";
  np.point_id = spec.point_id;

  std::optional<store::PostRow> parent;
  if (spec.parent_id) {
    SL_ASSIGN(parent, store::find_post(c, *spec.parent_id, 0));
    if (!parent || parent->deliberation_id != l.d.id) return Error::NotFound("post_not_found", "被回复的发言不存在");
    if (parent->state != "visible") return Error::Conflict("post_not_visible", "被回复的发言已隐藏或删除，不能回复");
    // Two levels: a reply to a top-level post is level 1, a reply to a reply level 2; deeper
    // requests attach to the level-2 reply's parent and keep whom they answer in reply_to_id.
    np.reply_to_id = parent->id;
    np.root_id = parent->root_id.value_or(parent->id);
    if (parent->depth < 2) {
      np.parent_id = parent->id;
      np.depth = parent->depth + 1;
    } else {
      np.parent_id = parent->parent_id;
      np.depth = 2;
    }
  }

  std::string kind;
  if (part == Part::kPublic) {
    if (spec.kind && *spec.kind != "comment") return Error::Forbidden("公众只能发表评论");
    kind = "comment";
  } else if (spec.kind) {
    kind = *spec.kind;
    if (kind != "article" && kind != "reply" && kind != "comment")
      return Error::Invalid("invalid_kind", "kind 须为 article（发言）、reply（回复）或 comment（评论）");
    if (kind == "article" && parent) return Error::Invalid("invalid_kind", "回复不能是长文发言，请用 reply");
    if (kind == "reply" && !parent) return Error::Invalid("invalid_kind", "reply 须有 parent_id");
  } else {
    kind = parent ? "reply" : "article";
  }
  np.kind = kind;
  auto len = json::utf8_length(spec.body).value_or(0);
  size_t max = kind == "article" ? kMaxArticleChars : kMaxReplyChars;
  if (len > max) return Error::Invalid("body_too_long", "内容过长（最多 " + std::to_string(max) + " 字）");
  np.title = kind == "article" ? spec.title : "";
  np.body = spec.body;
  np.body_html = render_markdown(spec.body);

  if (spec.subtopic_id) {
    SL_ASSIGN(auto s, c.query_one("SELECT 1 FROM deliberation_subtopics WHERE id = ? AND deliberation_id = ?",
                                  {*spec.subtopic_id, l.d.id}));
    if (!s) return Error::Invalid("invalid_subtopic", "该话题不属于本次协商");
    np.subtopic_id = spec.subtopic_id;
  } else if (parent) {
    np.subtopic_id = parent->subtopic_id;
  }
  np.salt = ledger.new_salt();
  // Screening (敏感词): refused, naming the words — or, for new posts when so configured, held
  // for a moderator: stored and ledgered, but not counted, announced, indexed or told until approved.
  auto words = sensitive_words(opts, np.title, np.body);
  if (!words.empty()) {
    if (!(spec.may_hold && opts.hold_sensitive)) return sensitive_error(words);
    np.state = "held";
  }

  SL_ASSIGN(int64_t id, store::insert_post(c, np, now));
  if (!spec.attachment_ids.empty()) {
    if (!opts.attachments) return Error::Invalid("attachments_unavailable", "本服务器未启用附件");
    SL_TRY(attachments::attach(c, caller, spec.attachment_ids, "post", id));
  }
  SL_ASSIGN(store::PostRow p, find_post_or_404(c, id, caller.person_id));
  SL_TRY(record(c, ledger, caller, "post.created", "post", id));
  if (np.state == "visible") SL_TRY(publish_post(c, out, l, p, now));
  return p;
}

}  // namespace detail

Result<bj::object> DeliberationService::create_post(const Caller& caller, int64_t deliberation_id, const bj::object& body) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  detail::PostSpec spec;
  SL_ASSIGN(spec.kind, json::opt_string(body, "kind", 20));
  SL_ASSIGN(spec.parent_id, json::opt_int(body, "parent_id"));
  SL_ASSIGN(spec.subtopic_id, json::opt_int(body, "subtopic_id"));
  SL_ASSIGN(spec.title, detail::text(body, "title", 100, false));
  SL_ASSIGN(spec.body, detail::text(body, "body", kMaxArticleChars, true));
  SL_ASSIGN(auto files, detail::id_list(body, "attachment_ids", 20));
  spec.attachment_ids = files.value_or(std::vector<int64_t>{});
  spec.may_hold = true;
  TimeMs now = clock_.now_ms();
  Outbox out;
  bj::object result;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    out.clear();
    SL_ASSIGN(Loaded l, detail::load(c, caller, deliberation_id));
    SL_ASSIGN(auto p, detail::add_post(c, ledger_, out, l, caller, opts_, spec, now));
    result = detail::post_json(p, viewer_of(caller, l.st));
    result["points"] = bj::array();
    result["seq"] = out.messages.empty() ? 0 : out.messages.back().seq;
    return detail::put_attachments(c, {&result});
  }));
  detail::publish(bus_, out);
  return result;
}

namespace {

// A page of top-level posts with their points and answers, as `caller` sees it. Reads only the
// deliberation's id and last_seq and the caller's standing from `l`.
Result<bj::object> build_page(Conn& c, const Caller& caller, const Loaded& l, std::optional<int64_t> subtopic_id,
                              bool ascending, int64_t cursor, int limit) {
  int64_t deliberation_id = l.d.id;
  Viewer v = viewer_of(caller, l.st);
  SL_ASSIGN(auto posts,
            store::top_posts(c, store::PostPage{deliberation_id, subtopic_id, ascending, cursor, limit + 1, v.moderator},
                             caller.person_id));
  std::optional<int64_t> next;
  if (static_cast<int>(posts.size()) > limit) {
    posts.pop_back();
    next = posts.back().id;
  }
  std::vector<int64_t> ids;
  ids.reserve(posts.size());
  for (const auto& p : posts) ids.push_back(p.id);
  SL_ASSIGN(auto points, points_for(c, ids, v));
  bj::array items;
  items.reserve(posts.size());
  for (const auto& p : posts) {
    bj::object o = detail::post_json(p, v);
    attach_points(o, p.id, points);
    items.push_back(std::move(o));
  }
  bj::value all = std::move(items);
  std::vector<bj::object*> objs;
  detail::collect_posts(all, objs);
  SL_TRY(detail::put_attachments(c, std::move(objs)));
  bj::object page = routes::page(std::move(all.as_array()), next);
  // Where a live client subscribes from, so nothing falls between this page and the room.
  page["last_seq"] = l.d.last_seq;
  return page;
}

bool anonymous(const Caller& c) { return c.person_id == 0 && !c.superadmin && c.memberships.empty(); }

std::shared_ptr<const RenderedPage> rendered(const bj::object& page) {
  auto r = std::make_shared<RenderedPage>();
  r->body = bj::serialize(page);
  r->etag = routes::etag_of(r->body);
  return r;
}

}  // namespace

Result<bj::object> DeliberationService::list_posts(const Caller& caller, int64_t deliberation_id,
                                                   std::optional<int64_t> subtopic_id, bool ascending, int64_t cursor,
                                                   int limit) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, detail::load(c, caller, deliberation_id));
    return build_page(c, caller, l, subtopic_id, ascending, cursor, limit);
  });
}

Result<std::shared_ptr<const RenderedPage>> DeliberationService::posts_page(const Caller& caller, int64_t deliberation_id,
                                                                            std::optional<int64_t> subtopic_id,
                                                                            bool ascending, int64_t cursor, int limit) {
  using PagePtr = std::shared_ptr<const RenderedPage>;
  if (!page_cache_ || !anonymous(caller)) {
    SL_ASSIGN(auto page, list_posts(caller, deliberation_id, subtopic_id, ascending, cursor, limit));
    return rendered(page);
  }
  return db_.read_value<PagePtr>([&](Conn& c) -> Result<PagePtr> {
    // The key first, then the rows, all in this snapshot (deliberation_page_cache.h).
    SL_ASSIGN(auto head, store::page_head(c, deliberation_id));
    if (!head) return Error::NotFound("deliberation_not_found", "协商不存在");
    // An anonymous caller's standing does not depend on who takes part (no memberships), so
    // the participants are not loaded: standing_of gives what load() would.
    Loaded l{std::move(head->d), {}, {}};
    l.st = detail::standing_of(l.d, l.parties, caller);
    SL_TRY(detail::check_read(l.d, l.st, caller));
    detail::PageKey key{deliberation_id, l.d.last_seq, head->directory, subtopic_id.value_or(-1), ascending, cursor, limit};
    if (PagePtr hit = page_cache_->get(key)) return hit;
    SL_ASSIGN(auto page, build_page(c, caller, l, subtopic_id, ascending, cursor, limit));
    PagePtr r = rendered(page);
    page_cache_->put(key, r);
    return r;
  });
}

detail::PageCache::Stats DeliberationService::page_cache_stats() const {
  return page_cache_ ? page_cache_->stats() : detail::PageCache::Stats{};
}

Result<bj::object> DeliberationService::get_post(const Caller& caller, int64_t post_id, int64_t replies_after,
                                                 int replies_limit) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto p, find_post_or_404(c, post_id, caller.person_id));
    SL_ASSIGN(Loaded l, detail::load(c, caller, p.deliberation_id));
    Viewer v = viewer_of(caller, l.st);
    if (p.state == "held" && !v.moderator && (caller.person_id == 0 || caller.person_id != p.author_id))
      return Error::NotFound("post_not_found", "发言不存在");
    std::vector<store::PostRow> replies;
    std::optional<int64_t> next;
    if (p.depth < 2) {
      SL_ASSIGN(auto rows, store::thread_replies(c, p.root_id.value_or(p.id), replies_after, replies_limit + 1,
                                                 caller.person_id, v.moderator));
      if (static_cast<int>(rows.size()) > replies_limit) {
        rows.pop_back();
        next = rows.back().id;
      }
      for (auto& r : rows)
        if (p.depth == 0 || r.parent_id == p.id) replies.push_back(std::move(r));
    }
    std::vector<int64_t> ids{p.id};
    for (const auto& r : replies) ids.push_back(r.id);
    SL_ASSIGN(auto points, points_for(c, ids, v));
    bj::object o = detail::post_json(p, v);
    attach_points(o, p.id, points);
    bj::array arr;
    for (const auto& r : replies) {
      bj::object ro = detail::post_json(r, v);
      attach_points(ro, r.id, points);
      arr.push_back(std::move(ro));
    }
    o["replies"] = std::move(arr);
    {
      bj::value tree = o;  // a copy: collect_posts wants a value; the post itself is one of its objects
      std::vector<bj::object*> objs;
      detail::collect_posts(tree, objs);
      SL_TRY(detail::put_attachments(c, objs));
      o = std::move(tree.as_object());
    }
    o["replies_next_cursor"] = next ? bj::value(json::encode_cursor(*next)) : bj::value(nullptr);
    o["deliberation"] = bj::object{{"id", l.d.id}, {"theme", l.d.theme}, {"state", l.d.state}};
    if (p.state == "deleted" || p.state == "removed") {
      // Its content was erased: when, and under which ledger entry.
      SL_ASSIGN(auto erasure, ledger_.erasure(c, "post", p.id));
      if (erasure) o["erased"] = ledger::erasure_json(*erasure);
    }
    // The ledger data only to whoever may see the content it hashes.
    if (p.state == "visible" || ((p.state == "hidden" || p.state == "held") && (v.moderator || v.person_id == p.author_id))) {
      SL_ASSIGN(o["ledger"], detail::ledger_json(c, "post", p.id));
    }
    return o;
  });
}

Result<bj::object> DeliberationService::edit_post(const Caller& caller, int64_t post_id, const bj::object& body) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  bool has_title = body.contains("title"), has_body = body.contains("body"), has_subtopic = body.contains("subtopic_id");
  if (!has_title && !has_body && !has_subtopic) return Error::Invalid("nothing_to_change", "请提供 title、body 或 subtopic_id");
  SL_ASSIGN(std::string title, detail::text(body, "title", 100, false));
  SL_ASSIGN(std::string text, detail::text(body, "body", kMaxArticleChars, has_body));
  SL_ASSIGN(auto subtopic_id, json::opt_int(body, "subtopic_id"));
  TimeMs now = clock_.now_ms();
  Outbox out;
  bj::object result;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    out.clear();
    SL_ASSIGN(auto p, find_post_or_404(c, post_id, caller.person_id));
    SL_ASSIGN(Loaded l, detail::load(c, caller, p.deliberation_id));
    if (p.author_id != caller.person_id) return Error::Forbidden("只有作者可以修改发言");
    if (p.state != "visible") return Error::Conflict("post_not_editable", "该发言已隐藏或删除，不能修改");
    SL_TRY(require_open(l.d));
    std::string new_title = has_title && p.kind == "article" ? title : p.title;
    std::string new_body = has_body ? text : p.body;
    if (json::utf8_length(new_body).value_or(0) > (p.kind == "article" ? kMaxArticleChars : kMaxReplyChars))
      return Error::Invalid("body_too_long", "内容过长");
    std::optional<int64_t> new_subtopic = has_subtopic ? subtopic_id : p.subtopic_id;
    if (has_subtopic && subtopic_id) {
      SL_ASSIGN(auto s, c.query_one("SELECT 1 FROM deliberation_subtopics WHERE id = ? AND deliberation_id = ?",
                                    {*subtopic_id, l.d.id}));
      if (!s) return Error::Invalid("invalid_subtopic", "该话题不属于本次协商");
    }
    // An edit is never held: a visible post does not turn into one awaiting review.
    if (auto words = detail::sensitive_words(opts_, new_title, new_body); !words.empty())
      return detail::sensitive_error(words);
    if (new_title == p.title && new_body == p.body && new_subtopic == p.subtopic_id) {
      result = detail::post_json(p, viewer_of(caller, l.st));
      return Ok();  // nothing changed: no new version
    }
    SL_TRY(store::insert_version(c, p, p.edited_at.value_or(p.created_at)));
    SL_TRY(store::update_post_content(c, p.id, new_title, new_body, detail::render_markdown(new_body), new_subtopic, now));
    SL_ASSIGN(auto np, find_post_or_404(c, post_id, caller.person_id));
    SL_TRY(detail::emit(c, out, l.d.id, "post.edited", now, np.id, detail::post_json(np, Viewer{})));
    SL_TRY(detail::record(c, ledger_, caller, "post.edited", "post", np.id));
    SL_TRY(detail::index_post(c, l, np));
    SL_TRY(detail::notify_mentions(c, now, l, np, p.body, std::nullopt));
    result = detail::post_json(np, viewer_of(caller, l.st));
    return Ok();
  }));
  detail::publish(bus_, out);
  return result;
}

Status DeliberationService::delete_post(const Caller& caller, int64_t post_id) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  TimeMs now = clock_.now_ms();
  int64_t window_ms = int64_t{opts_.author_delete_window_minutes} * 60 * 1000;
  Outbox out;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    out.clear();
    SL_ASSIGN(auto p, find_post_or_404(c, post_id, caller.person_id));
    SL_ASSIGN(Loaded l, detail::load(c, caller, p.deliberation_id));
    if (p.author_id != caller.person_id) return Error::Forbidden("只有作者可以删除自己的发言；其他情况由工作人员处理");
    // A post waiting for review may be withdrawn too.
    if (p.state != "visible" && p.state != "held") return Error::Conflict("post_not_visible", "该发言已隐藏或删除");
    SL_TRY(require_open(l.d));
    if (now - p.created_at > window_ms)
      return Error{Code::kForbidden, "delete_window_passed",
                   "发布超过 " + std::to_string(opts_.author_delete_window_minutes) + " 分钟的发言不能自行删除，如需处理请联系工作人员",
                   {}};
    SL_ASSIGN(auto pts, store::points_of_posts(c, {p.id}));
    if (!pts.empty()) return Error::Conflict("post_has_points", "该发言已被拆分为要点，不能删除");
    SL_TRY(detail::erase_post(c, ledger_, opts_, out, caller, p, "deleted", std::nullopt, "author_deleted", now));
    return Ok();
  }));
  detail::publish(bus_, out);
  return Ok();
}

Result<bj::object> DeliberationService::post_versions(const Caller& caller, int64_t post_id) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto p, find_post_or_404(c, post_id, caller.person_id));
    SL_ASSIGN(Loaded l, detail::load(c, caller, p.deliberation_id));
    if (!(l.st.manage || l.st.oversee || (caller.person_id && caller.person_id == p.author_id)))
      return Error::Forbidden("只有作者和工作人员可以查看修改记录");
    SL_ASSIGN(auto vs, store::versions(c, post_id));
    bj::array items;
    for (const auto& v : vs)
      items.push_back(bj::object{{"version", v.version},
                                 {"title", v.title},
                                 {"body", v.body},
                                 {"subtopic_id", v.subtopic_id ? bj::value(*v.subtopic_id) : bj::value(nullptr)},
                                 {"written_at", format_iso8601(v.created_at)},
                                 {"current", false}});
    items.push_back(bj::object{{"version", p.version},
                               {"title", p.title},
                               {"body", p.body},
                               {"subtopic_id", p.subtopic_id ? bj::value(*p.subtopic_id) : bj::value(nullptr)},
                               {"written_at", format_iso8601(p.edited_at.value_or(p.created_at))},
                               {"current", true}});
    return bj::object{{"post_id", post_id}, {"state", p.state}, {"items", std::move(items)}};
  });
}

Result<bj::object> DeliberationService::like(const Caller& caller, int64_t post_id, bool on) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  TimeMs now = clock_.now_ms();
  Outbox out;
  bj::object result;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    out.clear();
    SL_ASSIGN(auto p, find_post_or_404(c, post_id, caller.person_id));
    SL_ASSIGN(Loaded l, detail::load(c, caller, p.deliberation_id));
    if (l.st.part == Part::kNone) return Error::Forbidden("您不能在本次协商中点赞");
    SL_TRY(require_open(l.d));
    if (p.state != "visible") return Error::Conflict("post_not_visible", "该发言已隐藏或删除");
    std::optional<int64_t> like_id;
    if (on) {
      SL_ASSIGN(like_id, store::insert_like(c, post_id, caller.person_id, ledger_.new_salt(), now));
      if (like_id) SL_TRY(detail::record(c, ledger_, caller, "like.created", "like", *like_id));
    } else {
      SL_ASSIGN(like_id, store::delete_like(c, post_id, caller.person_id));
      if (like_id) SL_TRY(detail::record(c, ledger_, caller, "like.deleted", "like", *like_id));
    }
    SL_ASSIGN(int64_t count, store::like_count(c, post_id));
    if (like_id)  // only a change makes an event; liking twice is a no-op
      SL_TRY(detail::emit(c, out, l.d.id, "post.liked", now, std::nullopt,
                          bj::object{{"post_id", post_id}, {"like_count", count}}));
    result = bj::object{{"post_id", post_id}, {"like_count", count}, {"liked_by_me", on}};
    return Ok();
  }));
  detail::publish(bus_, out);
  return result;
}

Result<bj::object> DeliberationService::hide_post(const Caller& caller, int64_t post_id, const std::string& reason_in) {
  std::string reason = detail::trim(reason_in);
  auto len = json::utf8_length(reason);
  if (!len || *len == 0) return Error::Invalid("missing_reason", "请填写隐藏理由（作者可以看到）");
  if (*len > 200) return Error::Invalid("reason_too_long", "理由最多 200 字");
  TimeMs now = clock_.now_ms();
  Outbox out;
  bj::object result;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    out.clear();
    SL_ASSIGN(auto p, find_post_or_404(c, post_id, caller.person_id));
    SL_ASSIGN(Loaded l, detail::load(c, caller, p.deliberation_id));
    if (!l.st.manage) return Error::Forbidden("只有工作人员可以处理发言");
    if (p.state != "visible") return Error::Conflict("post_not_visible", "该发言已隐藏或删除");
    SL_TRY(store::set_post_state(c, p.id, "hidden", reason, now));
    SL_ASSIGN(auto reports, store::action_reports_of_post(c, p.id, caller.person_id, now));
    for (int64_t r : reports) SL_TRY(detail::record(c, ledger_, caller, "report.actioned", "report", r));
    SL_TRY(detail::redact_post_events(c, l.d.id, p.id));
    bj::object data{{"id", p.id}, {"root_id", p.root_id.value_or(p.id)}};
    data["parent_id"] = p.parent_id ? bj::value(*p.parent_id) : bj::value(nullptr);
    SL_TRY(detail::emit(c, out, l.d.id, "post.hidden", now, std::nullopt, std::move(data)));
    SL_TRY(detail::record(c, ledger_, caller, "post.hidden", "post", p.id));
    SL_TRY(detail::unindex_post(c, p.id));
    SL_TRY(detail::notify(c, now, p.author_id, "post.hidden", "您的发言已被隐藏", "理由：" + reason,
                          detail::post_link(l.d.id, p.id)));
    SL_ASSIGN(auto np, find_post_or_404(c, post_id, caller.person_id));
    result = detail::post_json(np, viewer_of(caller, l.st));
    return Ok();
  }));
  detail::publish(bus_, out);
  return result;
}

Result<bj::object> DeliberationService::restore_post(const Caller& caller, int64_t post_id) {
  TimeMs now = clock_.now_ms();
  Outbox out;
  bj::object result;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    out.clear();
    SL_ASSIGN(auto p, find_post_or_404(c, post_id, caller.person_id));
    SL_ASSIGN(Loaded l, detail::load(c, caller, p.deliberation_id));
    if (!l.st.manage) return Error::Forbidden("只有工作人员可以处理发言");
    if (p.state != "hidden") return Error::Conflict("post_not_hidden", "只有被隐藏的发言可以恢复");
    SL_TRY(store::set_post_state(c, p.id, "visible", std::nullopt, now));
    SL_ASSIGN(auto np, find_post_or_404(c, post_id, caller.person_id));
    SL_TRY(detail::emit(c, out, l.d.id, "post.restored", now, np.id, detail::post_json(np, Viewer{})));
    SL_TRY(detail::record(c, ledger_, caller, "post.restored", "post", p.id));
    SL_TRY(detail::index_post(c, l, np));
    result = detail::post_json(np, viewer_of(caller, l.st));
    return Ok();
  }));
  detail::publish(bus_, out);
  return result;
}

Result<bj::object> DeliberationService::approve_post(const Caller& caller, int64_t post_id) {
  TimeMs now = clock_.now_ms();
  Outbox out;
  bj::object result;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    out.clear();
    SL_ASSIGN(auto p, find_post_or_404(c, post_id, caller.person_id));
    SL_ASSIGN(Loaded l, detail::load(c, caller, p.deliberation_id));
    if (!l.st.manage) return Error::Forbidden("只有工作人员可以审核发言");
    if (p.state != "held") return Error::Conflict("post_not_held", "该发言不在待审核状态");
    SL_TRY(store::set_post_state(c, p.id, "visible", std::nullopt, now));
    SL_ASSIGN(auto np, find_post_or_404(c, post_id, caller.person_id));
    SL_TRY(detail::record(c, ledger_, caller, "post.approved", "post", p.id));
    SL_TRY(detail::publish_post(c, out, l, np, now));
    SL_TRY(detail::notify(c, now, p.author_id, "post.approved", "您的发言已通过审核", detail::excerpt(p.body, 60),
                          detail::post_link(l.d.id, p.id)));
    result = detail::post_json(np, viewer_of(caller, l.st));
    return Ok();
  }));
  detail::publish(bus_, out);
  return result;
}

Result<bj::object> DeliberationService::held_posts(const Caller& caller, int64_t deliberation_id) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, detail::load(c, caller, deliberation_id));
    if (!l.st.manage) return Error::Forbidden("只有工作人员可以查看待审核的发言");
    SL_ASSIGN(auto posts, store::held_posts(c, deliberation_id));
    bj::array items;
    Viewer v = viewer_of(caller, l.st);
    for (const auto& p : posts) {
      bj::object o = detail::post_json(p, v);
      o["sensitive_words"] = bj::array();
      for (const auto& w : detail::sensitive_words(opts_, p.title, p.body)) o["sensitive_words"].as_array().push_back(bj::value(w));
      items.push_back(std::move(o));
    }
    return routes::page(std::move(items), std::nullopt);
  });
}

Result<bj::object> DeliberationService::remove_post(const Caller& caller, int64_t post_id, const std::string& reason_in) {
  std::string reason = detail::trim(reason_in);
  auto len = json::utf8_length(reason);
  if (!len || *len == 0) return Error::Invalid("missing_reason", "请填写删除理由（作者可以看到）");
  if (*len > 200) return Error::Invalid("reason_too_long", "理由最多 200 字");
  TimeMs now = clock_.now_ms();
  Outbox out;
  bj::object result;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    out.clear();
    SL_ASSIGN(auto p, find_post_or_404(c, post_id, caller.person_id));
    SL_ASSIGN(Loaded l, detail::load(c, caller, p.deliberation_id));
    if (!l.st.manage) return Error::Forbidden("只有工作人员可以处理发言");
    if (p.state != "visible" && p.state != "hidden" && p.state != "held")
      return Error::Conflict("post_erased", "该发言的内容已删除");
    SL_ASSIGN(auto reports, store::action_reports_of_post(c, p.id, caller.person_id, now));
    for (int64_t r : reports) SL_TRY(detail::record(c, ledger_, caller, "report.actioned", "report", r));
    SL_ASSIGN(auto erasure, detail::erase_post(c, ledger_, opts_, out, caller, p, "removed", reason, ledger::kReasonModeration, now));
    SL_TRY(detail::notify(c, now, p.author_id, "post.removed", "您的发言已被删除", "理由：" + reason,
                          detail::post_link(l.d.id, p.id)));
    SL_ASSIGN(auto np, find_post_or_404(c, post_id, caller.person_id));
    result = detail::post_json(np, viewer_of(caller, l.st));
    result["erased"] = ledger::erasure_json(erasure);
    return Ok();
  }));
  detail::publish(bus_, out);
  return result;
}

Result<bj::object> DeliberationService::report_post(const Caller& caller, int64_t post_id, const std::string& reason_in) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  std::string reason = detail::trim(reason_in);
  auto len = json::utf8_length(reason);
  if (!len || *len == 0) return Error::Invalid("missing_reason", "请说明举报理由");
  if (*len > 500) return Error::Invalid("reason_too_long", "理由最多 500 字");
  TimeMs now = clock_.now_ms();
  return db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto p, find_post_or_404(c, post_id, caller.person_id));
    SL_ASSIGN(Loaded l, detail::load(c, caller, p.deliberation_id));
    if (p.state != "visible") return Error::Conflict("post_not_visible", "该发言已隐藏或删除");
    SL_ASSIGN(int64_t id, store::insert_report(c, l.d.id, p.id, caller.person_id, reason, ledger_.new_salt(), now));
    SL_TRY(detail::record(c, ledger_, caller, "report.created", "report", id));
    return bj::object{{"id", id}, {"post_id", p.id}, {"reason", reason}, {"state", "open"}, {"created_at", format_iso8601(now)}};
  });
}

namespace {
bj::object report_json(const store::ReportRow& r) {
  bj::object o{{"id", r.id},
               {"deliberation_id", r.deliberation_id},
               {"post", bj::object{{"id", r.post_id}, {"excerpt", detail::excerpt(r.post_excerpt, 100)}, {"state", r.post_state}}},
               {"reporter", bj::object{{"id", r.reporter_id}, {"display_name", r.reporter_name}}},
               {"reason", r.reason},
               {"state", r.state},
               {"created_at", format_iso8601(r.created_at)}};
  o["resolved_at"] = detail::iso_or_null(r.resolved_at);
  return o;
}
}  // namespace

Result<bj::object> DeliberationService::list_reports(const Caller& caller, int64_t deliberation_id,
                                                     std::optional<std::string> state, int64_t after, int limit) {
  if (state && *state != "open" && *state != "actioned" && *state != "dismissed")
    return Error::Invalid("invalid_state", "state 须为 open、actioned 或 dismissed");
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, detail::load(c, caller, deliberation_id));
    if (!l.st.manage) return Error::Forbidden("只有工作人员可以查看举报");
    SL_ASSIGN(auto rows, store::list_reports(c, deliberation_id, state, after, limit + 1));
    std::optional<int64_t> next;
    if (static_cast<int>(rows.size()) > limit) {
      rows.pop_back();
      next = rows.back().id;
    }
    bj::array items;
    for (const auto& r : rows) items.push_back(report_json(r));
    return routes::page(std::move(items), next);
  });
}

Result<bj::object> DeliberationService::dismiss_report(const Caller& caller, int64_t report_id) {
  TimeMs now = clock_.now_ms();
  return db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto r, store::find_report(c, report_id));
    if (!r) return Error::NotFound("report_not_found", "举报不存在");
    SL_ASSIGN(Loaded l, detail::load(c, caller, r->deliberation_id));
    if (!l.st.manage) return Error::Forbidden("只有工作人员可以处理举报");
    if (r->state != "open") return Error::Conflict("report_resolved", "该举报已处理");
    SL_TRY(store::resolve_report(c, report_id, "dismissed", caller.person_id, now));
    SL_TRY(detail::record(c, ledger_, caller, "report.dismissed", "report", report_id));
    SL_ASSIGN(auto nr, store::find_report(c, report_id));
    return report_json(*nr);
  });
}

Result<bj::object> DeliberationService::ban(const Caller& caller, int64_t deliberation_id, const bj::object& body) {
  SL_ASSIGN(int64_t person_id, json::req_int(body, "person_id"));
  SL_ASSIGN(std::string reason, detail::text(body, "reason", 200, true));
  TimeMs now = clock_.now_ms();
  return db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, detail::load(c, caller, deliberation_id));
    if (!l.st.manage) return Error::Forbidden("只有工作人员可以禁言");
    SL_ASSIGN(auto person, c.query_one("SELECT display_name FROM people WHERE id = ?", {person_id}));
    if (!person) return Error::Invalid("invalid_person", "人员不存在");
    if (person_id == caller.person_id) return Error::Invalid("cannot_ban_self", "不能禁言自己");
    SL_ASSIGN(int64_t id, store::insert_ban(c, deliberation_id, person_id, reason, caller.person_id, ledger_.new_salt(), now));
    SL_TRY(detail::record(c, ledger_, caller, "ban.created", "ban", id));
    SL_TRY(detail::notify(c, now, person_id, "deliberation.banned", "您已被禁止在「" + l.d.theme + "」中发言", "理由：" + reason,
                          "/deliberations/" + std::to_string(deliberation_id)));
    return bj::object{{"id", id},
                      {"person", bj::object{{"id", person_id}, {"display_name", person->str(0)}}},
                      {"reason", reason},
                      {"created_at", format_iso8601(now)}};
  });
}

Status DeliberationService::unban(const Caller& caller, int64_t deliberation_id, int64_t person_id) {
  return db_.write([&](Conn& c) -> Status {
    SL_ASSIGN(Loaded l, detail::load(c, caller, deliberation_id));
    if (!l.st.manage) return Error::Forbidden("只有工作人员可以解除禁言");
    SL_ASSIGN(auto id, store::delete_ban(c, deliberation_id, person_id));
    if (!id) return Error::NotFound("ban_not_found", "此人未被禁言");
    return detail::record(c, ledger_, caller, "ban.deleted", "ban", *id);
  });
}

Result<bj::object> DeliberationService::list_bans(const Caller& caller, int64_t deliberation_id) {
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(Loaded l, detail::load(c, caller, deliberation_id));
    if (!l.st.manage) return Error::Forbidden("只有工作人员可以查看禁言名单");
    SL_ASSIGN(auto items, store::list_bans(c, deliberation_id));
    return routes::page(std::move(items), std::nullopt);
  });
}

Result<bj::object> DeliberationService::my_contributions(const Caller& caller, int64_t before, int limit) {
  if (caller.person_id == 0) return Error::Unauthenticated();
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto posts, store::posts_of_author(c, caller.person_id, before > 0 ? before : INT64_MAX, limit + 1));
    std::optional<int64_t> next;
    if (static_cast<int>(posts.size()) > limit) {
      posts.pop_back();
      next = posts.back().id;
    }
    std::vector<int64_t> dids;
    for (const auto& p : posts) dids.push_back(p.deliberation_id);
    std::sort(dids.begin(), dids.end());
    dids.erase(std::unique(dids.begin(), dids.end()), dids.end());
    SL_ASSIGN(auto themes, store::themes(c, dids));
    std::vector<int64_t> ids;
    for (const auto& p : posts) ids.push_back(p.id);
    Viewer v{caller.person_id, false};
    SL_ASSIGN(auto points, points_for(c, ids, v));
    bj::array items;
    for (const auto& p : posts) {
      bj::object o = detail::post_json(p, v);
      attach_points(o, p.id, points);
      for (const auto& t : themes)
        if (t.id == p.deliberation_id) o["deliberation"] = bj::object{{"id", t.id}, {"theme", t.theme}, {"state", t.state}};
      items.push_back(std::move(o));
    }
    bj::value all = std::move(items);
    std::vector<bj::object*> objs;
    detail::collect_posts(all, objs);
    SL_TRY(detail::put_attachments(c, std::move(objs)));
    return routes::page(std::move(all.as_array()), next);
  });
}

Status DeliberationService::may_read_post(const Caller& caller, int64_t post_id) {
  return db_.read([&](Conn& c) { return check_post_readable(c, caller, post_id); });
}

}  // namespace sl::deliberation
