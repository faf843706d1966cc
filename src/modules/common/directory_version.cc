#include "modules/common/directory_version.h"

namespace sl::directory_version {

Status bump(storage::Conn& c) {
  SL_TRY(c.exec("UPDATE directory_version SET version = version + 1 WHERE id = 1"));
  return Ok();
}

Result<int64_t> current(storage::Conn& c) {
  SL_ASSIGN(auto r, c.query_one("SELECT version FROM directory_version WHERE id = 1"));
  return r ? r->i64(0) : int64_t{0};
}

}  // namespace sl::directory_version
