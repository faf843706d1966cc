// SQL of the job records (scheduler_jobs), and nothing else.
#pragma once

#include <boost/json/array.hpp>

#include <optional>
#include <string_view>

#include "core/clock.h"
#include "storage/database.h"

namespace sl::scheduler::store {

using storage::Conn;

// Creates the job's row if it is missing; keeps the interval current.
Status ensure_job(Conn& c, std::string_view name, int64_t interval_ms);
// When the job last started (nullopt: never).
Result<std::optional<TimeMs>> last_started(Conn& c, std::string_view name);
Status started(Conn& c, std::string_view name, std::string_view node, TimeMs at);
Status finished(Conn& c, std::string_view name, bool ok, std::string_view error, TimeMs at);
Result<boost::json::array> list(Conn& c);

}  // namespace sl::scheduler::store
