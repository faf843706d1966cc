#include "modules/accounts/accounts_store.h"

#include <boost/json.hpp>

#include "modules/accounts/accounts.h"
#include "modules/common/directory_version.h"

namespace sl::accounts {

using storage::Conn;
using storage::Null;
using storage::Value;

Result<int64_t> insert_person(Conn& c, const NewPerson& p, TimeMs now) {
  auto opt = [](const std::optional<std::string>& s) -> Value { return s ? Value(*s) : Value(Null{}); };
  auto rows = c.query(
      "INSERT INTO people (login, mobile, display_name, password_hash, is_public, is_superadmin, created_at, "
      "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      {opt(p.login), opt(p.mobile), p.display_name, opt(p.password_hash), int64_t{p.is_public},
       int64_t{p.is_superadmin}, now, now});
  if (!rows.ok()) {
    if (rows.error().code == Code::kConflict) {
      if (p.login && p.mobile) return Error::Conflict("person_exists", "登录名或手机号已被使用");
      if (p.login) return Error::Conflict("login_taken", "登录名已被使用");
      return Error::Conflict("mobile_taken", "手机号已被注册");
    }
    return rows.take_error();
  }
  return rows->front().i64(0);
}

std::string person_content(std::string_view display_name, const std::optional<std::string>& login,
                           const std::optional<std::string>& mobile, std::string_view status) {
  auto opt = [](const std::optional<std::string>& s) { return s ? boost::json::value(*s) : boost::json::value(nullptr); };
  return boost::json::serialize(boost::json::object{
      {"display_name", display_name}, {"login", opt(login)}, {"mobile", opt(mobile)}, {"status", status}});
}

Result<std::optional<ledger::RecordState>> person_ledger_state(Conn& c, int64_t person_id) {
  // An erased person's row is a tombstone without content: for the ledger the record is gone.
  SL_ASSIGN(auto row, c.query_one("SELECT display_name, login, mobile, status, ledger_salt FROM people WHERE id = ? "
                                  "AND erased_at IS NULL",
                                  {person_id}));
  if (!row) return std::optional<ledger::RecordState>();
  return std::optional<ledger::RecordState>(
      ledger::RecordState{person_content(row->str(0), row->opt_str(1), row->opt_str(2), row->str(3)), row->str(4)});
}

Status record_person(Conn& c, ledger::Ledger& ledger, const access::Caller& actor, std::string_view action,
                     int64_t person_id) {
  SL_ASSIGN(auto state, person_ledger_state(c, person_id));
  return ledger.record(c, actor, action, "person", person_id, std::move(state), [&](const std::string& salt) -> Status {
    SL_TRY(c.exec("UPDATE people SET ledger_salt = ? WHERE id = ?", {salt, person_id}));
    return Ok();
  });
}

