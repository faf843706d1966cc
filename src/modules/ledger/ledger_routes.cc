// HTTP routes of the ledger: public. Anyone may fetch the key, checkpoints, entries and
// proofs, and check them without trusting the platform; the one write is a configured
// witness handing in its cosignature (ledger_witness.cc).
#include <boost/json.hpp>

#include <charconv>

#include "modules/common/route_util.h"
#include "modules/ledger/ledger.h"

namespace sl::ledger {

using net::HttpRequest;
using net::HttpResponse;
using routes::handler;

namespace {

Result<uint64_t> u64_query(const HttpRequest& req, std::string_view name, std::optional<uint64_t> def = {}) {
  auto v = req.query_param(name);
  if (!v || v->empty()) {
    if (def) return *def;
    return Error::Invalid("missing_parameter", "缺少参数 " + std::string(name));
  }
  uint64_t x = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
  if (ec != std::errc() || p != v->data() + v->size() || x > (uint64_t{1} << 62))
    return Error::Invalid("invalid_parameter", std::string(name) + " 须为非负整数");
  return x;
}

}  // namespace

void register_routes(net::Router& router, Ledger& ledger) {
  router.get("/api/v1/ledger/key", handler([&ledger](HttpRequest&) -> Result<HttpResponse> {
    auto pk = ledger.public_key();
    HttpResponse r = routes::json(boost::json::object{{"origin", ledger.origin()},
                                                      {"algorithm", "Ed25519"},
                                                      {"vkey", ledger.verifier_key()},
                                                      {"public_key", to_base64(pk)}});
    r.set_header("Cache-Control", "public, max-age=3600");
    return r;
  }));

  router.get(
      "/api/v1/ledger/checkpoint", handler([&ledger](HttpRequest& req) -> Result<HttpResponse> {
        // ?cosigned=1: the newest checkpoint that witnesses have cosigned (the latest one is
        // usually newer than any witness's last round).
        auto cosigned = req.query_param("cosigned");
        bool want_cosigned = cosigned && !cosigned->empty() && *cosigned != "0" && *cosigned != "false";
        SL_ASSIGN(std::string note, ledger.served_checkpoint(want_cosigned));
        HttpResponse r;
        r.content_type = "text/plain; charset=utf-8";
        r.body = std::move(note);
        r.set_header("Cache-Control", "no-cache");
        return r;
      }),
      /*offload=*/true);

  router.get("/api/v1/ledger/entries", handler([&ledger](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(uint64_t after, u64_query(req, "after", 0));
    SL_ASSIGN(int limit, json::parse_limit(req.query_param("limit"), 100, 1000));
    SL_ASSIGN(auto page, ledger.entries(after, limit));
    return routes::json(page);
  }));

  router.get("/api/v1/ledger/objects/{type}/{id}", handler([&ledger](HttpRequest& req) -> Result<HttpResponse> {
    std::string type(req.path_param("type"));
    if (type.empty() || type.size() > 32 || type.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos)
      return Error::Invalid("invalid_type", "记录类型无效");
    SL_ASSIGN(int64_t id, routes::id_param(req));
    SL_ASSIGN(auto page, ledger.object_entries(type, id));
    return routes::json(page);
  }));

  router.get("/api/v1/ledger/proof/inclusion", handler([&ledger](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(uint64_t index, u64_query(req, "index"));
    SL_ASSIGN(uint64_t size, u64_query(req, "tree_size"));
    SL_ASSIGN(auto proof, ledger.inclusion(index, size));
    HttpResponse r = routes::json(proof);
    r.set_header("Cache-Control", "public, max-age=31536000, immutable");  // a proof never changes
    return r;
  }));

  router.get("/api/v1/ledger/proof/consistency", handler([&ledger](HttpRequest& req) -> Result<HttpResponse> {
    SL_ASSIGN(uint64_t first, u64_query(req, "first"));
    SL_ASSIGN(uint64_t second, u64_query(req, "second"));
    SL_ASSIGN(auto proof, ledger.consistency(first, second));
    HttpResponse r = routes::json(proof);
    r.set_header("Cache-Control", "public, max-age=31536000, immutable");
    return r;
  }));

  register_tile_routes(router, ledger);  // GET /api/v1/ledger/tile/{path...} (ledger_tiles.cc)
  register_witness_routes(router, ledger);  // cosignatures, checkpoints, witnesses (ledger_witness.cc)
}

}  // namespace sl::ledger
