#include "app/application.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "core/json.h"
#include "modules/common/route_util.h"
#include "live/live_routes.h"
#include "net/server.h"
#include "net/static_files.h"
#include "net/websocket.h"
#include "storage/migrations.h"

namespace sl::app {

Application::Application(const Config& cfg) : cfg_(cfg) {}

Application::~Application() {
  if (scheduler_) scheduler_->stop();
  if (dispatcher_) dispatcher_->stop();
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
  SL_ASSIGN(app->email_, notifications::make_email_sender(cfg.notify));
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
  app->inbox_ = std::make_unique<notifications::InboxService>(*app->db_, app->clock_, app->bus_.get());
  SL_TRY(app->build_notifications(o));
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
  app->topics_ = std::make_unique<topics::TopicsService>(*app->db_, app->clock_, *app->ledger_, *app->deliberations_);
  // A topic's photo or voice note is read by whoever may read the topic.
  app->attachments_->add_scope_type("topic", [svc = app->topics_.get()](const access::Caller& caller, int64_t id) {
    return svc->may_read(caller, id);
  });
  app->accounts_->add_erasure_step(
      [ledger = app->ledger_.get()](storage::Conn& c, const access::Caller& actor, int64_t person_id, std::string_view) {
        return topics::erase_person(c, *ledger, actor, person_id);
      });
  app->surveys_ = std::make_unique<surveys::SurveysService>(*app->db_, app->clock_, *app->ledger_, *app->bus_, *app->accounts_);
  // Quick polls in a deliberation: its readers see them, those who may speak in it answer,
  // its managers start and stop them, its overseers read every result.
  app->surveys_->add_scope_type("deliberation", [](storage::Conn& c, const access::Caller& caller,
                                                   int64_t id) -> Result<surveys::ScopeAccess> {
    SL_ASSIGN(auto place, deliberation::place_of(c, caller, id));
    const auto& st = place.standing;
    surveys::ScopeAccess a;
    a.org_id = place.org_id;
    a.read = st.read;
    a.answer = place.state == "open" && st.part != deliberation::Part::kNone;
    a.manage = st.manage;
    a.oversee = st.oversee;
    return a;
  });
  // Meetings: the check-in key is kept under data_dir/meetings (made at first start).
  {
    SL_ASSIGN(std::string key, meetings::load_or_create_key(cfg.data_dir + "/meetings", app->random_));
    meetings::Options mo;
    mo.checkin_open_before_min = cfg.meetings.checkin_open_before_min;
    mo.late_after_min = cfg.meetings.late_after_min;
    mo.comment_per_person_per_min = cfg.meetings.comment_per_person_per_min;
    mo.comment_per_ip_per_min = cfg.meetings.comment_per_ip_per_min;
    mo.reminder_before_min = cfg.meetings.reminder_before_min;
    mo.comment_max_chars = cfg.meetings.comment_max_chars;
    mo.public_url = cfg.server.public_url;
    mo.words = &app->word_filter_;
    mo.hold_sensitive = cfg.moderation.sensitive_action == "hold";
    app->meetings_ = std::make_unique<meetings::MeetingsService>(*app->db_, app->clock_, *app->ledger_, *app->bus_,
                                                                 std::move(key), mo);
  }
  // Quick polls in a meeting: whoever may view sees them, participants answer while it is
  // live, the chair and staff start and stop them.
  app->surveys_->add_scope_type("meeting", [svc = app->meetings_.get()](storage::Conn& c, const access::Caller& caller,
                                                                         int64_t id) -> Result<surveys::ScopeAccess> {
    SL_ASSIGN(auto p, svc->poll_access(c, caller, id));
    surveys::ScopeAccess a;
    a.org_id = p.org_id;
    a.read = p.read;
    a.answer = p.answer;
    a.manage = p.manage;
    a.oversee = p.oversee;
    return a;
  });
  if (cfg.meetings.reminder_before_min > 0) {
    app->scheduler_->add_write_job("meetings.remind", 60'000, [svc = app->meetings_.get()](storage::Conn& c, TimeMs now) -> Status {
      return svc->remind(c, now);
    });
  }
  cases::Options copts;
  copts.yellow_card_working_days = cfg.cases.yellow_card_working_days;
  app->cases_ = std::make_unique<cases::CasesService>(*app->db_, app->clock_, *app->ledger_, copts);
  // Files of a case, and the documents of its answers, are read by whoever may read the case.
  app->attachments_->add_scope_type("case", [svc = app->cases_.get()](const access::Caller& caller, int64_t id) {
    return svc->may_read(caller, id);
  });
  app->attachments_->add_scope_type("case_answer", [svc = app->cases_.get()](const access::Caller& caller, int64_t id) {
    return svc->may_read_answer_files(caller, id);
  });
  // The deadline sweep of cases (cards, due-soon and overdue notices) runs on the node that
  // holds the scheduler's lock (on SQLite, the one node).
  if (cfg.cases.sweep_interval_seconds > 0) {
    app->scheduler_->add_write_job("cases.sweep", int64_t{cfg.cases.sweep_interval_seconds} * 1000,
                                   [svc = app->cases_.get()](storage::Conn& c, TimeMs now) -> Status {
                                     SL_ASSIGN(auto r, svc->sweep(c, now));
                                     if (r.yellow + r.red + r.cleared > 0)
                                       spdlog::info("case deadline sweep: {} yellow, {} red, {} cleared", r.yellow, r.red, r.cleared);
                                     return Ok();
                                   });
  }
  app->register_routes();
  return app;
}

