// shangliang: the server and its command-line tools.
//   shangliang serve [--demo]          start the platform (migrates first)
//   shangliang migrate                 apply pending database migrations
//   shangliang routes                  print the route table (METHOD PATTERN)
//   shangliang admin ...               administer organisations, people, roles, rosters
//   shangliang ledger verify --data DIR  audit the ledger against this platform's database
//   shangliang ledger verify --url URL   check a running platform from outside, by its API
//   shangliang witness ...             follow, check and cosign a platform's checkpoints
//   shangliang backup DIR|FILE.tar.gz  online backup: database snapshot, keys, uploads, manifest
//   shangliang restore DIR|FILE [--force]  put a backup back into the configured database/data_dir
// Every command takes --config FILE and --section.key=value overrides (after SHANGLIANG_*
// environment variables, which come after the file).
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "app/admin_cli.h"
#include "app/application.h"
#include "app/backup_cli.h"
#include "app/ledger_cli.h"
#include "app/witness_cli.h"

extern char** environ;

namespace {

int fail(const sl::Error& e) {
  std::fprintf(stderr, "错误 (%s): %s\n", e.slug.c_str(), e.message.c_str());
  if (!e.details_json.empty()) std::fprintf(stderr, "%s\n", e.details_json.c_str());
  return e.code == sl::Code::kInvalidArgument || e.code == sl::Code::kUnprocessable ? 2 : 1;
}

void setup_logging(const sl::Config& cfg) {
  auto logger = spdlog::stderr_logger_mt("shangliang");
  logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%v"})", spdlog::pattern_time_type::utc);
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(cfg.log.level));
}

}  // namespace

