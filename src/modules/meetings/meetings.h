// Remote and hybrid consultation meetings (远程协商, 现场协商+网络直播; issue 7).
//
// A meeting belongs to an organisation (and optionally joint ones), whose staff and admins run
// it (kDeliberationManage). It has an agenda, a main venue and branch venues (each with a local
// host), chairs (主持人) and secretaries (记录员), invitees (members, departments' responders,
// named people) and a video-conference URL for participants and an HLS URL for viewers (the
// platform carries no media). Lifecycle draft → scheduled (invitations, reminders) → live →
// ended (invitees with no attendance become absent, or excused) → published (minutes,
// attendance, speeches and picked comments become readable to whoever may view); cancelled
// from draft or scheduled.
//
// Check-in: a QR code per venue holds <public_url>/meetings/<id>/checkin?t=<token>, the token
// "<meeting>.<venue>.<not_before>.<expires_at>.<hmac>" signed with HMAC-SHA256 under a server
// key (data_dir/meetings/checkin.key, made at first start); valid only from
// checkin_open_before_min before the start to the end. Remote participants are checked in
// when they join; staff and secretaries check people in by hand with a reason.
//
// Live: room meeting:<id>, sequenced events stored in meeting_events (seq from meetings.last_seq
// in the change's transaction, published after commit), catch-up through events?after_seq.
// Public comments are rate limited per person and per address (in memory, per node), screened
// by the sensitive-word filter (held when moderation holds, else refused) and held when the
// meeting moderates comments.
//
// Every change is one transaction with its ledger entry (types "meeting", "meeting_minutes",
// "meeting_attendance", "meeting_comment").
//
// Thread-safety: MeetingsService is shared by all threads; the rate-limit and counter state is
// behind a mutex.
#pragma once

#include <boost/json/object.hpp>

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/random.h"
#include "modules/access/access.h"
#include "modules/accounts/accounts.h"
#include "modules/ledger/ledger.h"
#include "modules/search/word_filter.h"
#include "net/router.h"
#include "pubsub/bus.h"
#include "storage/database.h"

namespace sl::meetings {

using access::Caller;
namespace bj = boost::json;

struct Options {
  int checkin_open_before_min = 60;
  int late_after_min = 15;
  int comment_per_person_per_min = 6;
  int comment_per_ip_per_min = 30;
  int reminder_before_min = 1440;
  int comment_max_chars = 500;
  std::string public_url;                    // links in QR codes, .ics and notifications
  const search::WordFilter* words = nullptr;  // sensitive words; null: none
  bool hold_sensitive = false;               // moderation.sensitive_action == "hold"
};

// What a caller may do with a meeting's quick polls (surveys' scope checker "meeting").
struct PollAccess {
  int64_t org_id = 0;
  bool read = false, answer = false, manage = false, oversee = false;
};

struct ListFilter {
  std::optional<int64_t> org_id;
  std::optional<TimeMs> from, to;
  std::optional<std::string> state;
  bool mine = false;
};

// Loads the check-in key from `dir`/checkin.key, or makes one (32 random bytes, hex).
Result<std::string> load_or_create_key(const std::string& dir, Random& random);

// An SVG image of the QR code of `text` (libqrencode, error correction M).
Result<std::string> qr_svg(std::string_view text);

// Text of an RFC 5545 calendar with one VEVENT (CRLF line ends, escaped text, folded lines).
struct IcsEvent {
  std::string uid, summary, description, location, url;
  TimeMs starts_at = 0, ends_at = 0, stamp = 0;
  bool cancelled = false;
};
std::string ics_calendar(const IcsEvent& e);

class MeetingsService {
 public:
  MeetingsService(storage::Database& db, const Clock& clock, ledger::Ledger& ledger, pubsub::Bus& bus,
                  std::string checkin_key, Options options);

