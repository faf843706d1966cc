// The directory version (migration 0013): one number that every change to what other modules
// show of people and organisations — a person's display name (edited, or erased), an
// organisation's name or kind — moves forward in the same transaction. Caches of rendered
// pages that show names (deliberation pages of posts) key on it, so they never serve an old
// name. Call bump() from any new write that changes those columns.
#pragma once

#include <cstdint>

#include "core/result.h"
#include "storage/database.h"

namespace sl::directory_version {

// Inside the caller's write transaction.
Status bump(storage::Conn& c);
// Inside a read (or write) transaction: the current number.
Result<int64_t> current(storage::Conn& c);

}  // namespace sl::directory_version
