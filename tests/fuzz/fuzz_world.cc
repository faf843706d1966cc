#include "fuzz_world.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace sl::fuzz {

namespace fs = std::filesystem;

namespace {

fs::path g_dir;

void remove_dir() {
  std::error_code ec;
  if (!g_dir.empty()) fs::remove_all(g_dir, ec);
}

// Directories left by runs that crashed (their process is gone).
void remove_stale_dirs(const fs::path& base) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(base, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("sl-fuzz-", 0) != 0) continue;
    long pid = std::strtol(name.c_str() + 8, nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) fs::remove_all(e.path(), ec);
  }
}

World build() {
  World w;
  fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  remove_stale_dirs(base);
  g_dir = base / ("sl-fuzz-" + std::to_string(::getpid()));
  fs::remove_all(g_dir);
  fs::create_directories(g_dir);
  std::atexit(remove_dir);

  // Quiet: the targets judge answers themselves; a handler's error log line would drown the
  // fuzzer's output at thousands of executions a second.
  spdlog::set_level(spdlog::level::critical);

  Config cfg;
  cfg.database.url = "sqlite:" + (g_dir / "fuzz.db").string();
  cfg.database.pool_size = 2;
  cfg.data_dir = g_dir.string();
  cfg.notify.outbox_path = (g_dir / "outbox.jsonl").string();
  cfg.auth.argon2_opslimit = 1;  // the cheapest argon2id: logins in the input stay fast
  cfg.auth.argon2_memlimit_kib = 8;
  cfg.server.write_rate_per_second = 0;  // every input comes from one address
  cfg.server.web_root = (g_dir / "no-web").string();
  cfg.scheduler.enabled = false;
  auto app = app::Application::create(cfg);
  if (!app.ok()) fail("world", "Application::create: " + app.error().message);
  w.app = std::move(*app);
  w.server = cfg.server;
  if (auto s = w.app->migrate(); !s.ok()) fail("world", "migrate: " + s.error().message);
  if (auto s = app::seed_demo(*w.app); !s.ok()) fail("world", "seed_demo: " + s.error().message);
  for (const char* login : kCallers) {
    if (*login == '\0') continue;
    auto s = w.app->accounts().login(login, "shangliang-demo", "127.0.0.1");
    if (!s.ok()) fail("world", std::string("login ") + login + ": " + s.error().message);
    w.tokens[login] = s->token;
  }
  return w;
}

}  // namespace

World& world() {
  static World w = build();
  return w;
}

void fail(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "\n==FUZZ== %.*s: %.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size()), detail.data());
  std::fflush(stderr);
  std::abort();
}

void check_response(const net::HttpResponse& r, std::string_view what) {
  auto describe = [&] {
    std::string body(r.payload().substr(0, 2000));
    return "status " + std::to_string(r.status) + ", content-type " + r.content_type + ", body " + body;
  };
  if (r.status < 100 || r.status >= 500) fail(what, "server error: " + describe());
  std::string_view ct = r.content_type;
  bool json_type = ct == "application/json" || ct.rfind("application/json;", 0) == 0;
  if (r.status >= 400) {
    if (ct != "application/problem+json") fail(what, "a refusal that is not problem+json: " + describe());
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(r.payload(), ec);
    if (ec || !v.is_object()) fail(what, "problem body is not a JSON object: " + describe());
    const auto& o = v.as_object();
    const auto* status = o.if_contains("status");
    if (status == nullptr || !status->is_int64() || status->as_int64() != r.status)
      fail(what, "problem status differs from the HTTP status: " + describe());
    if (!o.contains("type") || !o.contains("title")) fail(what, "problem without type or title: " + describe());
  } else if (json_type && r.file == nullptr && r.status != 204 && r.status != 304 && !r.payload().empty()) {
    boost::system::error_code ec;
    boost::json::parse(r.payload(), ec);
    if (ec) fail(what, "a JSON answer that does not parse: " + describe());
  }
}

}  // namespace sl::fuzz
