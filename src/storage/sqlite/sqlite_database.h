// SQLite backend (the embedded default): WAL; all writes on one dedicated writer thread with
// group commit; a pool of reader connections; WAL checkpoints from a background thread so
// commits never pay for them.
#pragma once

#include <memory>

#include "storage/database.h"

namespace sl::storage {

Result<std::unique_ptr<Database>> open_sqlite(const DatabaseOptions& opts);

}  // namespace sl::storage
