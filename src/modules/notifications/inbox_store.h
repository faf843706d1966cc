// SQL of the inbox, and nothing else.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string_view>

#include "core/clock.h"
#include "storage/database.h"

namespace sl::notifications::store {

using storage::Conn;

Result<int64_t> insert(Conn& c, int64_t person_id, std::string_view kind, std::string_view title,
                       std::string_view body, std::string_view link, TimeMs at);
// Removes the person's notifications older than their newest `keep`.
Status prune(Conn& c, int64_t person_id, int keep);

// The person's notifications with id < before_id, newest first, at most `limit`.
Result<boost::json::array> list(Conn& c, int64_t person_id, bool unread_only, int64_t before_id, int limit);
Result<std::optional<boost::json::object>> find(Conn& c, int64_t person_id, int64_t id);
Result<int64_t> unread_count(Conn& c, int64_t person_id);
// Sets read_at where it is not set yet; returns the number of notifications marked.
Result<int64_t> mark_read(Conn& c, int64_t person_id, int64_t id, TimeMs at);
Result<int64_t> mark_all_read(Conn& c, int64_t person_id, TimeMs at);

Status delete_for_person(Conn& c, int64_t person_id);

}  // namespace sl::notifications::store