// Delivery of notifications (channels, the sender) and the once-per-cluster job runner.
Status Application::build_notifications(const storage::DatabaseOptions& db_options) {
  const NotifyConfig& n = cfg_.notify;
  std::string node = cfg_.scheduler.node_name.empty() ? scheduler::default_node_name() : cfg_.scheduler.node_name;
  SL_ASSIGN(auto quiet, notifications::parse_quiet_hours(n.default_quiet_hours));
  notifications::PreferencesOptions po;
  po.utc_offset_minutes = n.utc_offset_minutes;
  po.default_quiet = quiet;
  po.email_enabled = email_ != nullptr;
  notify_prefs_ = std::make_unique<notifications::PreferencesService>(*db_, clock_, po);

  // Message-IDs end in the sender's domain (or the platform's host).
  std::string domain = "shangliang.local";
  if (auto at = n.smtp_from.find('@'); at != std::string::npos) {
    domain = n.smtp_from.substr(at + 1);
  } else if (auto p = cfg_.server.public_url.find("://"); p != std::string::npos) {
    domain = cfg_.server.public_url.substr(p + 3);
    domain = domain.substr(0, domain.find_first_of("/:"));
  }
  inbox_channel_ = std::make_unique<notifications::InboxChannel>(*db_, *bus_, clock_);
  sms_channel_ = std::make_unique<notifications::SmsChannel>(*sms_, n.sms_signature, cfg_.server.public_url);
  if (email_) email_channel_ = std::make_unique<notifications::EmailChannel>(*email_, cfg_.server.public_url, domain);

  notifications::DispatcherOptions d;
  d.node = node;
  d.poll_interval_ms = n.poll_interval_ms;
  d.lease_ms = n.lease_ms;
  d.send_timeout_ms = n.send_timeout_ms;
  d.max_attempts = n.max_attempts;
  d.retry_base_ms = n.retry_base_ms;
  d.retry_max_ms = n.retry_max_ms;
  d.batch = n.batch;
  d.utc_offset_minutes = n.utc_offset_minutes;
  d.default_quiet = quiet;
  dispatcher_ = std::make_unique<notifications::Dispatcher>(*db_, clock_, d);
  dispatcher_->set_channel("inbox", inbox_channel_.get());
  dispatcher_->set_channel("sms", sms_channel_.get());
  if (email_channel_) dispatcher_->set_channel("email", email_channel_.get());

  scheduler::Options so;
  so.node = node;
  so.lock_retry_ms = cfg_.scheduler.lock_retry_ms;
  so.tick_ms = cfg_.scheduler.tick_ms;
  scheduler_ = std::make_unique<scheduler::Scheduler>(*db_, clock_, storage::make_leader_lock(db_options, scheduler::kLockKey), so);
  TimeMs keep = int64_t{n.keep_days} * 24 * 3600 * 1000;
  scheduler_->add_write_job("notify.cleanup", n.cleanup_interval_ms, [keep](storage::Conn& c, TimeMs now) -> Status {
    SL_ASSIGN(int64_t removed, notifications::cleanup_deliveries(c, now - keep));
    (void)removed;
    return Ok();
  });
  return Ok();
}

