// Migrations: one ordered set of SQL files (storage/migrations/NNNN_name.sql), embedded in
// the binary, with dialect tokens expanded by storage/dialect.cc. Applied in one
// transaction each; schema_migrations records what ran.
#pragma once

#include <string>
#include <vector>

#include "storage/database.h"

namespace sl::storage {

struct Migration {
  int version;
  std::string name;
  std::string sql;  // with dialect tokens, see dialect.h
};

// The embedded migrations, ordered by version.
const std::vector<Migration>& embedded_migrations();

// Applies pending migrations; returns how many ran.
Result<int> migrate(Database& db);
// True when every embedded migration has been applied.
Result<bool> migrations_current(Database& db);

}  // namespace sl::storage