namespace store {

Result<std::optional<Credentials>> find_credentials(Conn& c, const std::string& login) {
  SL_ASSIGN(auto row, c.query_one("SELECT id, password_hash, status FROM people WHERE (login = ? OR mobile = ?) AND "
                                  "erased_at IS NULL ORDER BY CASE WHEN login = ? THEN 0 ELSE 1 END LIMIT 1",
                                  {login, login, login}));
  if (!row) return std::optional<Credentials>();
  return std::optional<Credentials>(Credentials{row->i64(0), row->str(1), row->str(2) == "active"});
}

Result<std::optional<access::Caller>> load_caller(Conn& c, const std::string& token_hash, TimeMs now) {
  SL_ASSIGN(auto row, c.query_one("SELECT p.id, p.is_superadmin, p.is_public, p.status, s.expires_at FROM sessions s "
                                  "JOIN people p ON p.id = s.person_id WHERE s.token_hash = ? AND p.erased_at IS NULL",
                                  {token_hash}));
  if (!row || row->i64(4) <= now || row->str(3) != "active") return std::optional<access::Caller>();
  access::Caller caller;
  caller.person_id = row->i64(0);
  caller.superadmin = row->i64(1) != 0;
  caller.is_public = row->i64(2) != 0;
  caller.session_hash = token_hash;
  SL_ASSIGN(auto ms, c.query("SELECT m.id, m.org_id, m.role, m.sector_id, o.path FROM memberships m "
                             "JOIN orgs o ON o.id = m.org_id WHERE m.person_id = ? ORDER BY m.id",
                             {caller.person_id}));
  for (auto& m : ms) {
    auto role = access::parse_role(m.str(2));
    if (!role) continue;
    caller.memberships.push_back({m.i64(0), m.i64(1), *role, m.opt_i64(3), m.str(4)});
  }
  return std::optional<access::Caller>(std::move(caller));
}

Status insert_session(Conn& c, const std::string& token_hash, int64_t person_id, const char* kind, TimeMs now,
                      TimeMs expires_at) {
  SL_TRY(c.exec("INSERT INTO sessions (token_hash, person_id, kind, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                {token_hash, person_id, std::string(kind), now, expires_at}));
  // Expired sessions of this person are cleared as new ones are made.
  SL_TRY(c.exec("DELETE FROM sessions WHERE person_id = ? AND expires_at <= ?", {person_id, now}));
  return Ok();
}

Status delete_session(Conn& c, const std::string& token_hash) {
  SL_TRY(c.exec("DELETE FROM sessions WHERE token_hash = ?", {token_hash}));
  return Ok();
}

Status delete_sessions_of(Conn& c, int64_t person_id) {
  SL_TRY(c.exec("DELETE FROM sessions WHERE person_id = ?", {person_id}));
  return Ok();
}

Status set_password_hash(Conn& c, int64_t person_id, const std::string& hash, TimeMs now) {
  SL_ASSIGN(int64_t n, c.exec("UPDATE people SET password_hash = ?, updated_at = ? WHERE id = ? AND erased_at IS NULL",
                              {hash, now, person_id}));
  if (n == 0) return Error::NotFound("person_not_found", "人员不存在");
  return Ok();
}

Result<std::optional<int64_t>> person_by_mobile(Conn& c, const std::string& mobile) {
  SL_ASSIGN(auto row, c.query_one("SELECT id FROM people WHERE mobile = ?", {mobile}));
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(row->i64(0));
}

Result<std::optional<TimeMs>> last_code_time(Conn& c, const std::string& mobile, const std::string& purpose) {
  SL_ASSIGN(auto row, c.query_one("SELECT MAX(created_at) FROM sms_codes WHERE mobile = ? AND purpose = ?",
                                  {mobile, purpose}));
  if (!row || row->is_null(0)) return std::optional<TimeMs>();
  return std::optional<TimeMs>(row->i64(0));
}

Status insert_code(Conn& c, const std::string& mobile, const std::string& purpose, const std::string& code_hash,
                   TimeMs now, TimeMs expires_at) {
  SL_TRY(c.exec("INSERT INTO sms_codes (mobile, purpose, code_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                {mobile, purpose, code_hash, now, expires_at}));
  // Old codes are of no use once a newer one exists.
  SL_TRY(c.exec("DELETE FROM sms_codes WHERE mobile = ? AND purpose = ? AND expires_at < ?", {mobile, purpose, now}));
  return Ok();
}

Result<std::optional<CodeRow>> latest_code(Conn& c, const std::string& mobile, const std::string& purpose) {
  SL_ASSIGN(auto row, c.query_one("SELECT id, code_hash, expires_at, attempts, used FROM sms_codes WHERE mobile = ? "
                                  "AND purpose = ? ORDER BY id DESC LIMIT 1",
                                  {mobile, purpose}));
  if (!row) return std::optional<CodeRow>();
  return std::optional<CodeRow>(
      CodeRow{row->i64(0), row->str(1), row->i64(2), static_cast<int>(row->i64(3)), row->i64(4) != 0});
}

Status bump_code_attempts(Conn& c, int64_t id) {
  SL_TRY(c.exec("UPDATE sms_codes SET attempts = attempts + 1 WHERE id = ?", {id}));
  return Ok();
}

Status mark_code_used(Conn& c, int64_t id) {
  SL_TRY(c.exec("UPDATE sms_codes SET used = 1 WHERE id = ?", {id}));
  return Ok();
}

Result<std::optional<boost::json::object>> me(Conn& c, int64_t person_id) {
  SL_ASSIGN(auto p, c.query_one("SELECT id, login, mobile, display_name, is_superadmin, is_public, locale, "
                                "elderly_mode, created_at, status, ledger_salt FROM people WHERE id = ? AND erased_at IS NULL",
                                {person_id}));
  if (!p) return std::optional<boost::json::object>();
  boost::json::object o;
  o["id"] = p->i64(0);
  o["login"] = p->is_null(1) ? boost::json::value(nullptr) : boost::json::value(p->str(1));
  o["mobile"] = p->is_null(2) ? boost::json::value(nullptr) : boost::json::value(p->str(2));
  o["display_name"] = p->str(3);
  o["is_superadmin"] = p->i64(4) != 0;
  o["is_public"] = p->i64(5) != 0;
  o["locale"] = p->str(6);
  o["elderly_mode"] = p->i64(7) != 0;
  // The person's own record with its ledger salt and content, so they can check its hash.
  o["ledger"] = ledger::record_json(
      "person", p->i64(0), ledger::RecordState{person_content(p->str(3), p->opt_str(1), p->opt_str(2), p->str(9)), p->str(10)});
  SL_ASSIGN(auto ms, c.query("SELECT m.id, m.role, o.id, o.name, o.level, o.kind, s.id, s.name FROM memberships m "
                             "JOIN orgs o ON o.id = m.org_id LEFT JOIN sectors s ON s.id = m.sector_id "
                             "WHERE m.person_id = ? ORDER BY o.path, m.id",
                             {person_id}));
  boost::json::array arr;
  for (auto& m : ms) {
    boost::json::object mo;
    mo["id"] = m.i64(0);
    mo["role"] = m.str(1);
    auto role = access::parse_role(m.str(1)).value_or(access::Role::kMember);
    mo["role_label"] = access::role_label(role, m.str(5));
    mo["org"] = {{"id", m.i64(2)}, {"name", m.str(3)}, {"level", m.str(4)}, {"kind", m.str(5)}};
    if (m.is_null(6)) mo["sector"] = nullptr;
    else mo["sector"] = {{"id", m.i64(6)}, {"name", m.str(7)}};
    arr.push_back(std::move(mo));
  }
  o["memberships"] = std::move(arr);
  return std::optional<boost::json::object>(std::move(o));
}

Result<std::optional<ErasableRow>> erasable_person(Conn& c, int64_t person_id) {
  SL_ASSIGN(auto r, c.query_one("SELECT mobile, is_superadmin, erased_at FROM people WHERE id = ?", {person_id}));
  if (!r) return std::optional<ErasableRow>();
  return std::optional<ErasableRow>(ErasableRow{r->opt_str(0), r->i64(1) != 0, r->opt_i64(2)});
}

Result<int64_t> count_other_superadmins(Conn& c, int64_t person_id) {
  SL_ASSIGN(auto r, c.query_one("SELECT COUNT(*) FROM people WHERE is_superadmin = 1 AND status = 'active' AND "
                                "erased_at IS NULL AND id <> ?",
                                {person_id}));
  return r->i64(0);
}

Status erase_personal_data(Conn& c, int64_t person_id, const std::optional<std::string>& mobile, TimeMs now) {
  // Responses kept for idempotent retries of the person's own requests may hold their data:
  // their scope starts with the session's token hash.
  SL_ASSIGN(auto sessions, c.query("SELECT token_hash FROM sessions WHERE person_id = ?", {person_id}));
  for (auto& s : sessions) SL_TRY(c.exec("DELETE FROM idempotency_keys WHERE scope LIKE ?", {"s:" + s.str(0) + " %"}));
  SL_TRY(c.exec("DELETE FROM sessions WHERE person_id = ?", {person_id}));
  if (mobile) SL_TRY(c.exec("DELETE FROM sms_codes WHERE mobile = ?", {*mobile}));
  SL_TRY(c.exec("UPDATE people SET login = NULL, mobile = NULL, display_name = '', password_hash = NULL, "
                "is_superadmin = 0, is_public = 0, status = 'disabled', locale = 'zh-CN', elderly_mode = 0, "
                "ledger_salt = NULL, erased_at = ?, updated_at = ? WHERE id = ?",
                {now, now, person_id}));
  return directory_version::bump(c);  // cached pages show their name: now "（已注销）"
}

Status update_profile(Conn& c, int64_t person_id, const std::optional<std::string>& display_name,
                      const std::optional<std::string>& locale, std::optional<bool> elderly, TimeMs now) {
  if (display_name) {
    SL_TRY(c.exec("UPDATE people SET display_name = ? WHERE id = ?", {*display_name, person_id}));
    SL_TRY(directory_version::bump(c));  // cached pages show it
  }
  if (locale) SL_TRY(c.exec("UPDATE people SET locale = ? WHERE id = ?", {*locale, person_id}));
  if (elderly) SL_TRY(c.exec("UPDATE people SET elderly_mode = ? WHERE id = ?", {int64_t{*elderly}, person_id}));
  SL_TRY(c.exec("UPDATE people SET updated_at = ? WHERE id = ?", {now, person_id}));
  return Ok();
}

}  // namespace store
}  // namespace sl::accounts
