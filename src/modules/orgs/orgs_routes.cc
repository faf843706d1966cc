// HTTP routes of the orgs module: JSON in, JSON out; rules live in the service.
#include <boost/json.hpp>

#include <charconv>

#include "modules/accounts/route_guards.h"
#include "modules/common/route_util.h"
#include "modules/orgs/orgs.h"

namespace sl::orgs {

using net::HttpRequest;
using net::HttpResponse;
using routes::handler;
using accounts::authed;
using routes::cursor_param;
using routes::opt_text_query;

namespace {

Result<std::optional<int64_t>> opt_id_query(const HttpRequest& req, std::string_view name, const char* slug) {
  auto v = req.query_param(name);
  if (!v || v->empty()) return std::optional<int64_t>();
  int64_t x = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
  if (ec != std::errc() || end != v->data() + v->size())
    return Error::Invalid(slug, std::string(name) + " 须为编号");
  return std::optional<int64_t>(x);
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
  router.get("/api/v1/orgs", handler([&svc](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t after, cursor_param(req));
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit")));
    std::optional<int64_t> parent;
    if (auto p = req.query_param("parent_id"); p && *p != "root") {
      SL_ASSIGN(parent, opt_id_query(req, "parent_id", "invalid_parent_id"));
    }
    SL_ASSIGN(auto page, svc.list_orgs(parent, after, limit));
    return routes::json(page);
  }));
  router.get("/api/v1/orgs/{id}", handler([&svc](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto org, svc.get_org(id));
    return routes::json(org);
  }));
  router.post("/api/v1/orgs", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto org, svc.create_org(caller, body));
    std::string location = "/api/v1/orgs/" + std::to_string(org.at("id").as_int64());
    HttpResponse resp = routes::json(org, 201);
    resp.set_header("Location", location);
    return resp;
  }));
  router.patch("/api/v1/orgs/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto expected, if_match_version(svc, req, id));
    SL_ASSIGN(auto org, svc.update_org(caller, id, body, expected));
    return routes::json(org);
  }));
  router.del("/api/v1/orgs/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_TRY(svc.delete_org(caller, id));
    return HttpResponse::no_content();
  }));

  // --- sectors ---
  router.get("/api/v1/orgs/{id}/sectors", handler([&svc](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto page, svc.list_sectors(id));
    return routes::json(page);
  }));
  router.post("/api/v1/orgs/{id}/sectors", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto sector, svc.create_sector(caller, id, body));
    return routes::json(sector, 201);
  }));
  router.patch("/api/v1/sectors/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto sector, svc.update_sector(caller, id, body));
    return routes::json(sector);
  }));
  router.del("/api/v1/sectors/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_TRY(svc.delete_sector(caller, id));
    return HttpResponse::no_content();
  }));

  // --- members ---
  router.get("/api/v1/orgs/{id}/members", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(int64_t after, cursor_param(req));
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit")));
    MemberFilter f;
    f.role = opt_text_query(req, "role");
    f.q = opt_text_query(req, "q");
    if (f.q && f.q->size() > 100) return Error::Invalid("query_too_long", "搜索词过长");
    SL_ASSIGN(f.sector_id, opt_id_query(req, "sector_id", "invalid_sector"));
    SL_ASSIGN(auto page, svc.list_members(caller, id, f, after, limit));
    return routes::json(page);
  }));
  router.post("/api/v1/orgs/{id}/members", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto membership, svc.add_member(caller, id, body));
    return routes::json(membership, 201);
  }));
  router.patch("/api/v1/memberships/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto membership, svc.update_membership(caller, id, body));
    return routes::json(membership);
  }));
  router.del("/api/v1/memberships/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_TRY(svc.remove_membership(caller, id));
    return HttpResponse::no_content();
  }));

  // --- rosters ---
  router.post("/api/v1/orgs/{id}/roster/import", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    if (req.header("content-type").substr(0, 8) != "text/csv")
      return Error{Code::kInvalidArgument, "unsupported_media_type", "名册须以 text/csv 上传", {}};
    SL_ASSIGN(auto report, svc.import_roster(caller, id, req.body));
    return routes::json(boost::json::object{
        {"imported", report.imported}, {"created_people", report.created_people}, {"unchanged", report.unchanged}});
  }));
  router.get(
      "/api/v1/orgs/{id}/roster.xlsx",
      authed(accounts,
             [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
               SL_ASSIGN(int64_t id, routes::id_param(req));
               SL_ASSIGN(std::string bytes, svc.export_roster_xlsx(caller, id));
               HttpResponse resp;
               resp.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
               resp.body = std::move(bytes);
               resp.set_header("Content-Disposition", "attachment; filename=\"roster-" + std::to_string(id) + ".xlsx\"");
               resp.set_header("Cache-Control", "private, no-store");
               return resp;
             }),
      /*offload=*/true);

  // --- people ---
  router.get("/api/v1/people", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t after, cursor_param(req));
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit")));
    auto q = req.query_param("q");
    if (q && q->size() > 100) return Error::Invalid("query_too_long", "搜索词过长");
    SL_ASSIGN(auto page, svc.search_people(caller, q, after, limit));
    return routes::json(page);
  }));
  router.get("/api/v1/people/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto person, svc.get_person(caller, id));
    return routes::json(person);
  }));
  router.patch("/api/v1/people/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto person, svc.update_person(caller, id, body));
    return routes::json(person);
  }));
  router.del("/api/v1/people/{id}", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto erased, svc.erase_person(caller, id));
    return routes::json(boost::json::object{{"id", id}, {"erased", ledger::erasure_json(erased)}});
  }));
  router.post("/api/v1/people/{id}/password", authed(accounts, [&svc](HttpRequest& req, const Caller& caller) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(auto password, json::req_string(body, "new_password", 128));
    SL_TRY(svc.set_person_password(caller, id, password));
    return HttpResponse::no_content();
  }));
}

}  // namespace sl::orgs
