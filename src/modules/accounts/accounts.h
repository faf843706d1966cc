// Accounts: people's credentials and sessions. Login (login name or mobile + password,
// argon2id), logout, public self-registration confirmed by SMS code, password change and
// reset, throttling of failed logins per account and per address, and authentication of
// requests (HttpOnly session cookie for browsers, bearer token for API clients).
//
// Thread-safety: AccountsService is shared by all threads; its throttle is internally locked.
#pragma once

#include <boost/json/object.hpp>

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <semaphore>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/random.h"
#include "modules/access/access.h"
#include "modules/ledger/ledger.h"
#include "modules/notifications/sms.h"
#include "net/http.h"
#include "net/router.h"
#include "storage/database.h"

namespace sl::accounts {

inline constexpr const char* kSessionCookie = "sl_session";

// argon2id via libsodium. At most `concurrency` hashes run at once (each takes memlimit_kib of
// memory): the worker pool is large so that writes can share group commits (they wait there for
// their commit), and a burst of logins must not multiply the memory by its size.
class PasswordHasher {
 public:
  PasswordHasher(int opslimit, int memlimit_kib, int concurrency = 2)
      : ops_(opslimit), mem_kib_(memlimit_kib),
        gate_(std::make_shared<std::counting_semaphore<>>(std::max(concurrency, 1))) {}
  Result<std::string> hash(std::string_view password) const;
  bool verify(const std::string& hash, std::string_view password) const;
  // Spends the same time as a verify, for unknown accounts (no timing oracle).
  void dummy_verify(std::string_view password) const;

 private:
  struct Turn;
  int ops_, mem_kib_;
  std::shared_ptr<std::counting_semaphore<>> gate_;
};

// Sliding-window counter of failures per key. Thread-safe.
class Throttle {
 public:
  Throttle(int max_failures, int window_ms) : max_(max_failures), window_(window_ms) {}
  // Milliseconds until the key may try again; 0 when allowed now.
  int64_t blocked_for(const std::string& key, TimeMs now);
  void record_failure(const std::string& key, TimeMs now);
  void clear(const std::string& key);

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<TimeMs>> failures_;  // guarded by mu_
  int max_;
  int64_t window_;
};

// Checks of outside input shared with the orgs module and the CLI.
bool valid_mobile(std::string_view m);      // mainland mobile: 1[3-9] + 9 digits
bool valid_login(std::string_view l);       // letter first, then [A-Za-z0-9_.-], 3..32
Status check_password_policy(std::string_view pw);
Status check_display_name(std::string_view name);

struct NewPerson {
  std::string display_name;
  std::optional<std::string> login;
  std::optional<std::string> mobile;
  std::optional<std::string> password_hash;
  bool is_public = false;
  bool is_superadmin = false;
};
// Inserts a person inside the caller's transaction; Conflict if login or mobile is taken.
Result<int64_t> insert_person(storage::Conn& c, const NewPerson& p, TimeMs now);

// A person's record as the ledger hashes it; nothing if the person is gone or was erased.
Result<std::optional<ledger::RecordState>> person_ledger_state(storage::Conn& c, int64_t person_id);
// The canonical content of a person's record (what person_ledger_state hashes), for modules that
// show a person together with its ledger data.
std::string person_content(std::string_view display_name, const std::optional<std::string>& login,
                           const std::optional<std::string>& mobile, std::string_view status);
// Appends a ledger entry for a person's current record (or its removal, when it is gone),
// inside the caller's transaction. Gives the record its ledger salt on first use.
Status record_person(storage::Conn& c, ledger::Ledger& ledger, const access::Caller& actor, std::string_view action,
                     int64_t person_id);

// ---- erasure of personal data (right to deletion) ----
// A person's erasure deletes every personal field (name, login, mobile, password hash), their
// sessions and pending SMS codes from storage, and runs the erasure steps other modules
// registered (orgs: memberships), each appending its own ledger entries, in one transaction.
// The person's row stays as a tombstone (id, erased_at) so references keep working; reading it
// answers 410 with person_gone(). An erased person cannot log in.
using ErasureStep =
    std::function<Status(storage::Conn& c, const access::Caller& actor, int64_t person_id, std::string_view reason)>;
// 410 person_erased: the person's personal data was removed, when, under which ledger entry.
Error person_gone(const ledger::Erasure& e);
// ---- end erasure ----

struct Session {
  std::string token;  // secret, returned once
  int64_t person_id = 0;
  TimeMs expires_at = 0;
};

class AccountsService {
 public:
  AccountsService(storage::Database& db, const Clock& clock, Random& random, notifications::SmsSender& sms,
                  ledger::Ledger& ledger, const AuthConfig& cfg);

