// SQL of deliveries, attempts and preferences, and nothing else.
#pragma once

#include <boost/json/array.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "modules/notifications/delivery.h"
#include "storage/database.h"

namespace sl::notifications::store {

using storage::Conn;

// What notify needs to know about a recipient.
struct Recipient {
  std::string locale = "zh-CN";
  std::string mobile;
  bool active = false;
  bool has_prefs = false;
  std::string email;
  std::string channels_json = "{}";
  std::optional<int> quiet_start, quiet_end;
};
Result<std::optional<Recipient>> recipient(Conn& c, int64_t person_id);

struct NewDelivery {
  int64_t notification_id = 0;
  int64_t person_id = 0;
  std::string channel, kind;
  bool urgent = false;
  std::string address, locale, subject, body, link;
};
Status insert_delivery(Conn& c, const NewDelivery& d, TimeMs at);

// A due row as the claim sees it.
struct DueRow {
  Outgoing m;             // attempt = attempts so far
  std::string state;      // pending | sending (lease ran out)
  bool urgent = false;
  bool has_prefs = false;
  std::optional<int> quiet_start, quiet_end;
};
// Due rows, oldest first (PostgreSQL: locked, skipping rows another node is claiming).
Result<std::vector<DueRow>> due(Conn& c, TimeMs now, int limit);
// Moves a pending row to `until` (quiet hours).
Status postpone(Conn& c, int64_t id, TimeMs until);
// pending/sending(expired) → sending, owned by `owner` until lease_until, attempts + 1, if the
// row is still in `state` with `attempts`. True when claimed.
Result<bool> take(Conn& c, int64_t id, std::string_view state, int attempts, std::string_view owner,
                  TimeMs lease_until);
Status start_attempt(Conn& c, int64_t delivery_id, int attempt, std::string_view node, TimeMs at);
// sending (lease ran out) → failed, if still at `attempts`. True when changed.
Result<bool> abandon(Conn& c, int64_t id, int attempts, TimeMs at);
// The attempt whose lease ran out without an outcome.
Status lose_attempt(Conn& c, int64_t delivery_id, int attempt, TimeMs at);
// Records the outcome if the row is still ours (sending, owner, attempt): state sent/failed
// (finished) or pending again at next_at. False when it is no longer ours.
Result<bool> finish(Conn& c, int64_t id, std::string_view owner, int attempt, std::string_view state, TimeMs next_at,
                    std::string_view error, TimeMs at);
Status finish_attempt(Conn& c, int64_t delivery_id, int attempt, std::string_view outcome, std::string_view detail,
                      TimeMs at);

// The deliveries of one of the person's notifications, each with its attempts.
Result<boost::json::array> deliveries_of(Conn& c, int64_t person_id, int64_t notification_id);

Result<int64_t> delete_finished(Conn& c, TimeMs before);
Status delete_for_person_deliveries(Conn& c, int64_t person_id);

// Preferences.
Status save_prefs(Conn& c, int64_t person_id, std::string_view email, std::string_view channels_json,
                  std::optional<int> quiet_start, std::optional<int> quiet_end, TimeMs at);

}  // namespace sl::notifications::store