void Application::register_routes() {
  install_middleware(router_, *db_, clock_, cfg_.server);
  register_system_routes(router_, *db_, metrics_);
  accounts::register_routes(router_, *accounts_, cfg_.server.public_url.rfind("https://", 0) == 0);
  orgs::register_routes(router_, *orgs_, *accounts_);
  ledger::register_routes(router_, *ledger_);
  notifications::register_routes(router_, *inbox_, *accounts_);
  notifications::register_preference_routes(router_, *notify_prefs_, *accounts_);
  scheduler::register_routes(router_, *scheduler_, *accounts_);
  register_live();
  search::register_routes(router_, *search_, *accounts_);
  attachments::register_routes(router_, *attachments_, *accounts_);
  deliberation::register_routes(router_, *deliberations_, *accounts_);
  topics::register_routes(router_, *topics_, *accounts_);
  surveys::register_routes(router_, *surveys_, *accounts_, cfg_.server.public_url.rfind("https://", 0) == 0);
  // Room survey:<id>: those who may see its results watch each answer's new counts.
  hub_->add_room_type("survey", [this](const access::Caller& caller, int64_t id) -> Result<int64_t> {
    return surveys_->live_room(caller, id);
  });
  cases::register_routes(router_, *cases_, *accounts_);
  meetings::register_routes(router_, *meetings_, *accounts_);
  // Room meeting:<id>: whoever may view the meeting watches it.
  hub_->add_room_type("meeting", [this](const access::Caller& caller, int64_t id) -> Result<int64_t> {
    return meetings_->live_room(caller, id);
  });
  register_test_clock();
  // Room inbox:<person id>: that person only; events carry the unread count.
  hub_->add_room_type("inbox", [](const access::Caller& caller, int64_t id) -> Result<int64_t> {
    return notifications::live_room(caller, id);
  });
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

// POST /api/v1/testing/clock {"advance_ms": n}: moves the server's clock forward, for browser
// tests that watch a deadline pass. 404 unless cases.test_clock is on; superadmin only.
void Application::register_test_clock() {
  router_.post("/api/v1/testing/clock", routes::handler([this](net::HttpRequest& req) -> Result<net::HttpResponse> {
    if (!cfg_.cases.test_clock) return Error::NotFound("not_found", "没有这个地址");
    SL_ASSIGN(auto caller, accounts_->authenticate(req));
    if (!caller.superadmin) return Error::Forbidden();
    SL_ASSIGN(auto body, routes::body_object(req));
    SL_ASSIGN(int64_t ms, json::req_int(body, "advance_ms"));
    if (ms < 0 || ms > int64_t{400} * 86'400'000) return Error::Invalid("invalid_advance", "advance_ms 须在 0 到 400 天之间");
    clock_.advance_ms(ms);
    return routes::json(boost::json::object{{"now", format_iso8601(clock_.now_ms())}, {"offset_ms", clock_.offset_ms()}});
  }));
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
  // Notifications go out from every node; scheduled jobs run on the one holding the lock.
  dispatcher_->start();
  if (cfg_.scheduler.enabled) scheduler_->start();
  static_files_ = std::make_unique<net::StaticFiles>(cfg_.server.web_root);
  net::HttpServer server(cfg_.server, router_, metrics_, static_files_.get());
  server.set_access_log(cfg_.log.access_log);
  SL_TRY(server.start());
  std::printf("listening on http://%s:%d\n", cfg_.server.host.c_str(), server.port());
  std::fflush(stdout);
  server.run(true);
  if (bench_ticks_) bench_ticks_->stop();
  hub_->stop();
  scheduler_->stop();
  dispatcher_->stop();
  spdlog::info("stopped serving; signing the last entries and closing the database");
  attachments_->stop_gc();
  ledger_->stop();
  if (auto r = ledger_->checkpoint_now(); !r.ok()) spdlog::warn("final ledger checkpoint failed: {}", r.error().message);
  db_->close();
  return Ok();
}

}  // namespace sl::app