  Result<bj::object> list(const Caller& caller, const ListFilter& f, int64_t before, int limit);
  Result<bj::object> create(const Caller& caller, const bj::object& body);
  Result<bj::object> get(const Caller& caller, int64_t id);
  Result<bj::object> update(const Caller& caller, int64_t id, const bj::object& body);
  Result<bj::object> set_state(const Caller& caller, int64_t id, const std::string& state, const std::string& reason);
  Result<bj::object> set_current_item(const Caller& caller, int64_t id, int64_t item_id);

  Result<bj::object> invitees(const Caller& caller, int64_t id);
  Result<bj::object> reply(const Caller& caller, int64_t id, const bj::object& body);
  Result<std::string> calendar_ics(const Caller& caller, int64_t id);

  Result<bj::object> checkin_code(const Caller& caller, int64_t id, int64_t venue_id);
  Result<bj::object> checkin(const Caller& caller, int64_t id, const std::string& token);
  Result<bj::object> join(const Caller& caller, int64_t id);
  Result<bj::object> set_attendance(const Caller& caller, int64_t id, int64_t person_id, const bj::object& body);
  Result<bj::object> attendance(const Caller& caller, int64_t id);
  Result<bj::object> person_attendance(const Caller& caller, int64_t person_id);

  Result<bj::object> queue(const Caller& caller, int64_t id);
  Result<bj::object> request_floor(const Caller& caller, int64_t id, const bj::object& body);
  Status withdraw(const Caller& caller, int64_t id, int64_t request_id);
  Result<bj::object> give_floor(const Caller& caller, int64_t id, int64_t request_id, int64_t seconds);
  Status end_floor(const Caller& caller, int64_t id);

  Result<bj::object> interventions(const Caller& caller, int64_t id, int64_t after);
  Result<bj::object> add_intervention(const Caller& caller, int64_t id, const bj::object& body);

  Result<bj::object> comments(const Caller& caller, int64_t id, int64_t after, const std::optional<std::string>& state);
  Result<bj::object> add_comment(const Caller& caller, int64_t id, const bj::object& body, const std::string& address);
  Result<bj::object> moderate(const Caller& caller, int64_t id, int64_t comment_id, const std::string& action);
  Result<bj::object> pick(const Caller& caller, int64_t id, int64_t comment_id, bool picked);
  Result<bj::object> picked(const Caller& caller, int64_t id);

  Result<bj::object> minutes(const Caller& caller, int64_t id);
  Result<bj::object> put_minutes(const Caller& caller, int64_t id, const bj::object& body);
  Result<bj::object> add_outcome(const Caller& caller, int64_t id, const bj::object& body);
  Status remove_outcome(const Caller& caller, int64_t id, const std::string& type, int64_t outcome_id);
  Result<bj::object> record(const Caller& caller, int64_t id);

  Result<bj::object> events(const Caller& caller, int64_t id, int64_t after_seq, int limit);
  // The live hub's room check for "meeting:<id>": whoever may view; the latest seq.
  Result<int64_t> live_room(const Caller& caller, int64_t id);
  // The surveys scope checker "meeting", inside the caller's transaction.
  Result<PollAccess> poll_access(storage::Conn& c, const Caller& caller, int64_t id);

  // Scheduler job: reminders for scheduled meetings starting within reminder_before_min.
  Status remind(storage::Conn& c, TimeMs now);

  // How many watch the room now (the hub's presence; set at wiring time).
  void set_online_counter(std::function<int64_t(int64_t meeting_id)> fn) { online_ = std::move(fn); }

 private:
  Status take_comment_token(int64_t person_id, const std::string& address, TimeMs now);
  void publish_counters(int64_t id, TimeMs now);

  storage::Database& db_;
  const Clock& clock_;
  ledger::Ledger& ledger_;
  pubsub::Bus& bus_;
  std::string key_;
  Options opts_;
  std::function<int64_t(int64_t)> online_;

  std::mutex mu_;
  std::map<std::string, std::deque<TimeMs>> hits_;  // GUARDED_BY(mu_): recent comments per person/address
  std::map<int64_t, TimeMs> counters_at_;           // GUARDED_BY(mu_): last counters event per meeting
};

void register_routes(net::Router& router, MeetingsService& svc, accounts::AccountsService& accounts);

}  // namespace sl::meetings
