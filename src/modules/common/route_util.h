// Helpers every module's routes use: JSON responses, problem responses, path ids,
// cursor pages, and the caller-or-401 step.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>

#include "core/json.h"
#include "core/result.h"
#include "net/http.h"
#include "net/router.h"

namespace sl::routes {

net::HttpResponse json(const boost::json::value& v, int status = 200);
net::HttpResponse problem(const Error& e, const net::HttpRequest& req);

// Adapts a handler written as `Result<HttpResponse>(HttpRequest&)`, so it can use SL_ASSIGN
// and SL_TRY: an error becomes a problem response.
template <typename F>
net::Handler handler(F f) {
  return [f = std::move(f)](net::HttpRequest& req) -> net::HttpResponse {
    Result<net::HttpResponse> r = f(req);
    if (!r.ok()) return problem(r.error(), req);
    return std::move(r).value();
  };
}

// Positive integer path parameter, else InvalidArgument.
Result<int64_t> id_param(const net::HttpRequest& req, std::string_view name = "id");

// The `cursor` query parameter of a list (0 when absent), else InvalidArgument.
Result<int64_t> cursor_param(const net::HttpRequest& req);
// An optional id in the query: absent or empty is nothing; else an integer >= `min`, or
// InvalidArgument with slug invalid_<name>.
Result<std::optional<int64_t>> opt_id_query(const net::HttpRequest& req, std::string_view name, int64_t min = 1);
// An optional text in the query: absent or empty is nothing.
std::optional<std::string> opt_text_query(const net::HttpRequest& req, std::string_view name);

// {"items": [...], "next_cursor": "..."|null}
boost::json::object page(boost::json::array items, std::optional<int64_t> next_after);

// The entity tag of a response body (the ETag middleware and If-Match checks share it).
std::string etag_of(std::string_view body);
// Does an If-None-Match / If-Match header value (a list, weak or strong, or *) name `etag`?
bool etag_listed(std::string_view header_value, std::string_view etag);

// Requires Content-Type application/json for bodies (also keeps cross-site form posts out).
Result<boost::json::object> body_object(const net::HttpRequest& req);

}  // namespace sl::routes
