// Application: builds every part from the Config and wires them by constructor —
// storage, services, routes, middleware, HTTP server. No globals, no service locator.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/config.h"
#include "core/random.h"
#include "live/hub.h"
#include "live/tick_publisher.h"
#include "modules/accounts/accounts.h"
#include "modules/attachments/attachments.h"
#include "modules/cases/cases.h"
#include "modules/deliberation/deliberation.h"
#include "modules/ledger/ledger.h"
#include "modules/notifications/channels.h"
#include "modules/notifications/delivery.h"
#include "modules/notifications/email.h"
#include "modules/notifications/inbox.h"
#include "modules/notifications/preferences.h"
#include "modules/notifications/sms.h"
#include "modules/orgs/orgs.h"
#include "modules/scheduler/scheduler.h"
#include "modules/search/search.h"
#include "modules/topics/topics.h"
#include "modules/meetings/meetings.h"
#include "modules/surveys/surveys.h"
#include "net/metrics.h"
#include "net/router.h"
#include "pubsub/bus.h"
#include "storage/database.h"
#include "storage/leader_lock.h"

namespace sl::net {
class HttpServer;
class StaticFiles;
}  // namespace sl::net

namespace sl::app {

// The system clock moved forward by an offset that can be changed at run time. The server
// moves it only through the test-clock route, which answers only when cases.test_clock is on
// (browser tests watch deadlines pass); otherwise the offset stays 0. Thread-safe.
class AdjustableClock final : public Clock {
 public:
  TimeMs now_ms() const override { return system_.now_ms() + offset_.load(); }
  void advance_ms(TimeMs d) { offset_ += d; }
  TimeMs offset_ms() const { return offset_.load(); }

 private:
  SystemClock system_;
  std::atomic<TimeMs> offset_{0};
};

class Application {
 public:
  // Opens the database and builds the services (no network yet).
  static Result<std::unique_ptr<Application>> create(const Config& cfg);
  ~Application();

  Status migrate();
  // Listens, prints "listening on http://host:port", serves until SIGINT/SIGTERM, then shuts
  // down gracefully and closes the database.
  Status serve();

  const Config& config() const { return cfg_; }
  storage::Database& db() { return *db_; }
  accounts::AccountsService& accounts() { return *accounts_; }
  orgs::OrgsService& orgs() { return *orgs_; }
  attachments::AttachmentsService& attachments() { return *attachments_; }
  ledger::Ledger& ledger() { return *ledger_; }
  notifications::InboxService& inbox() { return *inbox_; }
  notifications::PreferencesService& notification_preferences() { return *notify_prefs_; }
  // Sends the deliveries notify() writes (started by serve()).
  notifications::Dispatcher& dispatcher() { return *dispatcher_; }
  // Once-per-cluster jobs: modules' periodic work is registered here before serve(), e.g.
  //   app.scheduler().add_write_job("cases.sweep", 60'000, cases::sweep);
  scheduler::Scheduler& scheduler() { return *scheduler_; }
  search::SearchService& search() { return *search_; }
  // The sensitive-word list posts are screened against (moderation.sensitive_words_path).
  const search::WordFilter& word_filter() const { return word_filter_; }
  deliberation::DeliberationService& deliberations() { return *deliberations_; }
  topics::TopicsService& topics() { return *topics_; }
  surveys::SurveysService& surveys() { return *surveys_; }
  meetings::MeetingsService& meetings() { return *meetings_; }
  cases::CasesService& cases() { return *cases_; }
  // The server's clock: the system clock, moved only through the test-clock route
  // (cases.test_clock).
  AdjustableClock& clock() { return clock_; }
  net::Router& router() { return router_; }
  // Live events: publish after commit on the bus; register room types with the hub.
  pubsub::Bus& bus() { return *bus_; }
  live::Hub& hub() { return *hub_; }

 private:
  explicit Application(const Config& cfg);
  void register_routes();
  void register_live();
  void register_test_clock();
  Status build_notifications(const storage::DatabaseOptions& db_options);

  Config cfg_;
  AdjustableClock clock_;
  SecureRandom random_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<notifications::SmsSender> sms_;
  std::unique_ptr<notifications::EmailSender> email_;  // null when notify.email_adapter = "off"
  // Before every service that may publish or register a room type (destroyed after them).
  std::unique_ptr<pubsub::Bus> bus_;
  std::unique_ptr<live::Hub> hub_;
  std::unique_ptr<live::TickPublisher> bench_ticks_;  // live.bench_publish_per_second > 0 only
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<accounts::AccountsService> accounts_;
  std::unique_ptr<orgs::OrgsService> orgs_;
  std::unique_ptr<notifications::InboxService> inbox_;
  std::unique_ptr<notifications::PreferencesService> notify_prefs_;
  std::unique_ptr<notifications::InboxChannel> inbox_channel_;
  std::unique_ptr<notifications::SmsChannel> sms_channel_;
  std::unique_ptr<notifications::EmailChannel> email_channel_;
  std::unique_ptr<notifications::Dispatcher> dispatcher_;
  std::unique_ptr<scheduler::Scheduler> scheduler_;
  std::unique_ptr<search::SearchService> search_;
  search::WordFilter word_filter_;
  std::unique_ptr<attachments::AttachmentsService> attachments_;
  std::unique_ptr<deliberation::DeliberationService> deliberations_;
  std::unique_ptr<topics::TopicsService> topics_;
  std::unique_ptr<surveys::SurveysService> surveys_;
  std::unique_ptr<meetings::MeetingsService> meetings_;
  std::unique_ptr<cases::CasesService> cases_;
  net::Router router_;
  net::Metrics metrics_;
  std::unique_ptr<net::StaticFiles> static_files_;
};

// Registers /healthz, /readyz, /metrics and /api/v1/openapi.json.
void register_system_routes(net::Router& router, storage::Database& db, net::Metrics& metrics);
// ETag/If-None-Match on GETs, Idempotency-Key on POSTs, same-origin check for cookie writes.
void install_middleware(net::Router& router, storage::Database& db, const Clock& clock, const ServerConfig& cfg);
// True when the request carries an Origin of another host (not "null"): the same-origin rule
// for requests authenticated by the session cookie (writes, and the live WebSocket).
bool is_cross_origin(const net::HttpRequest& req);
// The OpenAPI document (docs/api/openapi.yaml converted to JSON at build time).
const char* openapi_json();

// Loads the demo data set if it is not there yet; returns a text listing the demo accounts.
Result<std::string> seed_demo(Application& app);
// The demo deliberation (demo_deliberation.cc), once the demo people exist.
Status seed_demo_deliberation(Application& app);
// The demo topic box and call for topics (demo_topics.cc), after the demo deliberation.
Status seed_demo_topics(Application& app);
// The demo surveys (demo_surveys.cc): a public one, a members' one, a poll in the demo deliberation.
Status seed_demo_surveys(Application& app);
// The demo meetings (demo_meetings.cc): a public live one, a scheduled one, a published one.
Status seed_demo_meetings(Application& app);
// Demo cases in several states (demo_cases.cc), once the demo people exist.
Status seed_demo_cases(Application& app);

}  // namespace sl::app
