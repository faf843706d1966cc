// The in-app inbox (站内消息): notifications addressed to one person — a mention, a change of
// their membership, later replies and case progress. Other modules write to it with
// notifications::notify inside their own transaction, so a notification exists exactly when
// the change that caused it was committed. People read only their own inbox.
//
// The inbox is the first delivery channel. SMS and e-mail (the cases issue) add a deliveries
// table keyed by notification id and channel, filled by notify from each person's preferences
// and drained after commit by a sender; nothing here has to change for that but notify itself.
//
// Notifications are not ledger records: they are private deliveries derived from records that
// are ledgered themselves (the post that mentions someone, the membership that changed), and a
// public ledger entry per delivery would only reveal who is told what, and when.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "modules/access/access.h"
#include "modules/accounts/accounts.h"
#include "net/router.h"
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

// Right to deletion: removes every notification of `person_id` (an erasure step of accounts).
Status erase_person(storage::Conn& c, int64_t person_id);

// Reading and marking one's own inbox. Thread-safe (state lives in the database).
class InboxService {
 public:
  InboxService(storage::Database& db, const Clock& clock);

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
};

// GET /api/v1/inbox, POST /api/v1/inbox/{id}/read, POST /api/v1/inbox/read-all.
void register_routes(net::Router& router, InboxService& svc, accounts::AccountsService& accounts);

}  // namespace sl::notifications
