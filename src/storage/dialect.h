// The one place where SQLite and PostgreSQL differ.
//
// Migration tokens:
//   {{ID}}        auto-increment 64-bit primary key
//   {{BLOB}}      binary column
//   {{BIGINT}}    64-bit integer
// Dialect sections, for the few objects that exist in one backend only (an FTS5 table on
// SQLite, a GIN index on PostgreSQL): a line `-- @sqlite` or `-- @postgres` starts a section
// whose lines are kept for that backend only; `-- @end` returns to shared text.
// Statement text: `?` placeholders become $1..$n for PostgreSQL.
#pragma once

#include <string>
#include <string_view>

#include "storage/database.h"

namespace sl::storage {

std::string expand_migration(std::string_view sql, Dialect d);
// Rewrites ? to $1..$n outside string literals and quoted identifiers.
std::string to_postgres_placeholders(std::string_view sql);

}  // namespace sl::storage
