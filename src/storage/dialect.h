// The one place where SQLite and PostgreSQL differ.
//
// Migration tokens:
//   {{ID}}        auto-increment 64-bit primary key
//   {{BLOB}}      binary column
//   {{BIGINT}}    64-bit integer
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
