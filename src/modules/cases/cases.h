// Cases (提案、议案、建议、社情民意、微建议): members submit proposals (提案), deputies motions and
// suggestions (议案、建议), members and the public social-condition reports (社情民意) and
// micro-suggestions (微建议). Staff review them (立案, decline, merge, convert), assign a lead
// unit and co-handling units (主办/协办) under a deadline counted in working days from the
// organisation's calendar (calendar.h); the units answer, the proposer rates the answer, and
// staff supervise (督办): yellow and red cards from the deadline sweep, notes, key cases.
// 提出 → 审查 → 交办 → 办理 → 督办 → 评议 → 公开 → 归档.
//
// Every transition is decided by the one table in case_machine.h; each is one transaction that
// writes the case, one case_events row, the case's ledger entry and the notifications it
// causes (notifications::notify_event, rendered from templates.cc in each recipient's language:
// case.assigned, case.due_soon, case.overdue, case.answered, case.rated, case.returned,
// case.cosign, case.reviewed, case.request, case.decision, case.escalated, case.supervised).
//
// Who sees a case: its submitter and co-signers, staff (kCaseManage) and leaders (kCaseOversee)
// of its organisation and above, the assigned units' responders, and — once published —
// everyone. Social-condition reports are confidential: submitter, staff and the assigned units
// only (not leaders, not co-signers, never published).
//
// Thread-safety: CasesService is shared by all threads; it keeps no mutable state.
#pragma once

#include <boost/json/object.hpp>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "modules/access/access.h"
#include "modules/accounts/accounts.h"
#include "modules/attachments/attachments.h"
#include "modules/cases/calendar.h"
#include "modules/cases/case_machine.h"
#include "modules/ledger/ledger.h"
#include "net/router.h"
#include "storage/database.h"

namespace sl::cases {

using access::Caller;
namespace bj = boost::json;

struct Options {
  int yellow_card_working_days = 3;  // cases.yellow_card_working_days
};

inline constexpr std::string_view kKinds[] = {"proposal", "motion", "suggestion", "social_report", "micro_suggestion"};
bool valid_kind(std::string_view k);
std::string kind_label(std::string_view k);  // zh-CN: 提案, 议案, 建议, 社情民意, 微建议

// A list's filters (the same for the JSON list and the Excel export).
struct ListFilter {
  // mine: submitted or co-signed by the caller; unit: assigned to the caller's units;
  // org: an organisation's cases (staff and leaders; org_id required); public: published ones.
  std::string scope = "mine";
  std::optional<int64_t> org_id, unit_id;
  std::optional<std::string> kind, state, card, q;
  std::optional<bool> key_case;
  std::optional<int> year;  // submitted in that year (Beijing)
};

struct SweepReport {
  int yellow = 0, red = 0, cleared = 0;
};

class CasesService {
 public:
  CasesService(storage::Database& db, const Clock& clock, ledger::Ledger& ledger, Options opts);
  ~CasesService();

  // ---- settings per organisation and kind ----
  Result<bj::object> settings(const Caller& caller, int64_t org_id);
  Result<bj::object> update_settings(const Caller& caller, int64_t org_id, const std::string& kind, const bj::object& body);

  // ---- cases ----
  // Creates a draft, or submits at once with "submit": true.
  Result<bj::object> create(const Caller& caller, const bj::object& body);
  Result<bj::object> update_draft(const Caller& caller, int64_t id, const bj::object& body);
  Result<bj::object> get(const Caller& caller, int64_t id);
  Result<bj::object> list(const Caller& caller, const ListFilter& f, int64_t before, int limit);
  // Fellow members of an organisation the caller may invite as co-signers (联名): names only,
  // for members of that organisation; `q` filters by name. At most 20.
  Result<bj::object> cosigner_candidates(const Caller& caller, int64_t org_id, const std::string& q);
  // Every transition but edit goes through here: `action` is an Action name (case_machine.h).
  Result<bj::object> act(const Caller& caller, int64_t id, const std::string& action, const bj::object& body);
  // The attachments module's "case" and "case_answer" scopes.
  Status may_read(const Caller& caller, int64_t case_id);
  Status may_read_answer_files(const Caller& caller, int64_t event_id);

  // ---- supervision and statistics ----
  Result<bj::object> board(const Caller& caller, int64_t org_id);
  Result<bj::object> stats(const Caller& caller, int64_t org_id, std::optional<int> year);
  Result<std::string> export_xlsx(const Caller& caller, const ListFilter& f);

  // ---- calendar ----
  Result<bj::object> calendar(int64_t org_id, int year);
  // Adds or replaces days: org_id absent = national (superadmin), else that organisation's
  // local days (its admins). {"days":[{"date","kind":"holiday|workday","name"}], "year_source"?}.
  Result<bj::object> put_calendar_days(const Caller& caller, std::optional<int64_t> org_id, const bj::object& body);
  Status delete_calendar_day(const Caller& caller, std::optional<int64_t> org_id, const std::string& date);

  // The deadline sweep: gives a yellow card to handling cases due within the configured
  // working days, a red card to overdue ones, clears cards no longer deserved (answered,
  // extended). Idempotent: a second run at the same time changes nothing. Runs inside the
  // caller's transaction.
  Result<SweepReport> sweep(storage::Conn& c, TimeMs now);
  Result<SweepReport> sweep_now();  // in its own transaction, at the clock's time

  const Options& options() const { return opts_; }

 private:
  storage::Database& db_;
  const Clock& clock_;
  ledger::Ledger& ledger_;
  Options opts_;
};

// The deadline sweep as the cluster scheduler calls it: runs CasesService::sweep of the
// service this process built (Unavailable before one exists).
Result<SweepReport> sweep(storage::Conn& c, TimeMs now);

// A step of a person's erasure (AccountsService::add_erasure_step). Cases they handed in stay as
// the record of what was proposed and how it was handled, under a nameless submitter (their
// name goes with the person); but the content of their drafts, of cases still collecting
// co-signers (never handed in) and of every social-condition report they sent (confidential,
// about their own circumstances, never published) is erased: title, body, category, reasons,
// answer, notes, co-units' input and attached files go, "case.erased" is appended to the
// ledger, the row keeps its dates, units, deadline and rating (the units' statistics), the
// case drops off the supervision board and the deadline sweep, no action applies to it any
// more, and reading it answers 410 case_erased. `attachments` may be null (no files).
Status erase_person(storage::Conn& c, ledger::Ledger& ledger, attachments::AttachmentsService* attachments,
                    const Caller& actor, int64_t person_id, TimeMs now);

// Ledger record types of this module ("case", "case_settings").
bool is_ledger_type(std::string_view t);
Result<std::optional<ledger::RecordState>> ledger_state(storage::Conn& c, std::string_view type, int64_t id);

void register_routes(net::Router& router, CasesService& svc, accounts::AccountsService& accounts);

}  // namespace sl::cases

