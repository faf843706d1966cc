// Durable delivery of notifications over several channels (in-app, SMS, e-mail).
//
// notify() (inbox.h) writes the notification and one row of notification_deliveries per
// channel the recipient wants for that kind, in the caller's transaction: the deliveries exist
// exactly when the event committed. A Dispatcher on every node then works through them:
//
//   1. claim (one write transaction): due rows — pending ones whose time has come, and
//      `sending` ones whose lease ran out — become `sending`, owned by this node until now +
//      lease_ms, attempts + 1, and an attempt row `started` is written. A non-urgent SMS or
//      e-mail inside the recipient's quiet hours is not claimed but moved to the end of them.
//      PostgreSQL: FOR UPDATE SKIP LOCKED, so two nodes never claim one row; SQLite has one
//      writer. Every update is also conditional on the state and attempt number it read.
//   2. send (no transaction open), each attempt bounded by min(send_timeout_ms, lease_ms / 2),
//      carrying the delivery id as its idempotency key (SMS gateway: the {id} field and an
//      Idempotency-Key header; e-mail: Message-ID <sl-delivery-ID@host>).
//   3. record (one write transaction per delivery): sent, or back to pending with the next
//      attempt at now + backoff (retry_base_ms doubling up to retry_max_ms, ±20% spread by id),
//      or failed (a permanent error, or max_attempts reached); the attempt row gets its outcome.
//      Only if the row is still ours (same owner and attempt): if our lease ran out meanwhile,
//      another node owns it and we record nothing.
//
// The crash windows, and what happens (what the integration test notify.test.mjs proves):
//   - before the claim commits: nothing happened; the row is still due.
//   - after the claim, before the provider has the message (e.g. kill -9 while connecting to
//     the SMTP server): the row stays `sending` until its lease runs out, then any node claims
//     it again (the lost attempt is recorded as `lost`) and sends it: exactly once.
//   - after the provider accepted the message, before `sent` is committed: the row is claimed
//     again after the lease and sent again with the SAME idempotency key. So delivery is
//     at-least-once, and exactly-once for a provider that honours the key (the fake gateway
//     in the test does; many SMS gateways de-duplicate by message id, and mail clients
//     collapse copies with one Message-ID). This window is one round trip to the database wide.
//   - after `sent` is committed: never sent again.
// A row whose lease runs out on its last allowed attempt (max_attempts) is marked failed
// instead of being claimed again, so a message that kills its sender cannot loop for ever.
// A lease can also run out under a live node that stalled (GC pause, a hung provider beyond
// the timeout): the attempt bound of lease_ms / 2 makes that need a stall longer than half the
// lease, and the conditional record keeps the two from overwriting each other.
//
// Thread-safety: Dispatcher is thread-safe; channels are called from its thread only.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "storage/database.h"

namespace sl::notifications {

// One message as a channel sends it.
struct Outgoing {
  int64_t id = 0;          // delivery id: the idempotency key of every attempt
  int64_t person_id = 0;
  int64_t notification_id = 0;
  std::string channel;     // "inbox", "sms", "email"
  std::string kind;
  std::string address;     // mobile number, e-mail address ("" for the inbox)
  std::string locale;      // the recipient's language
  std::string subject;     // the notification's title
  std::string body;
  std::string link;        // path inside the web app, or ""
  int attempt = 0;         // 1, 2, ...
  TimeMs lease_until = 0;
};

struct SendResult {
  enum Outcome { kSent, kRetry, kFailed } outcome = kSent;
  std::string detail;  // the provider's answer or the error, for the attempt record
};

// A delivery channel. send() must finish within timeout_ms.
class Channel {
 public:
  virtual ~Channel() = default;
  virtual SendResult send(const Outgoing& m, int timeout_ms) = 0;
};

// Quiet hours: local minutes after midnight; start == end means none.
struct QuietHours {
  int start = 0, end = 0;
};
// "HH:MM-HH:MM" → QuietHours; "" → nullopt; anything else → InvalidArgument.
Result<std::optional<QuietHours>> parse_quiet_hours(std::string_view s);
std::string format_minutes(int minutes);  // 450 → "07:30"
// If `now` lies in the quiet period (local time = UTC + offset), when it ends; else nullopt.
std::optional<TimeMs> quiet_until(const QuietHours& q, TimeMs now, int utc_offset_minutes);

struct DispatcherOptions {
  std::string node;               // this node's name in attempt records and leases
  int poll_interval_ms = 1000;
  int lease_ms = 60000;
  int send_timeout_ms = 15000;
  int max_attempts = 8;
  int retry_base_ms = 30000;
  int retry_max_ms = 3600000;
  int batch = 8;
  int utc_offset_minutes = 480;
  std::optional<QuietHours> default_quiet;  // for people who chose none
};

class Dispatcher {
 public:
  Dispatcher(storage::Database& db, const Clock& clock, DispatcherOptions options);
  ~Dispatcher();

  // Channels by name ("inbox", "sms", "email"); a delivery for a channel without one fails.
  // Set them all before start().
  void set_channel(const std::string& name, Channel* channel);

  // One round: claim due deliveries, send them, record the outcomes. Returns how many were
  // claimed. The background thread calls it; tests call it with a FakeClock.
  Result<int> run_once();
  // The steps of a round, for tests (claim without sending is a node that dies after claiming).
  Result<std::vector<Outgoing>> claim(TimeMs now);
  Status record(const Outgoing& m, const SendResult& r, TimeMs now);

  // The backoff before attempt `attempt + 1` of delivery `id`.
  TimeMs retry_delay(int64_t id, int attempt) const;

  void start();  // the sending thread: run_once until nothing is due, then wait poll_interval_ms
  void stop();   // finishes the round in progress
  void wake();   // look now rather than at the next poll

  const DispatcherOptions& options() const { return opts_; }

 private:
  storage::Database& db_;
  const Clock& clock_;
  const DispatcherOptions opts_;
  std::map<std::string, Channel*> channels_;

  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  bool woken_ = false;     // GUARDED_BY(mu_)
};

// Deletes sent and failed deliveries (and their attempts) finished before `before`: the
// clean-up job the scheduler runs (notify.keep_days).
Result<int64_t> cleanup_deliveries(storage::Conn& c, TimeMs before);

}  // namespace sl::notifications
