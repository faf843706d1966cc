// Each person's notification preferences (which kinds reach them by SMS and e-mail, their
// e-mail address, quiet hours), and the delivery record of their own notifications.
// The inbox always receives everything: it is the record the other channels point to.
//
// Routes (the caller's own, 401 without a session):
//   GET   /api/v1/me/notification-settings
//   PATCH /api/v1/me/notification-settings   {"email"?, "quiet_hours"?, "channels"?}
//   GET   /api/v1/inbox/{id}/deliveries      how one notification went out, attempt by attempt
#pragma once

#include <boost/json/object.hpp>

#include <optional>

#include "core/clock.h"
#include "modules/access/access.h"
#include "modules/accounts/accounts.h"
#include "modules/notifications/delivery.h"
#include "net/router.h"
#include "storage/database.h"

namespace sl::notifications {

struct PreferencesOptions {
  int utc_offset_minutes = 480;
  std::optional<QuietHours> default_quiet;  // notify.default_quiet_hours
  bool email_enabled = true;                // notify.email_adapter != "off"
};

// Thread-safe (state lives in the database).
class PreferencesService {
 public:
  PreferencesService(storage::Database& db, const Clock& clock, PreferencesOptions options);

  // {"email", "has_mobile", "quiet_hours": "HH:MM-HH:MM" or "", "quiet_hours_default": bool,
  //  "utc_offset_minutes", "channels_available": {"inbox","sms","email"},
  //  "kinds": [{"kind", "urgent", "channels": [...], "default_channels": [...]}]}
  Result<boost::json::object> get(const access::Caller& caller);
  // Changes what the body names: "email" ("" removes it), "quiet_hours" ("HH:MM-HH:MM", "" for
  // none, null for the platform's default), "channels" ({kind: ["sms","email"]}; "inbox" may
  // be listed and is always on). Returns what get() returns.
  Result<boost::json::object> update(const access::Caller& caller, const boost::json::object& body);
  // {"items": [{"id","channel","state","attempts","next_attempt_at","created_at","finished_at",
  //  "last_error","attempt_log":[...]}]} of one of the caller's notifications; NotFound otherwise.
  Result<boost::json::object> deliveries(const access::Caller& caller, int64_t notification_id);

 private:
  storage::Database& db_;
  const Clock& clock_;
  const PreferencesOptions opts_;
};

void register_preference_routes(net::Router& router, PreferencesService& svc, accounts::AccountsService& accounts);

}  // namespace sl::notifications
