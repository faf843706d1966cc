// `shangliang witness`: runs this machine as an independent witness of a platform's ledger
// (see modules/ledger/witness.h), over HTTP.
//   shangliang witness --url http://host:port --log-key VKEY --name NAME --data DIR [--interval-ms N] [--once]
//   shangliang witness key --data DIR [--name NAME]
#pragma once

#include <string>

#include "core/result.h"

namespace sl::app {

struct WitnessOptions {
  std::string url;       // the platform, http://host:port
  std::string log_key;   // the platform's ledger vkey (GET /api/v1/ledger/key), pinned
  std::string name;      // this witness's key name; needed at first start only
  std::string data;      // this witness's own directory (key, name, state)
  int interval_ms = 10000;
  bool once = false;
};

// Runs rounds until SIGINT/SIGTERM (or one round with `once`) and returns the exit code:
// 0 all well; 1 the platform could not be reached or refused the cosignature (--once);
// 2 a check failed: nothing was cosigned (--once; otherwise it keeps running and alarming).
int run_witness(const WitnessOptions& o);
// Prints the witness's verifier key (creating the key first if needed).
Status print_witness_key(const std::string& data, const std::string& name);

}  // namespace sl::app