  // The caller behind the request's cookie or bearer token; Unauthenticated otherwise.
  Result<access::Caller> authenticate(const net::HttpRequest& req);
  static std::optional<std::string> token_of(const net::HttpRequest& req);

  Result<Session> login(const std::string& login, const std::string& password, const std::string& addr);
  Status logout(const std::string& token);
  // Sends a verification code; returns seconds until another may be requested.
  // purpose: "register", "reset", or "survey" (a public respondent confirms a number; modules/surveys).
  Result<int> send_sms_code(const std::string& mobile, const std::string& purpose, const std::string& addr);
  // Checks a code sent for `purpose` and marks it used, in its own transaction (a wrong code
  // counts as an attempt); 400 invalid_code when it is wrong, used, expired or tried too often.
  Status consume_code(const std::string& mobile, const std::string& purpose, const std::string& code);
  Result<Session> register_public(const std::string& mobile, const std::string& code, const std::string& password,
                                  const std::string& display_name);
  Status reset_password(const std::string& mobile, const std::string& code, const std::string& new_password);
  Status change_password(const access::Caller& caller, const std::string& old_pw, const std::string& new_pw);
  // An administrator sets a person's password (no old password); ends their sessions.
  Status set_password(int64_t person_id, const std::string& new_pw);

  Result<boost::json::object> me(int64_t person_id);
  Status update_me(const access::Caller& caller, const boost::json::object& patch);

  // ---- erasure of personal data ----
  // Registers a step of every person's erasure (at wiring time, before serving; not thread-safe).
  void add_erasure_step(ErasureStep step);
  // Erases `person_id`'s personal data inside the caller's write transaction (the caller has
  // checked that `actor` may). NotFound, 410 if already erased, Forbidden for a superadmin
  // erased by someone who is not one, Conflict (last_superadmin) for the last superadmin.
  Result<ledger::Erasure> erase_person(storage::Conn& c, const access::Caller& actor, int64_t person_id);
  // Self-service erasure, confirmed with the password (403 wrong_password).
  Result<ledger::Erasure> erase_me(const access::Caller& caller, const std::string& password);
  // ---- end erasure ----

  const PasswordHasher& hasher() const { return hasher_; }
  const AuthConfig& config() const { return cfg_; }

 private:
  Result<Session> create_session(storage::Conn& c, int64_t person_id, TimeMs now);
  Status verify_code(storage::Conn& c, const std::string& mobile, const std::string& purpose,
                     const std::string& code, TimeMs now);

  storage::Database& db_;
  const Clock& clock_;
  Random& random_;
  notifications::SmsSender& sms_;
  ledger::Ledger& ledger_;
  AuthConfig cfg_;
  PasswordHasher hasher_;
  Throttle by_account_, by_address_, sms_by_address_;
  std::vector<ErasureStep> erasure_steps_;
};

// Routes under /api/v1/auth and /api/v1/me. `secure_cookies` adds the Secure attribute.
void register_routes(net::Router& router, AccountsService& svc, bool secure_cookies);

}  // namespace sl::accounts
