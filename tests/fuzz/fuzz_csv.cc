// Fuzz target: CSV import. The input is parsed with the CSV reader (core/csv.h) and then
// posted as a member roster (POST /api/v1/orgs/{id}/roster/import, text/csv) by the demo
// administrator, through the router, the middleware and the real handler: all or nothing,
// 422 with the rows' errors when anything is wrong. Byte 0 picks the organisation (1..4).
// Every answer: no 5xx, every 4xx a problem+json.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/csv.h"
#include "fuzz_world.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  sl::fuzz::world();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  auto& w = sl::fuzz::world();
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  auto parsed = sl::csv::parse(text);
  if (parsed.ok()) {
    int line = 0;
    for (const auto& r : *parsed) {
      if (r.line <= line) sl::fuzz::fail("csv", "record line numbers do not increase");
      if (r.fields.empty()) sl::fuzz::fail("csv", "a record without fields");
      line = r.line;
    }
  }

  sl::net::HttpRequest req;
  req.method = "POST";
  req.path = "/api/v1/orgs/" + std::to_string(1 + data[0] % 4) + "/roster/import";
  req.target = req.path;
  req.body.assign(text);
  req.remote_addr = "192.0.2.8";
  req.request_id = "fuzz";
  req.headers.emplace_back("content-type", "text/csv; charset=utf-8");
  req.headers.emplace_back("authorization", "Bearer " + w.tokens.at("admin"));
  const auto& router = w.app->router();
  auto m = router.match(req);
  if (m.route == nullptr) sl::fuzz::fail("csv", "no roster import route");
  sl::fuzz::check_response(router.handle(m, req), "csv roster import");
  return 0;
}
