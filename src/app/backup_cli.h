// `shangliang backup DIR` and `shangliang restore DIR`: an online, consistent copy of the
// platform's state, taken while the server keeps writing.
//
// A backup is a directory:
//   DIR/database.sqlite   SQLite: the sqlite3 backup API, one read transaction (a snapshot)
//   DIR/database.pgdump   PostgreSQL: pg_dump -Fc on a snapshot exported by the transaction
//                         that also read the manifest's figures, so they describe the dump
//   DIR/data/...          everything under data_dir except the SQLite database itself:
//                         ledger keys (ledger/signing.key, ledger/actor.key), uploads, ...
//   DIR/uploads/...       attachments.dir when it lies outside data_dir
//   DIR/manifest.json     written last: program version, database dialect, schema migration
//                         level, ledger tree size and latest checkpoint, SHA-256 of every file
// The database is copied first, then the files: uploads are written before the rows that
// refer to them, so every attachment in the copied database has its file in the backup.
//
// Restore checks every checksum, refuses a non-empty target (data_dir, the SQLite file, a
// PostgreSQL database with tables) unless --force, then puts the database and the files back
// where the configuration (--config / --database.url / --data_dir) says.
#pragma once

#include <string>

#include "core/config.h"
#include "core/result.h"

namespace sl::app {

Status run_backup(const Config& cfg, const std::string& target);
Status run_restore(const Config& cfg, const std::string& source, bool force);

}  // namespace sl::app
