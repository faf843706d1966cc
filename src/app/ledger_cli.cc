#include "app/ledger_cli.h"

#include <cstdio>

#include "modules/accounts/accounts.h"
#include "modules/attachments/attachments_store.h"
#include "modules/cases/cases.h"
#include "modules/deliberation/deliberation_store.h"
#include "modules/meetings/meetings_store.h"
#include "modules/orgs/orgs_store.h"
#include "modules/topics/topics_store.h"
#include "modules/surveys/surveys_store.h"

namespace sl::app {

ledger::RecordLoader record_loader() {
  return [](storage::Conn& c, std::string_view type, int64_t id) -> Result<std::optional<ledger::RecordState>> {
    if (type == "person") return accounts::person_ledger_state(c, id);
    if (type == "org" || type == "sector" || type == "membership") return orgs::store::ledger_state(c, type, id);
    if (type == "attachment") return attachments::store::ledger_state(c, id);
    if (deliberation::store::is_ledger_type(type)) return deliberation::store::ledger_state(c, type, id);
    if (topics::store::is_ledger_type(type)) return topics::store::ledger_state(c, type, id);
    if (surveys::store::is_ledger_type(type)) return surveys::store::ledger_state(c, type, id);
    if (meetings::store::is_ledger_type(type)) return meetings::store::ledger_state(c, type, id);
    if (cases::is_ledger_type(type)) return cases::ledger_state(c, type, id);
    return Error::Invalid("unknown_type", "未知的记录类型");
  };
}

Status verify_ledger(Application& app) {
  // Sign whatever was appended since the last checkpoint, so the audit covers every entry.
  SL_TRY(app.ledger().checkpoint_now());
  SL_ASSIGN(auto key, ledger::parse_vkey(app.ledger().verifier_key()));
  SL_ASSIGN(auto rep, ledger::audit(app.db(), key, record_loader()));
  std::printf("entries: %llu\ncheckpoints: %llu\nrecords checked: %llu\nkey: %s\n",
              static_cast<unsigned long long>(rep.entries), static_cast<unsigned long long>(rep.checkpoints),
              static_cast<unsigned long long>(rep.records), app.ledger().verifier_key().c_str());
  if (rep.ok()) {
    std::printf("账本完好 (ledger verified)\n");
    return Ok();
  }
  std::string where = rep.first_bad_seq ? "第一处不符在第 " + std::to_string(*rep.first_bad_seq) + " 条: " : "";
  return Error{Code::kUnprocessable, "ledger_mismatch", where + rep.problem, {}};
}

}  // namespace sl::app
