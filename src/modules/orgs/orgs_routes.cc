// HTTP routes of the orgs module.
#include <boost/json.hpp>

#include <charconv>

#include "modules/common/route_util.h"
#include "modules/orgs/orgs.h"

namespace sl::orgs {

using net::HttpRequest;
using net::HttpResponse;

namespace {

// Shape shared by every authenticated route: caller, then the use case.
template <typename F>
net::Handler authed(accounts::AccountsService& accounts, F f) {
  return [&accounts, f](HttpRequest& req) -> HttpResponse {
    auto caller = accounts.authenticate(req);
    if (!caller.ok()) return routes::problem(caller.error(), req);
    return f(req, *caller);
  };
}

Result<int64_t> after_param(const HttpRequest& req) {
  auto c = req.query_param("cursor");
  if (!c || c->empty()) return int64_t{0};
  return json::decode_cursor(*c);
}

// If-Match on an organisation: either our version tag "v<n>" or the ETag a GET returned.
// Result: the version the update must still find (so check and update are one atomic step),
// nothing when the header is absent, or 412 when it names a representation that is gone.
Result<std::optional<int64_t>> if_match_version(OrgsService& svc, const HttpRequest& req, int64_t id) {
  auto v = req.header("if-match");
  if (v.empty()) return std::optional<int64_t>();
  if (v.size() >= 4 && v.front() == '"' && v[1] == 'v' && v.back() == '"') {
    int64_t x = 0;
    auto [p, ec] = std::from_chars(v.data() + 2, v.data() + v.size() - 1, x);
    if (ec == std::errc() && p == v.data() + v.size() - 1) return std::optional<int64_t>(x);
  }
  SL_ASSIGN(auto current, svc.get_org(id));
  if (!routes::etag_listed(v, routes::etag_of(boost::json::serialize(current))))
    return Error{Code::kPreconditionFailed, "version_mismatch", "组织已被他人修改，请刷新后重试", {}};
  return std::optional<int64_t>(current.at("version").as_int64());
}

}  // namespace

void register_routes(net::Router& router, OrgsService& svc, accounts::AccountsService& accounts) {
  // --- organisations (reading is public) ---
  router.get("/api/v1/orgs", [&svc](HttpRequest& req) {
    auto after = after_param(req);
    if (!after.ok()) return routes::problem(after.error(), req);
    auto limit = json::parse_limit(req.query_param("limit"));
    if (!limit.ok()) return routes::problem(limit.error(), req);
    std::optional<int64_t> parent;
    auto p = req.query_param("parent_id");
    if (p && *p != "root" && !p->empty()) {
      int64_t x = 0;
      auto [end, ec] = std::from_chars(p->data(), p->data() + p->size(), x);
      if (ec != std::errc() || end != p->data() + p->size())
        return routes::problem(Error::Invalid("invalid_parent_id", "parent_id 须为组织编号或 root"), req);
      parent = x;
    }
    return routes::reply(req, svc.list_orgs(parent, *after, *limit));
  });
  router.get("/api/v1/orgs/{id}", [&svc](HttpRequest& req) {
    auto id = routes::id_param(req);
    if (!id.ok()) return routes::problem(id.error(), req);
    return routes::reply(req, svc.get_org(*id));
  });
  router.post("/api/v1/orgs", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) {
    auto body = routes::body_object(req);
    if (!body.ok()) return routes::problem(body.error(), req);
    auto r = svc.create_org(caller, *body);
    if (!r.ok()) return routes::problem(r.error(), req);
    std::string location = "/api/v1/orgs/" + std::to_string(r->at("id").as_int64());
    HttpResponse resp = routes::json(*r, 201);
    resp.set_header("Location", location);
    return resp;
  }));
  router.patch("/api/v1/orgs/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) {
    auto id = routes::id_param(req);
    if (!id.ok()) return routes::problem(id.error(), req);
    auto body = routes::body_object(req);
    if (!body.ok()) return routes::problem(body.error(), req);
    auto expected = if_match_version(svc, req, *id);
    if (!expected.ok()) return routes::problem(expected.error(), req);
    return routes::reply(req, svc.update_org(caller, *id, *body, *expected));
  }));
  router.del("/api/v1/orgs/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) {
    auto id = routes::id_param(req);
    if (!id.ok()) return routes::problem(id.error(), req);
    return routes::reply_status(req, svc.delete_org(caller, *id));
  }));

  // --- sectors ---
  router.get("/api/v1/orgs/{id}/sectors", [&svc](HttpRequest& req) {
    auto id = routes::id_param(req);
    if (!id.ok()) return routes::problem(id.error(), req);
    return routes::reply(req, svc.list_sectors(*id));
  });
  router.post("/api/v1/orgs/{id}/sectors", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) {
    auto id = routes::id_param(req);
    if (!id.ok()) return routes::problem(id.error(), req);
    auto body = routes::body_object(req);
    if (!body.ok()) return routes::problem(body.error(), req);
    return routes::reply(req, svc.create_sector(caller, *id, *body), 201);
  }));
  router.patch("/api/v1/sectors/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) {
    auto id = routes::id_param(req);
    if (!id.ok()) return routes::problem(id.error(), req);
    auto body = routes::body_object(req);
    if (!body.ok()) return routes::problem(body.error(), req);
    return routes::reply(req, svc.update_sector(caller, *id, *body));
  }));
  router.del("/api/v1/sectors/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) {
    auto id = routes::id_param(req);
    if (!id.ok()) return routes::problem(id.error(), req);
    return routes::reply_status(req, svc.delete_sector(caller, *id));
  }));

  // --- members ---
  router.get("/api/v1/orgs/{id}/members", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) {
    auto id = routes::id_param(req);
    if (!id.ok()) return routes::problem(id.error(), req);
    auto after = after_param(req);
    if (!after.ok()) return routes::problem(after.error(), req);
    auto limit = json::parse_limit(req.query_param("limit"));
    if (!limit.ok()) return routes::problem(limit.error(), req);
    MemberFilter f;
    f.role = req.query_param("role");
    if (f.role && f.role->empty()) f.role.reset();
    f.q = req.query_param("q");
    if (f.q && f.q->empty()) f.q.reset();
    if (f.q && f.q->size() > 100) return routes::problem(Error::Invalid("query_too_long", "搜索词过长"), req);
    if (auto s = req.query_param("sector_id"); s && !s->empty()) {
      int64_t x = 0;
      auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), x);
      if (ec != std::errc() || end != s->data() + s->size())
        return routes::problem(Error::Invalid("invalid_sector", "sector_id 无效"), req);
      f.sector_id = x;
    }
    return routes::reply(req, svc.list_members(caller, *id, f, *after, *limit));
  }));
  router.post("/api/v1/orgs/{id}/members", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) {
    auto id = routes::id_param(req);
    if (!id.ok()) return routes::problem(id.error(), req);
    auto body = routes::body_object(req);
    if (!body.ok()) return routes::problem(body.error(), req);
    return routes::reply(req, svc.add_member(caller, *id, *body), 201);
  }));
  router.patch("/api/v1/memberships/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) {
    auto id = routes::id_param(req);
    if (!id.ok()) return routes::problem(id.error(), req);
    auto body = routes::body_object(req);
    if (!body.ok()) return routes::problem(body.error(), req);
    return routes::reply(req, svc.update_membership(caller, *id, *body));
  }));
  router.del("/api/v1/memberships/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) {
    auto id = routes::id_param(req);
    if (!id.ok()) return routes::problem(id.error(), req);
    return routes::reply_status(req, svc.remove_membership(caller, *id));
  }));

  // --- rosters ---
  router.post("/api/v1/orgs/{id}/roster/import", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) {
    auto id = routes::id_param(req);
    if (!id.ok()) return routes::problem(id.error(), req);
    auto ct = req.header("content-type");
    if (ct.substr(0, 8) != "text/csv")
      return routes::problem(Error{Code::kInvalidArgument, "unsupported_media_type", "名册须以 text/csv 上传", {}}, req);
    auto r = svc.import_roster(caller, *id, req.body);
    if (!r.ok()) return routes::problem(r.error(), req);
    return routes::json(boost::json::object{
        {"imported", r->imported}, {"created_people", r->created_people}, {"unchanged", r->unchanged}});
  }));
  router.get(
      "/api/v1/orgs/{id}/roster.xlsx",
      authed(accounts,
             [&svc](HttpRequest& req, const Caller& caller) {
               auto id = routes::id_param(req);
               if (!id.ok()) return routes::problem(id.error(), req);
               auto r = svc.export_roster_xlsx(caller, *id);
               if (!r.ok()) return routes::problem(r.error(), req);
               HttpResponse resp;
               resp.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
               resp.body = std::move(*r);
               resp.set_header("Content-Disposition",
                               "attachment; filename=\"roster-" + std::to_string(*id) + ".xlsx\"");
               resp.set_header("Cache-Control", "private, no-store");
               return resp;
             }),
      /*offload=*/true);

  // --- people ---
  router.get("/api/v1/people", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) {
    auto after = after_param(req);
    if (!after.ok()) return routes::problem(after.error(), req);
    auto limit = json::parse_limit(req.query_param("limit"));
    if (!limit.ok()) return routes::problem(limit.error(), req);
    auto q = req.query_param("q");
    if (q && q->size() > 100) return routes::problem(Error::Invalid("query_too_long", "搜索词过长"), req);
    return routes::reply(req, svc.search_people(caller, q, *after, *limit));
  }));
  router.get("/api/v1/people/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) {
    auto id = routes::id_param(req);
    if (!id.ok()) return routes::problem(id.error(), req);
    return routes::reply(req, svc.get_person(caller, *id));
  }));
  router.patch("/api/v1/people/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) {
    auto id = routes::id_param(req);
    if (!id.ok()) return routes::problem(id.error(), req);
    auto body = routes::body_object(req);
    if (!body.ok()) return routes::problem(body.error(), req);
    return routes::reply(req, svc.update_person(caller, *id, *body));
  }));
  router.post("/api/v1/people/{id}/password", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) {
    auto id = routes::id_param(req);
    if (!id.ok()) return routes::problem(id.error(), req);
    auto body = routes::body_object(req);
    if (!body.ok()) return routes::problem(body.error(), req);
    auto pw = json::req_string(*body, "new_password", 128);
    if (!pw.ok()) return routes::problem(pw.error(), req);
    return routes::reply_status(req, svc.set_person_password(caller, *id, *pw));
  }));
}

}  // namespace sl::orgs