int main(int argc, char** argv) {
  // Pull out --section.key=value overrides; the rest goes to CLI11.
  std::vector<std::pair<std::string, std::string>> overrides;
  std::vector<std::string> rest;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = a.find('=');
    if (i > 0 && a.rfind("--", 0) == 0 && eq != std::string::npos && a.find('.') < eq && a.substr(0, 9) != "--config=")
      overrides.emplace_back(a.substr(2, eq - 2), a.substr(eq + 1));
    else if (i > 0 && a.rfind("--data_dir=", 0) == 0)
      overrides.emplace_back("data_dir", a.substr(11));
    else rest.push_back(a);
  }

  CLI::App cli{"商量 Shangliang — 数字协商平台 / digital deliberation platform"};
  cli.require_subcommand(1);
  std::string config_file;
  cli.add_option("--config", config_file, "TOML configuration file (see config/shangliang.example.toml)");
  bool demo = false;
  auto* serve = cli.add_subcommand("serve", "Start the platform");
  serve->add_flag("--demo", demo, "Load the demo data set before serving and print the demo accounts");
  auto* migrate = cli.add_subcommand("migrate", "Apply pending database migrations");
  auto* routes = cli.add_subcommand("routes", "Print the HTTP route table");
  auto* admin = cli.add_subcommand("admin", "Administer organisations, people, roles and rosters");
  sl::app::AdminCli admin_cli;
  admin_cli.attach(*admin);
  auto* ledger_cmd = cli.add_subcommand("ledger", "The public ledger");
  ledger_cmd->require_subcommand(1);
  std::string verify_data;
  auto* ledger_verify = ledger_cmd->add_subcommand(
      "verify", "Check every entry against the stored records, every checkpoint signature and their consistency");
  auto* verify_data_opt = ledger_verify->add_option("--data", verify_data,
                            "Data directory (keys in DIR/ledger; database DIR/shangliang.db unless database.url is set)");
  std::string verify_url, verify_log_key;
  ledger_verify
      ->add_option("--url", verify_url,
                   "Check a running platform from outside instead, through its public API (http://host:port)")
      ->excludes(verify_data_opt);
  ledger_verify->add_option("--log-key", verify_log_key,
                            "With --url: the ledger key (vkey) to pin; the platform must serve this one");

  sl::app::WitnessOptions witness_opts;
  auto* witness = cli.add_subcommand(
      "witness", "Act as an independent witness: follow a platform's checkpoints, check consistency, cosign");
  witness->require_subcommand(0, 1);
  witness->add_option("--url", witness_opts.url, "The platform (http://host:port)");
  witness->add_option("--log-key", witness_opts.log_key, "The platform's ledger key (vkey from GET /api/v1/ledger/key)");
  witness->add_option("--name", witness_opts.name, "This witness's name, e.g. witness.sheng.example.gov.cn (first start)");
  witness->add_option("--data", witness_opts.data, "This witness's directory: its key and what it has verified");
  witness->add_option("--interval-ms", witness_opts.interval_ms, "Pause between rounds (default 10000)")->check(CLI::Range(100, 86400000));
  witness->add_flag("--once", witness_opts.once, "One round; exit 0 when cosigned, non-zero otherwise");
  std::string witness_key_data, witness_key_name;
  auto* witness_key = witness->add_subcommand("key", "Print this witness's verifier key for the platform's administrators");
  witness_key->add_option("--data", witness_key_data, "This witness's directory")->required();
  witness_key->add_option("--name", witness_key_name, "This witness's name (needed only before the first start)");

  std::string backup_dir, restore_dir;
  bool restore_force = false;
  auto* backup = cli.add_subcommand(
      "backup", "Online backup while the server runs: database snapshot, ledger keys, uploads, manifest");
  backup->add_option("dir", backup_dir, "New (or empty) directory for the backup, or a new FILE.tar / FILE.tar.gz")
      ->required();
  auto* restore = cli.add_subcommand(
      "restore", "Restore a backup into the configured database.url and data_dir (server stopped)");
  restore->add_option("dir", restore_dir, "The backup: its directory (with manifest.json) or its .tar / .tar.gz")
      ->required();
  restore->add_flag("--force", restore_force, "Overwrite a non-empty data_dir / database");

  std::vector<const char*> cargv;
  for (auto& s : rest) cargv.push_back(s.c_str());
  try {
    cli.parse(static_cast<int>(cargv.size()), cargv.data());
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }

  sl::Config cfg;
  if (!config_file.empty())
    if (auto s = sl::load_config_file(cfg, config_file); !s.ok()) return fail(s.error());
  if (auto s = sl::apply_environment(cfg, environ); !s.ok()) return fail(s.error());
  for (auto& [k, v] : overrides)
    if (auto s = sl::apply_setting(cfg, k, v); !s.ok()) return fail(s.error());

  // Tools that talk to a platform over HTTP, or keep their own directory: no database here.
  if (*witness_key) {
    if (auto s = sl::app::print_witness_key(witness_key_data, witness_key_name); !s.ok()) return fail(s.error());
    return 0;
  }
  if (*witness) {
    if (witness_opts.url.empty() || witness_opts.log_key.empty() || witness_opts.data.empty())
      return fail(sl::Error::Invalid("missing_option", "shangliang witness 需要 --url、--log-key 和 --data"));
    return sl::app::run_witness(witness_opts);
  }
  if (*backup) {
    if (auto s = sl::app::run_backup(cfg, backup_dir); !s.ok()) return fail(s.error());
    return 0;
  }
  if (*restore) {
    if (auto s = sl::app::run_restore(cfg, restore_dir, restore_force); !s.ok()) return fail(s.error());
    return 0;
  }
  if (*ledger_verify && !verify_url.empty()) {
    if (auto s = sl::app::verify_remote_ledger(verify_url, verify_log_key); !s.ok()) return fail(s.error());
    return 0;
  }
  if (*ledger_verify && verify_data.empty() && !verify_log_key.empty())
    return fail(sl::Error::Invalid("missing_option", "--log-key 只用于 --url"));
  if (!verify_data.empty()) {
    cfg.data_dir = verify_data;
    bool url_given = std::getenv("SHANGLIANG_DATABASE_URL") != nullptr;
    for (auto& [k, v] : overrides) url_given = url_given || k == "database.url";
    if (!url_given) cfg.database.url = "sqlite:" + verify_data + "/shangliang.db";
  }
  setup_logging(cfg);

  auto app_r = sl::app::Application::create(cfg);
  if (!app_r.ok()) return fail(app_r.error());
  auto& app = **app_r;

  if (*routes) {
    for (const auto& r : app.router().routes()) std::printf("%s %s\n", r.method.c_str(), r.pattern.c_str());
    return 0;
  }
  if (auto s = app.migrate(); !s.ok()) return fail(s.error());
  if (*migrate) {
    std::printf("数据库已是最新 (database is up to date)\n");
    return 0;
  }
  if (*ledger_verify) {
    auto s = sl::app::verify_ledger(app);
    if (!s.ok()) return fail(s.error());
    return 0;
  }
  if (*admin) {
    auto s = admin_cli.run(app);
    if (!s.ok()) return fail(s.error());
    return 0;
  }
  if (*serve) {
    if (demo) {
      auto accounts = sl::app::seed_demo(app);
      if (!accounts.ok()) return fail(accounts.error());
      std::printf("%s", accounts->c_str());
      std::fflush(stdout);
    }
    if (auto s = app.serve(); !s.ok()) return fail(s.error());
    return 0;
  }
  return 0;
}
