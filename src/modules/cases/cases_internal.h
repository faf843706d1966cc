// Helpers shared by the cases module's translation units (not part of the facade).
#pragma once

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "modules/cases/cases.h"
#include "modules/cases/cases_store.h"

namespace sl::cases::detail {

using storage::Conn;

// The settings in force for (org, kind): the row, or the defaults of the organisation's kind.
Result<store::KindSettings> effective_settings(Conn& c, int64_t org_id, const std::string& kind);
bj::object settings_json(const store::KindSettings& s);

// How the caller relates to a case, and what they may see.
struct Standing {
  std::vector<Role> roles;  // for the state machine (empty: none)
  bool read = false;
  bool manage = false;   // staff of the case's organisation
  bool oversee = false;  // leaders (and staff)
  std::vector<int64_t> my_units;  // assigned units the caller acts for
};
Result<Standing> standing(Conn& c, const Caller& caller, const store::CaseRow& r);
// Loads a case the caller may read; NotFound otherwise.
Result<std::pair<store::CaseRow, Standing>> load(Conn& c, const Caller& caller, int64_t id);

// The full JSON of a case for this caller.
Result<bj::object> case_json(Conn& c, const store::CaseRow& r, const Standing& st, const Calendar& cal, TimeMs now,
                             int yellow_days);
// One line of a list.
bj::object summary_json(const store::CaseRow& r, const Calendar& cal, TimeMs now);
// Working days left before the deadline (negative: overdue by that many), for handling cases.
std::optional<int> working_days_left(const store::CaseRow& r, const Calendar& cal, TimeMs now);

// The caller's unit memberships (organisations where they are responder, staff or admin).
std::vector<int64_t> unit_ids_of(const Caller& caller);
std::string case_link(int64_t id);
std::string beijing(TimeMs t);
bj::value iso_or_null(const std::optional<TimeMs>& t);

}  // namespace sl::cases::detail
