// For tests only: a real, throwaway PostgreSQL server started with scripts/services.sh on a
// free loopback port, shared by every test of the process (sl_postgres_tests). It starts on
// the first PgServer::get() and stops when the test binary ends. Tests that cannot get it
// fail (never skip).
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace sl::storage::pgtest {

// The repository root: SL_SOURCE_DIR (environment, or compile definition), else the first
// ancestor of the working directory or of this executable that holds scripts/services.sh.
inline std::string find_repo_root() {
  namespace fs = std::filesystem;
  auto has_script = [](const fs::path& p) { return fs::exists(p / "scripts" / "services.sh"); };
  if (const char* env = std::getenv("SL_SOURCE_DIR"); env != nullptr && has_script(env)) return env;
#ifdef SL_SOURCE_DIR
  if (has_script(SL_SOURCE_DIR)) return SL_SOURCE_DIR;
#endif
  std::error_code ec;
  std::vector<fs::path> starts = {fs::current_path(ec), fs::read_symlink("/proc/self/exe", ec).parent_path()};
  for (fs::path p : starts) {
    for (; !p.empty(); p = p.parent_path()) {
      if (has_script(p)) return p.string();
      if (p == p.root_path()) break;
    }
  }
  return {};
}

inline int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

// Runs a command; returns its exit status and the last non-empty line of its stdout.
inline int run(const std::string& cmd, std::string* last_line) {
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return -1;
  std::array<char, 512> buf{};
  std::string line;
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), p) != nullptr) {
    std::string s(buf.data());
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    if (!s.empty()) line = s;
  }
  const int status = ::pclose(p);
  if (last_line != nullptr) *last_line = line;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class PgServer {
 public:
  static PgServer& get() {
    static PgServer server;
    return server;
  }
  static bool started() { return instance_started_; }

  bool ok() const { return !url_.empty(); }
  const std::string& url() const { return url_; }
  const std::string& error() const { return error_; }

  bool pause() { return run(script_ + " pause-postgres " + dir_ + " >&2", nullptr) == 0; }
  bool resume() { return run(script_ + " resume-postgres " + dir_, nullptr) == 0; }
  void stop() {
    if (!dir_.empty()) run(script_ + " stop-postgres " + dir_ + " >&2", nullptr);
    dir_.clear();
    url_.clear();
  }

 private:
  PgServer() {
    instance_started_ = true;
    const std::string root = find_repo_root();
    if (root.empty()) {
      error_ = "cannot find scripts/services.sh (set SL_SOURCE_DIR to the repository root)";
      return;
    }
    script_ = "'" + root + "/scripts/services.sh'";
    for (int attempt = 0; attempt < 3 && url_.empty(); ++attempt) {
      char tmpl[] = "/tmp/sl-pg-XXXXXX";
      if (::mkdtemp(tmpl) == nullptr) {
        error_ = "mkdtemp failed";
        return;
      }
      dir_ = tmpl;
      const int port = free_loopback_port();
      std::string line;
      const int rc = run(script_ + " start-postgres " + dir_ + " " + std::to_string(port), &line);
      if (rc == 0 && line.rfind("postgresql://", 0) == 0) {
        url_ = line;
      } else {
        error_ = "scripts/services.sh start-postgres failed (exit " + std::to_string(rc) + "), see stderr";
        run(script_ + " stop-postgres " + dir_ + " >&2", nullptr);
        dir_.clear();
      }
    }
  }

  static inline bool instance_started_ = false;
  std::string script_;
  std::string dir_;
  std::string url_;
  std::string error_;
};

class PgEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    if (PgServer::started()) PgServer::get().stop();
  }
};
// One registration per process, however many test files include this header.
inline ::testing::Environment* const kPgEnvironment = ::testing::AddGlobalTestEnvironment(new PgEnvironment);

}  // namespace sl::storage::pgtest
