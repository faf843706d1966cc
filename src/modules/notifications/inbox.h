// The in-app inbox (站内消息): notifications addressed to one person — a mention, a change of
// their membership, later replies and case progress. Other modules write to it with
// notifications::notify (or notify_event, which renders the kind's template in the
// recipient's language) inside their own transaction, so a notification exists exactly when
// the change that caused it was committed. People read only their own inbox.
//
// The inbox is the first delivery channel. notify also writes one row of
// notification_deliveries per channel the recipient wants for that kind (delivery.h: the
// in-app channel, which pushes the unread count to the person's live room `inbox:<id>`; SMS
// and e-mail as chosen in their preferences), in the same transaction; a Dispatcher drains
// them after commit, with retries, and records every attempt.
//
// Notifications are not ledger records: they are private deliveries derived from records that
// are ledgered themselves (the post that mentions someone, the membership that changed), and a
// public ledger entry per delivery would only reveal who is told what, and when. The same
// holds for delivery rows and preferences.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "modules/access/access.h"
#include "modules/accounts/accounts.h"
#include "modules/notifications/templates.h"
#include "net/router.h"
#include "pubsub/bus.h"
#include "storage/database.h"

namespace sl::notifications {

namespace bj = boost::json;
using access::Caller;

// Limits of a notification. Longer titles and bodies are cut (with "…"), not refused: they
// come from other modules' texts, which have their own limits.
inline constexpr size_t kMaxTitleChars = 200;
inline constexpr size_t kMaxBodyChars = 1000;
inline constexpr size_t kMaxLinkBytes = 500;
// Each person keeps their newest kInboxCap notifications; older ones are removed on insert.
inline constexpr int kInboxCap = 500;

// Adds a notification to `person_id`'s inbox inside the caller's transaction (the `Conn` of
// their write unit), stamped with the system clock.
//   kind:  what happened, 1-40 characters of a-z 0-9 . _ - (e.g. "mention", "membership.added")
//   title: plain text, not blank; body: plain text, may be empty (use markdown::excerpt for
//          Markdown sources)
//   link:  a path inside the web app ("/deliberations/3?post=9"), or empty
// Invalid arguments are programming errors and come back as InvalidArgument.
Status notify(storage::Conn& c, int64_t person_id, std::string_view kind, std::string_view title,
              std::string_view body, std::string_view link);
// The same, stamped with `at` (services that hold a Clock; tests).
Status notify_at(storage::Conn& c, TimeMs at, int64_t person_id, std::string_view kind, std::string_view title,
                 std::string_view body, std::string_view link);

// The same with the text from the kind's template (templates.h lists kinds and variables),
// in the recipient's language (people.locale). Unknown kinds and missing variables are
// InvalidArgument.
Status notify_event(storage::Conn& c, int64_t person_id, std::string_view kind, const Vars& vars,
                    std::string_view link);
Status notify_event_at(storage::Conn& c, TimeMs at, int64_t person_id, std::string_view kind, const Vars& vars,
                       std::string_view link);

// Right to deletion: removes every notification of `person_id`, their deliveries and
// attempts, and their preferences (an erasure step of accounts).
Status erase_person(storage::Conn& c, int64_t person_id);

// The live room of a person's inbox, `inbox:<person_id>`: only that person may watch it
// (Forbidden otherwise; visitors: Unauthenticated). Its events are unsequenced (seq 0):
//   {"type":"inbox.unread","seq":0,"at":"...","data":{"unread_count":n}}
// sent after every change of the count (a new notification, read, read-all).
Result<int64_t> live_room(const Caller& caller, int64_t person_id);
void publish_unread(pubsub::Bus& bus, int64_t person_id, int64_t unread, TimeMs at);

// Reading and marking one's own inbox. Thread-safe (state lives in the database).
class InboxService {
 public:
  // `bus` (optional): where changes of the unread count are announced after commit.
  InboxService(storage::Database& db, const Clock& clock, pubsub::Bus* bus = nullptr);

  // Newest first: {"items":[...], "next_cursor": ..., "unread_count": n}. `before_id` 0 = from
  // the newest.
  Result<bj::object> list(const Caller& caller, bool unread_only, int64_t before_id, int limit);
  // Marks one of the caller's notifications read (again is fine): {"item":{...}, "unread_count": n}.
  // Someone else's, or none: NotFound.
  Result<bj::object> mark_read(const Caller& caller, int64_t id);
  // Marks all of the caller's notifications read: {"marked": n, "unread_count": 0}.
  Result<bj::object> mark_all_read(const Caller& caller);
  Result<int64_t> unread_count(const Caller& caller);

 private:
  storage::Database& db_;
  const Clock& clock_;
  pubsub::Bus* bus_;
};

// GET /api/v1/inbox, POST /api/v1/inbox/{id}/read, POST /api/v1/inbox/read-all.
void register_routes(net::Router& router, InboxService& svc, accounts::AccountsService& accounts);

}  // namespace sl::notifications
