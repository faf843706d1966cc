// Surveys and quick polls (问卷调查, 快速投票; open votes — the secret ballot is another module).
//
// A survey belongs to an organisation, whose staff and admins build it (kDeliberationManage:
// the same people who run consultations) and whose staff, admins and leaders read every result
// (kDeliberationOversee). Its audience is the members of some organisations (optionally only
// some sectors), the public, or — for a quick poll attached to a record through
// scope_type/scope_id ("deliberation" now, meetings later) — whoever takes part in that record,
// as the record's module says (add_scope_type). Lifecycle draft → open → closed; questions are
// fixed once open. Respondents are told before they start whether it is anonymous or named.
//
// Repeat answers: one per person (members, anyone signed in); for the public also one per
// device (a random token in the HttpOnly cookie sl_device), at most max_per_address per network
// address, and with sms_check one per mobile number confirmed by an SMS code (accounts' code
// flow, purpose "survey"). Devices, addresses and numbers are kept only as salted hashes.
//
// Anonymous surveys: the response row has no person id; who answered is in a separate table
// with no id, time or link to a response (survey_participants); the response's ledger entry
// is appended with an anonymous actor ("system"), and its hashed content holds no person.
// Named surveys keep the person id on the response, in its ledger content too.
//
// Every change is one transaction with its ledger entry ("survey", "survey_response"). A new
// response also updates running counts and takes the survey's next live sequence number; after
// commit an event goes to room "survey:<id>" (watched by those who may see results).
// Free-text answers are in the search index (kind "survey_answer", scope_id = −survey id, so
// deliberation searches never see them), searched through the survey's own route.
//
// Thread-safety: SurveysService is shared by all threads; scope types are registered before
// serving and read-only afterwards.
#pragma once

#include <boost/json/object.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/random.h"
#include "modules/access/access.h"
#include "modules/accounts/accounts.h"
#include "modules/ledger/ledger.h"
#include "net/router.h"
#include "pubsub/bus.h"
#include "storage/database.h"

namespace sl::surveys {

using access::Caller;
namespace bj = boost::json;

inline constexpr const char* kDeviceCookie = "sl_device";

// What a caller may do with the record a quick poll is attached to.
struct ScopeAccess {
  int64_t org_id = 0;    // the record's organisation (a poll's owner)
  bool read = false;     // may see the poll
  bool answer = false;   // may answer (the record is open and the caller takes part)
  bool manage = false;   // may create, open and close polls on it
  bool oversee = false;  // may see every result
};
// NotFound when there is no such record or the caller may not read it.
using ScopeChecker = std::function<Result<ScopeAccess>(storage::Conn& c, const Caller& caller, int64_t scope_id)>;

// Who is answering, beyond the caller: the device token (cookie) and the network address.
struct Respondent {
  std::string device;  // "" when the request carries none (the route makes one)
  std::string address;
};

struct ListFilter {
  std::optional<int64_t> org_id;
  std::optional<std::string> state;
  std::optional<std::string> scope_type;
  std::optional<int64_t> scope_id;
};

class SurveysService {
 public:
  SurveysService(storage::Database& db, const Clock& clock, ledger::Ledger& ledger, pubsub::Bus& bus,
                 accounts::AccountsService& accounts);

  // Registers the record type quick polls may attach to (at wiring time, before serving).
  void add_scope_type(std::string type, ScopeChecker check);

  Result<bj::object> create(const Caller& caller, const bj::object& body);
  Result<bj::object> update(const Caller& caller, int64_t id, const bj::object& body);
  Result<bj::object> set_state(const Caller& caller, int64_t id, const std::string& state);
  Result<bj::object> get(const Caller& caller, int64_t id, const Respondent& who);
  Result<bj::object> list(const Caller& caller, const ListFilter& f, int64_t before, int limit);

  // Submits a response: body {"answers":{...}, "mobile"?, "code"?}.
  Result<bj::object> respond(const Caller& caller, int64_t id, const bj::object& body, const Respondent& who);

  Result<bj::object> results(const Caller& caller, int64_t id, const Respondent& who);
  Result<bj::object> responses(const Caller& caller, int64_t id, const Respondent& who, int64_t after, int limit);
  Result<bj::object> search(const Caller& caller, int64_t id, const Respondent& who, const std::string& q,
                            const std::optional<std::string>& cursor, int limit);
  Result<std::string> export_xlsx(const Caller& caller, int64_t id);

  // The live hub's room check for "survey:<id>": those who may see results; the latest seq.
  Result<int64_t> live_room(const Caller& caller, int64_t id);
  // A fresh device token for the sl_device cookie.
  std::string new_device_token() { return ledger_.new_salt(); }

 private:
  // NotFound as for reading; Forbidden unless the caller oversees the survey.
  Status check_export(storage::Conn& c, const Caller& caller, int64_t id);

  storage::Database& db_;
  const Clock& clock_;
  ledger::Ledger& ledger_;
  pubsub::Bus& bus_;
  accounts::AccountsService& accounts_;
  std::map<std::string, ScopeChecker, std::less<>> scopes_;
};

void register_routes(net::Router& router, SurveysService& svc, accounts::AccountsService& accounts, bool secure_cookies);

}  // namespace sl::surveys
