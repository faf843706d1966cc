// `shangliang ledger verify`: the ledger audit over this platform's data, with the record
// loaders of every module that records into the ledger; or, with --url, the same checks
// from outside over a running platform's public API.
#pragma once

#include "app/application.h"
#include "modules/ledger/ledger_audit.h"

namespace sl::app {

// The loaders of all record types, for audits.
ledger::RecordLoader record_loader();
// Runs the audit, prints a summary; an error names the first entry that does not match.
Status verify_ledger(Application& app);
// The same from outside, over a running platform's public API (ledger_remote.cc): key,
// checkpoints and cosignatures, every entry rebuilt into the signed roots, consistency
// proofs, and the public records that carry their ledger data. `log_key` pins the key
// (empty: the one the platform serves). Prints a summary; an error names the first entry
// that does not match.
Status verify_remote_ledger(const std::string& url, const std::string& log_key);

}  // namespace sl::app
