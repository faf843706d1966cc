// HTTP routes of the attachments module. The upload body is the raw file (no multipart): the
// name comes in ?name= (or an X-File-Name header, percent-encoded UTF-8) and the client's
// Content-Type is ignored — the server sniffs the bytes. Files are streamed from disk with
// range support (net/file_response.h).
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "modules/attachments/attachments.h"
#include "modules/common/route_util.h"
#include "net/file_response.h"

namespace sl::attachments {

using net::HttpRequest;
using net::HttpResponse;
using routes::handler;

namespace {

constexpr size_t kMaxRawNameBytes = 1024;

// Reading attachments is open to anonymous callers (a scope checker may allow them); a caller
// who sends credentials must send valid ones.
Result<Caller> reader(accounts::AccountsService& accounts, const HttpRequest& req) {
  if (!accounts::AccountsService::token_of(req)) return Caller{};
  return accounts.authenticate(req);
}

Result<HttpResponse> send_file(const HttpRequest& req, const AttachmentsService::File& f, bool inline_display) {
  net::FileServe spec;
  spec.path = f.path;
  spec.content_type = f.mime;
  spec.etag = "\"" + f.sha256 + "\"";
  spec.content_disposition = content_disposition(inline_display, f.name);
  // Whoever may read it can change (a record hidden, a membership ended): revalidate.
  spec.cache_control = "private, no-cache";
  auto r = net::serve_file(req, spec);
  if (!r.ok()) {
    spdlog::error("attachment file {} is missing from the store", f.sha256);
    return Error::NotFound("attachment_file_missing", "附件文件丢失，请联系管理员");
  }
  // Never rendered as a page of ours, whatever a browser makes of it.
  r->set_header("Content-Security-Policy", "default-src 'none'; sandbox");
  return r;
}

}  // namespace

void register_routes(net::Router& router, AttachmentsService& svc, accounts::AccountsService& accounts) {
  router.post("/api/v1/attachments", handler([&svc, &accounts](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(auto caller, accounts.authenticate(req));
    std::string name;
    if (auto q = req.query_param("name")) {
      name = std::move(*q);
    } else if (auto h = req.header("x-file-name"); !h.empty()) {
      name = net::percent_decode(h, false);
    }
    if (name.size() > kMaxRawNameBytes) return Error::Invalid("invalid_name", "文件名过长");
    auto kind = req.query_param("kind");
    std::optional<std::string_view> declared;
    if (kind) declared = *kind;
    SL_ASSIGN(auto o, svc.upload(caller, req.body, name, declared));
    HttpResponse resp = routes::json(o, 201);
    resp.set_header("Location", "/api/v1/attachments/" + std::to_string(o.at("id").as_int64()));
    return resp;
  }));
  router.set_body_limit("POST", "/api/v1/attachments", svc.max_upload_bytes());

  router.get("/api/v1/attachments/{id}", handler([&svc, &accounts](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, reader(accounts, req));
    SL_ASSIGN(auto o, svc.get(caller, id));
    HttpResponse resp = routes::json(o);
    resp.set_header("Cache-Control", "private, no-cache");
    return resp;
  }));

  router.get("/api/v1/attachments/{id}/content", handler([&svc, &accounts](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, reader(accounts, req));
    SL_ASSIGN(auto f, svc.content(caller, id));
    // Images and voice play in the page; documents are downloaded.
    return send_file(req, f, f.kind != Kind::kDocument);
  }));

  router.get("/api/v1/attachments/{id}/thumbnail", handler([&svc, &accounts](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, reader(accounts, req));
    SL_ASSIGN(auto f, svc.thumbnail(caller, id));
    return send_file(req, f, true);
  }));

  router.del("/api/v1/attachments/{id}", handler([&svc, &accounts](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto caller, accounts.authenticate(req));
    SL_TRY(svc.remove(caller, id));
    return HttpResponse::no_content();
  }));
}

}  // namespace sl::attachments
