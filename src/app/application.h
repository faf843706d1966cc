// Application: builds every part from the Config and wires them by constructor —
// storage, services, routes, middleware, HTTP server. No globals, no service locator.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/config.h"
#include "core/random.h"
#include "live/hub.h"
#include "live/tick_publisher.h"
#include "modules/accounts/accounts.h"
#include "modules/attachments/attachments.h"
#include "modules/deliberation/deliberation.h"
#include "modules/ledger/ledger.h"
#include "modules/notifications/inbox.h"
#include "modules/notifications/sms.h"
#include "modules/orgs/orgs.h"
#include "modules/search/search.h"
#include "modules/topics/topics.h"
#include "modules/surveys/surveys.h"
#include "net/metrics.h"
#include "net/router.h"
#include "pubsub/bus.h"
#include "storage/database.h"

namespace sl::net {
class HttpServer;
class StaticFiles;
}  // namespace sl::net

namespace sl::app {

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
  search::SearchService& search() { return *search_; }
  // The sensitive-word list posts are screened against (moderation.sensitive_words_path).
  const search::WordFilter& word_filter() const { return word_filter_; }
  deliberation::DeliberationService& deliberations() { return *deliberations_; }
  topics::TopicsService& topics() { return *topics_; }
  surveys::SurveysService& surveys() { return *surveys_; }
  net::Router& router() { return router_; }
  // Live events: publish after commit on the bus; register room types with the hub.
  pubsub::Bus& bus() { return *bus_; }
  live::Hub& hub() { return *hub_; }

 private:
  explicit Application(const Config& cfg);
  void register_routes();
  void register_live();

  Config cfg_;
  SystemClock clock_;
  SecureRandom random_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<notifications::SmsSender> sms_;
  // Before every service that may publish or register a room type (destroyed after them).
  std::unique_ptr<pubsub::Bus> bus_;
  std::unique_ptr<live::Hub> hub_;
  std::unique_ptr<live::TickPublisher> bench_ticks_;  // live.bench_publish_per_second > 0 only
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<accounts::AccountsService> accounts_;
  std::unique_ptr<orgs::OrgsService> orgs_;
  std::unique_ptr<notifications::InboxService> inbox_;
  std::unique_ptr<search::SearchService> search_;
  search::WordFilter word_filter_;
  std::unique_ptr<attachments::AttachmentsService> attachments_;
  std::unique_ptr<deliberation::DeliberationService> deliberations_;
  std::unique_ptr<topics::TopicsService> topics_;
  std::unique_ptr<surveys::SurveysService> surveys_;
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

}  // namespace sl::app
