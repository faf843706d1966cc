// Shared by the fuzz targets in tests/fuzz/: one Application per process, as `serve --demo`
// builds it (every module, route and middleware), on a fresh SQLite database in memory
// (a file on /dev/shm) with the demo data, and a signed-in session for some demo people.
// The targets feed it requests without sockets (net::serve_bytes, Router::match/handle).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "app/application.h"
#include "net/http.h"

namespace sl::fuzz {

struct World {
  std::unique_ptr<app::Application> app;
  ServerConfig server;  // the limits serve_bytes parses with
  // Bearer tokens of demo people, by login (admin, staff, member, dept_mz, resident, ...).
  std::map<std::string, std::string, std::less<>> tokens;
};

// Built on first use; the database directory is removed at exit.
World& world();

// The demo logins the targets sign in as, and "" for nobody (anonymous).
inline constexpr const char* kCallers[] = {"admin", "staff", "member", "dept_mz", "resident", "leader", ""};
inline constexpr size_t kCallerCount = sizeof(kCallers) / sizeof(kCallers[0]);

// The rules every answer obeys, whatever the input: never a 5xx; a 4xx is
// application/problem+json whose body is a JSON object with the same status, a slug type and a
// title; a JSON answer is valid JSON. Aborts (a libFuzzer crash) with the details otherwise.
void check_response(const net::HttpResponse& r, std::string_view what);

// Aborts with a message (a libFuzzer crash whose output says why).
[[noreturn]] void fail(std::string_view what, std::string_view detail);

}  // namespace sl::fuzz
