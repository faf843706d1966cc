#include "app/application.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "net/server.h"
#include "net/static_files.h"
#include "storage/migrations.h"

namespace sl::app {

Application::Application(const Config& cfg) : cfg_(cfg) {}

Application::~Application() {
  if (ledger_) ledger_->stop();
  if (db_) db_->close();
}

Result<std::unique_ptr<Application>> Application::create(const Config& cfg) {
  std::unique_ptr<Application> app(new Application(cfg));
  storage::DatabaseOptions o;
  o.url = cfg.database.url;
  o.pool_size = cfg.database.pool_size;
  o.power_durable = cfg.database.durability == "power";
  o.busy_timeout_ms = cfg.database.busy_timeout_ms;
  o.group_commit_max = cfg.database.group_commit_max;
  SL_ASSIGN(app->db_, storage::open_database(o));
  SL_ASSIGN(app->sms_, notifications::make_sms_sender(cfg.notify));
  SL_ASSIGN(auto keys, ledger::load_or_create_keys(cfg.data_dir + "/ledger", app->random_));
  app->ledger_ = std::make_unique<ledger::Ledger>(*app->db_, app->clock_, app->random_, std::move(keys), cfg.ledger.origin);
  SL_TRY(app->ledger_->set_witnesses(cfg.ledger.witnesses));
  app->accounts_ = std::make_unique<accounts::AccountsService>(*app->db_, app->clock_, app->random_, *app->sms_,
                                                               *app->ledger_, cfg.auth);
  app->orgs_ = std::make_unique<orgs::OrgsService>(*app->db_, app->clock_, *app->accounts_, *app->ledger_);
  app->inbox_ = std::make_unique<notifications::InboxService>(*app->db_, app->clock_);
  app->accounts_->add_erasure_step([](storage::Conn& c, const access::Caller&, int64_t person_id, std::string_view) {
    return notifications::erase_person(c, person_id);
  });
  app->register_routes();
  return app;
}

void Application::register_routes() {
  install_middleware(router_, *db_, clock_, cfg_.server);
  register_system_routes(router_, *db_, metrics_);
  accounts::register_routes(router_, *accounts_, cfg_.server.public_url.rfind("https://", 0) == 0);
  orgs::register_routes(router_, *orgs_, *accounts_);
  ledger::register_routes(router_, *ledger_);
  notifications::register_routes(router_, *inbox_, *accounts_);
  // With PostgreSQL every query blocks on the network: keep it off the network threads.
  router_.set_offload_all(db_->dialect() == storage::Dialect::kPostgres);
  for (const auto& r : router_.routes()) metrics_.register_route(r.method, r.pattern);
  metrics_.add_gauge("shangliang_db_pool_size", "Database connections (readers for SQLite)",
                     [this] { return static_cast<double>(db_->pool_stats().size); });
  metrics_.add_gauge("shangliang_db_pool_in_use", "Database connections in use",
                     [this] { return static_cast<double>(db_->pool_stats().in_use); });
}

Status Application::migrate() {
  SL_ASSIGN(int ran, storage::migrate(*db_));
  if (ran > 0) spdlog::info("applied {} migration(s)", ran);
  return Ok();
}

Status Application::serve() {
  // Every entry so far is signed before the first request; then every few seconds.
  SL_TRY(ledger_->checkpoint_now());
  ledger_->start(cfg_.ledger.checkpoint_interval_ms);
  static_files_ = std::make_unique<net::StaticFiles>(cfg_.server.web_root);
  net::HttpServer server(cfg_.server, router_, metrics_, static_files_.get());
  server.set_access_log(cfg_.log.access_log);
  SL_TRY(server.start());
  std::printf("listening on http://%s:%d\n", cfg_.server.host.c_str(), server.port());
  std::fflush(stdout);
  server.run(true);
  spdlog::info("stopped serving; signing the last entries and closing the database");
  ledger_->stop();
  if (auto r = ledger_->checkpoint_now(); !r.ok()) spdlog::warn("final ledger checkpoint failed: {}", r.error().message);
  db_->close();
  return Ok();
}

}  // namespace sl::app
