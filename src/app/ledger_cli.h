// `shangliang ledger verify`: the ledger audit over this platform's data, with the record
// loaders of every module that records into the ledger.
#pragma once

#include "app/application.h"
#include "modules/ledger/ledger_audit.h"

namespace sl::app {

// The loaders of all record types, for audits.
ledger::RecordLoader record_loader();
// Runs the audit, prints a summary; an error names the first entry that does not match.
Status verify_ledger(Application& app);

}  // namespace sl::app
