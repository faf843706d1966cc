#include "app/application.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "core/json.h"
#include "live/live_routes.h"
#include "net/server.h"
#include "net/static_files.h"
#include "net/websocket.h"
#include "storage/migrations.h"

namespace sl::app {

Application::Application(const Config& cfg) : cfg_(cfg) {}

Application::~Application() {
  if (bench_ticks_) bench_ticks_->stop();
  if (hub_) hub_->stop();
  if (attachments_) attachments_->stop_gc();
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
  app->bus_ = pubsub::make_local_bus();
  live::HubOptions ho;
  ho.presence_interval_ms = cfg.live.presence_interval_ms;
  ho.max_rooms_per_client = static_cast<size_t>(cfg.live.max_rooms_per_connection);
  app->hub_ = std::make_unique<live::Hub>(*app->bus_, app->clock_, ho);
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
  // Search folds 繁→简 with OpenCC's tables: without them the index would be wrong, so do not start.
  SL_TRY(search::fold_ready());
  if (cfg.moderation.sensitive_words_path.empty()) {
    app->word_filter_ = search::WordFilter::baseline();
  } else {
    SL_ASSIGN(app->word_filter_, search::WordFilter::load(cfg.moderation.sensitive_words_path));
  }
  app->accounts_->add_erasure_step(
      [ledger = app->ledger_.get()](storage::Conn& c, const access::Caller& actor, int64_t person_id, std::string_view) {
        return deliberation::erase_person(c, *ledger, actor, person_id);
      });
  app->attachments_ = std::make_unique<attachments::AttachmentsService>(*app->db_, app->clock_, *app->ledger_,
                                                                        cfg.attachments, cfg.data_dir);
  SL_TRY(app->attachments_->init());
  deliberation::Options dopts;
  dopts.author_delete_window_minutes = cfg.deliberation.author_delete_window_minutes;
  dopts.page_cache_bytes = static_cast<size_t>(cfg.deliberation.page_cache_mb) * 1024 * 1024;
  dopts.words = &app->word_filter_;
  dopts.hold_sensitive = cfg.moderation.sensitive_action == "hold";
  dopts.attachments = app->attachments_.get();
  app->deliberations_ =
      std::make_unique<deliberation::DeliberationService>(*app->db_, app->clock_, *app->ledger_, *app->bus_, dopts);
  // Which deliberations a caller may search is the deliberation module's to say.
  search::ScopeResolver scopes = [svc = app->deliberations_.get()](
                                     const access::Caller& caller,
                                     std::optional<int64_t> deliberation_id) -> Result<std::vector<int64_t>> {
    if (deliberation_id) {
      SL_TRY(svc->live_room(caller, *deliberation_id));  // NotFound (or 401) when it may not be read
      return std::vector<int64_t>{*deliberation_id};
    }
    return svc->readable_ids(caller);
  };
  app->search_ = std::make_unique<search::SearchService>(*app->db_, std::move(scopes));
  // Files attached to a post are read by whoever may read the post.
  app->attachments_->add_scope_type("post", [svc = app->deliberations_.get()](const access::Caller& caller, int64_t id) {
    return svc->may_read_post(caller, id);
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
  register_live();
  search::register_routes(router_, *search_, *accounts_);
  attachments::register_routes(router_, *attachments_, *accounts_);
  deliberation::register_routes(router_, *deliberations_, *accounts_);
  // Room deliberation:<id>: its readers watch; the latest seq comes from the database.
  hub_->add_room_type("deliberation", [this](const access::Caller& caller, int64_t id) -> Result<int64_t> {
    return deliberations_->live_room(caller, id);
  });
  // With PostgreSQL every query blocks on the network: keep it off the network threads.
  router_.set_offload_all(db_->dialect() == storage::Dialect::kPostgres);
  for (const auto& r : router_.routes()) metrics_.register_route(r.method, r.pattern);
  metrics_.add_gauge("shangliang_db_pool_size", "Database connections (readers for SQLite)",
                     [this] { return static_cast<double>(db_->pool_stats().size); });
  metrics_.add_gauge("shangliang_db_pool_in_use", "Database connections in use",
                     [this] { return static_cast<double>(db_->pool_stats().in_use); });
}

// The live endpoint and the room types this file owns: "ledger" (a new signed checkpoint;
// anyone may watch) and, for bench/live.sh only, "bench". Modules register their own types
// (e.g. "deliberation") through hub().
void Application::register_live() {
  hub_->add_room_type("ledger", [](const access::Caller&, int64_t id) -> Result<int64_t> {
    if (id != 0) return Error::NotFound("room_not_found", "没有这个房间");
    return int64_t{0};  // checkpoint events are not sequenced: the client refetches the checkpoint
  });
  ledger_->set_checkpoint_listener([this](uint64_t size) {
    std::string payload = "{\"type\":\"ledger.checkpoint\",\"seq\":0,\"at\":\"" + format_iso8601(clock_.now_ms()) +
                          "\",\"data\":{\"size\":" + std::to_string(size) + "}}";
    bus_->publish(pubsub::Message{"ledger", 0, std::move(payload)});
  });
  if (cfg_.live.bench_publish_per_second > 0) {
    bench_ticks_ = std::make_unique<live::TickPublisher>(*bus_, cfg_.live.bench_publish_per_second);
    hub_->add_room_type("bench", [this](const access::Caller&, int64_t id) -> Result<int64_t> {
      if (id != 0) return Error::NotFound("room_not_found", "没有这个房间");
      return bench_ticks_->latest();
    });
  }

  net::WsOptions wo;
  wo.queue_max_frames = static_cast<size_t>(cfg_.live.queue_max_frames);
  wo.queue_max_bytes = static_cast<size_t>(cfg_.live.queue_max_bytes);
  wo.max_message_bytes = static_cast<size_t>(cfg_.live.max_message_bytes);
  wo.ping_interval_ms = cfg_.live.ping_interval_ms;
  wo.idle_timeout_ms = cfg_.live.idle_timeout_ms;
  live::register_routes(
      router_, *hub_,
      [this](const net::HttpRequest& req) -> Result<live::Viewer> {
        // Browsers send the session cookie with the upgrade; the same-origin rule for cookie
        // writes applies (a cross-site page must not watch with the visitor's rights).
        if (req.cookie(accounts::kSessionCookie) && is_cross_origin(req))
          return Error{Code::kForbidden, "cross_origin", "拒绝跨站请求", {}};
        live::Viewer v;
        auto caller = accounts_->authenticate(req);
        if (!caller.ok()) {
          // No session, or an expired one: watch as a visitor (rooms decide what visitors see).
          if (caller.error().code == Code::kUnauthenticated) return v;
          return caller.error();
        }
        v.caller = std::move(*caller);
        int64_t pid = v.caller.person_id;
        SL_ASSIGN(v.name, db_->read_value<std::string>([pid](storage::Conn& c) -> Result<std::string> {
          SL_ASSIGN(auto row, c.query_one("SELECT display_name FROM people WHERE id = ?", {pid}));
          return row ? row->str(0) : std::string();
        }));
        return v;
      },
      wo);
  metrics_.add_gauge("shangliang_live_connections", "Open live (WebSocket) connections",
                     [this] { return static_cast<double>(hub_->stats().connections); });
  metrics_.add_gauge("shangliang_live_rooms", "Live rooms with viewers on this node",
                     [this] { return static_cast<double>(hub_->stats().rooms); });
  metrics_.add_counter("shangliang_live_frames_sent_total", "Live frames handed to connections' send queues",
                       [this] { return static_cast<double>(hub_->stats().frames_sent); });
  metrics_.add_counter("shangliang_live_resyncs_total", "Resync frames sent (bus gaps and send-queue overflows)",
                       [this] { return static_cast<double>(hub_->stats().resyncs); });
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
  hub_->start();
  if (bench_ticks_) bench_ticks_->start();
  // Uploads never attached, and files nothing refers to, are removed hourly.
  attachments_->start_gc(3600 * 1000);
  static_files_ = std::make_unique<net::StaticFiles>(cfg_.server.web_root);
  net::HttpServer server(cfg_.server, router_, metrics_, static_files_.get());
  server.set_access_log(cfg_.log.access_log);
  SL_TRY(server.start());
  std::printf("listening on http://%s:%d\n", cfg_.server.host.c_str(), server.port());
  std::fflush(stdout);
  server.run(true);
  if (bench_ticks_) bench_ticks_->stop();
  hub_->stop();
  spdlog::info("stopped serving; signing the last entries and closing the database");
  attachments_->stop_gc();
  ledger_->stop();
  if (auto r = ledger_->checkpoint_now(); !r.ok()) spdlog::warn("final ledger checkpoint failed: {}", r.error().message);
  db_->close();
  return Ok();
}

}  // namespace sl::app
