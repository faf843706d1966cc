// Accounts use cases. Password hashing (slow by design) happens outside transactions.
#include <sodium.h>

#include <boost/json.hpp>

#include "core/encoding.h"
#include "core/json.h"
#include "modules/accounts/accounts.h"
#include "modules/accounts/accounts_store.h"

namespace sl::accounts {

using storage::Conn;

// ---- checks of outside input ------------------------------------------------------------

bool valid_mobile(std::string_view m) {
  if (m.size() != 11 || m[0] != '1' || m[1] < '3' || m[1] > '9') return false;
  for (char ch : m)
    if (ch < '0' || ch > '9') return false;
  return true;
}

bool valid_login(std::string_view l) {
  if (l.size() < 3 || l.size() > 32) return false;
  if (!((l[0] >= 'a' && l[0] <= 'z') || (l[0] >= 'A' && l[0] <= 'Z'))) return false;
  for (char ch : l)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.' || ch == '-')) return false;
  return true;
}

Status check_password_policy(std::string_view pw) {
  auto len = json::utf8_length(pw);
  if (!len || *len < 8) return Error::Invalid("weak_password", "密码至少 8 位");
  if (*len > 128) return Error::Invalid("password_too_long", "密码最多 128 位");
  return Ok();
}

Status check_display_name(std::string_view name) {
  auto len = json::utf8_length(name);
  if (!len || *len == 0 || name.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return Error::Invalid("invalid_display_name", "姓名不能为空");
  if (*len > 64) return Error::Invalid("invalid_display_name", "姓名最多 64 字");
  for (unsigned char ch : name)
    if (ch < 0x20) return Error::Invalid("invalid_display_name", "姓名含有不可见字符");
  return Ok();
}

// ---- password hashing ---------------------------------------------------------------------

// Holds one of the hasher's places for as long as it lives.
struct PasswordHasher::Turn {
  explicit Turn(std::counting_semaphore<>& g) : gate(g) { gate.acquire(); }
  ~Turn() { gate.release(); }
  std::counting_semaphore<>& gate;
};

Result<std::string> PasswordHasher::hash(std::string_view pw) const {
  Turn turn(*gate_);
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, pw.data(), pw.size(), static_cast<unsigned long long>(ops_),
                            static_cast<size_t>(mem_kib_) * 1024, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return Error::Internal("密码处理失败（内存不足）");
  return std::string(out);
}

bool PasswordHasher::verify(const std::string& hash, std::string_view pw) const {
  if (hash.empty()) {
    dummy_verify(pw);
    return false;
  }
  Turn turn(*gate_);
  return crypto_pwhash_str_verify(hash.c_str(), pw.data(), pw.size()) == 0;
}

void PasswordHasher::dummy_verify(std::string_view pw) const {
  static const std::string dummy = [this] { return hash("dummy-password-for-timing").value(); }();
  Turn turn(*gate_);
  if (crypto_pwhash_str_verify(dummy.c_str(), pw.data(), pw.size()) == 0) {
    // never: the dummy password is not what anyone types
  }
}

// ---- throttle ------------------------------------------------------------------------------

int64_t Throttle::blocked_for(const std::string& key, TimeMs now) {
  std::lock_guard lk(mu_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return 0;
  auto& q = it->second;
  while (!q.empty() && q.front() <= now - window_) q.pop_front();
  if (q.empty()) {
    failures_.erase(it);
    return 0;
  }
  if (static_cast<int>(q.size()) < max_) return 0;
  return q.front() + window_ - now;
}

void Throttle::record_failure(const std::string& key, TimeMs now) {
  std::lock_guard lk(mu_);
  if (failures_.size() > 100000) failures_.clear();  // memory bound under attack; coarse but safe
  auto& q = failures_[key];
  q.push_back(now);
  while (static_cast<int>(q.size()) > max_ + 1) q.pop_front();
}

void Throttle::clear(const std::string& key) {
  std::lock_guard lk(mu_);
  failures_.erase(key);
}

// ---- service -------------------------------------------------------------------------------

AccountsService::AccountsService(storage::Database& db, const Clock& clock, Random& random,
                                 notifications::SmsSender& sms, ledger::Ledger& ledger, const AuthConfig& cfg)
    : db_(db),
      clock_(clock),
      random_(random),
      sms_(sms),
      ledger_(ledger),
      cfg_(cfg),
      hasher_(cfg.argon2_opslimit, cfg.argon2_memlimit_kib, cfg.argon2_concurrency),
      by_account_(cfg.login_max_failures_account, cfg.login_window_seconds * 1000),
      by_address_(cfg.login_max_failures_address, cfg.login_window_seconds * 1000),
      sms_by_address_(10, 3600 * 1000) {}

std::optional<std::string> AccountsService::token_of(const net::HttpRequest& req) {
  auto auth = req.header("authorization");
  if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer "))
    return std::string(auth.substr(7));
  return req.cookie(kSessionCookie);
}

Result<access::Caller> AccountsService::authenticate(const net::HttpRequest& req) {
  auto token = token_of(req);
  if (!token || token->empty() || token->size() > 128) return Error::Unauthenticated();
  std::string h = sha256_hex(*token);
  TimeMs now = clock_.now_ms();
  SL_ASSIGN(auto caller, db_.read_value<std::optional<access::Caller>>(
                             [&](Conn& c) { return store::load_caller(c, h, now); }));
  if (!caller) return Error{Code::kUnauthenticated, "session_expired", "登录已过期，请重新登录", {}};
  return std::move(*caller);
}

Result<Session> AccountsService::create_session(Conn& c, int64_t person_id, TimeMs now) {
  Session s;
  s.token = random_.token(32);
  s.person_id = person_id;
  s.expires_at = now + int64_t{cfg_.session_ttl_hours} * 3600 * 1000;
  SL_TRY(store::insert_session(c, sha256_hex(s.token), person_id, "session", now, s.expires_at));
  return s;
}

Result<Session> AccountsService::login(const std::string& login, const std::string& password,
                                       const std::string& addr) {
  TimeMs now = clock_.now_ms();
  std::string acct_key = "acct:" + login, addr_key = "addr:" + addr;
  int64_t wait = std::max(by_account_.blocked_for(acct_key, now), by_address_.blocked_for(addr_key, now));
  if (wait > 0) {
    Error e = Error::TooMany("login_throttled", "登录失败次数过多，请 " + std::to_string((wait + 59999) / 60000) +
                                                    " 分钟后再试");
    e.details_json = "{\"retry_after_seconds\":" + std::to_string((wait + 999) / 1000) + "}";
    return e;
  }
  SL_ASSIGN(auto cred, db_.read_value<std::optional<store::Credentials>>(
                           [&](Conn& c) { return store::find_credentials(c, login); }));
  bool ok = false;
  if (cred) ok = hasher_.verify(cred->password_hash, password);
  else hasher_.dummy_verify(password);
  if (!ok || !cred->active) {
    by_account_.record_failure(acct_key, now);
    by_address_.record_failure(addr_key, now);
    if (ok && !cred->active) return Error{Code::kForbidden, "account_disabled", "账号已停用，请联系工作人员", {}};
    return Error{Code::kUnauthenticated, "invalid_credentials", "账号或密码错误", {}};
  }
  by_account_.clear(acct_key);
  return db_.write_value<Session>([&](Conn& c) { return create_session(c, cred->person_id, now); });
}

Status AccountsService::logout(const std::string& token) {
  std::string h = sha256_hex(token);
  return db_.write([&](Conn& c) { return store::delete_session(c, h); });
}

Result<int> AccountsService::send_sms_code(const std::string& mobile, const std::string& purpose,
                                           const std::string& addr) {
  if (!valid_mobile(mobile)) return Error::Invalid("invalid_mobile", "请输入正确的 11 位手机号");
  if (purpose != "register" && purpose != "reset" && purpose != "survey")
    return Error::Invalid("invalid_purpose", "purpose 只能是 register、reset 或 survey");
  TimeMs now = clock_.now_ms();
  std::string addr_key = "sms:" + addr;
  if (sms_by_address_.blocked_for(addr_key, now) > 0)
    return Error::TooMany("sms_throttled", "验证码请求过于频繁，请稍后再试");
  std::string code = random_.digits(6);
  int interval = cfg_.sms_min_interval_seconds;
  bool send = true;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    SL_ASSIGN(auto last, store::last_code_time(c, mobile, purpose));
    if (last && *last + int64_t{interval} * 1000 > now) {
      Error e = Error::TooMany("sms_too_frequent", "验证码已发送，请稍后再试");
      e.details_json = "{\"retry_after_seconds\":" + std::to_string((*last + interval * 1000 - now + 999) / 1000) + "}";
      return e;
    }
    SL_ASSIGN(auto existing, store::person_by_mobile(c, mobile));
    if (purpose == "register" && existing) return Error::Conflict("mobile_taken", "该手机号已注册，请直接登录");
    // For a reset of an unknown number we answer the same as for a known one, and send nothing:
    // the answer must not reveal who is registered.
    send = purpose != "reset" || existing.has_value();
    return store::insert_code(c, mobile, purpose, sha256_hex(mobile + "|" + purpose + "|" + code), now,
                              now + int64_t{cfg_.sms_code_ttl_seconds} * 1000);
  }));
  sms_by_address_.record_failure(addr_key, now);  // counts requests, not failures
  if (send) {
    notifications::SmsMessage m;
    m.to = mobile;
    m.template_id = "verify_code";
    m.code = code;
    m.text = "【商量】您的验证码是" + code + "，" + std::to_string(cfg_.sms_code_ttl_seconds / 60) +
             "分钟内有效。如非本人操作，请忽略。";
    SL_TRY(sms_.send(m));
  }
  return interval;
}

Status AccountsService::verify_code(Conn& c, const std::string& mobile, const std::string& purpose,
                                    const std::string& code, TimeMs now) {
  SL_ASSIGN(auto row, store::latest_code(c, mobile, purpose));
  Error bad = Error::Invalid("invalid_code", "验证码错误或已过期");
  if (!row || row->used || row->expires_at <= now || row->attempts >= 5) return bad;
  if (row->code_hash != sha256_hex(mobile + "|" + purpose + "|" + code)) {
    SL_TRY(store::bump_code_attempts(c, row->id));
    return bad;
  }
  return store::mark_code_used(c, row->id);
}

Status AccountsService::consume_code(const std::string& mobile, const std::string& purpose, const std::string& code) {
  if (!valid_mobile(mobile)) return Error::Invalid("invalid_mobile", "请输入正确的 11 位手机号");
  // Its own transaction, so a wrong code counts as an attempt even though the caller fails.
  return db_.write([&](Conn& c) { return verify_code(c, mobile, purpose, code, clock_.now_ms()); });
}

Result<Session> AccountsService::register_public(const std::string& mobile, const std::string& code,
                                                 const std::string& password, const std::string& display_name) {
  if (!valid_mobile(mobile)) return Error::Invalid("invalid_mobile", "请输入正确的 11 位手机号");
  SL_TRY(check_display_name(display_name));
  SL_TRY(check_password_policy(password));
  SL_ASSIGN(std::string hash, hasher_.hash(password));
  TimeMs now = clock_.now_ms();
  // A wrong code must still count as an attempt, so the code check commits on its own when it fails.
  Status code_ok = db_.write([&](Conn& c) { return verify_code(c, mobile, "register", code, now); });
  if (!code_ok.ok()) return code_ok.take_error();
  return db_.write_value<Session>([&](Conn& c) -> Result<Session> {
    NewPerson p;
    p.display_name = display_name;
    p.mobile = mobile;
    p.password_hash = hash;
    p.is_public = true;
    SL_ASSIGN(int64_t id, insert_person(c, p, now));
    access::Caller self;
    self.person_id = id;
    SL_TRY(record_person(c, ledger_, self, "person.registered", id));
    return create_session(c, id, now);
  });
}

Status AccountsService::reset_password(const std::string& mobile, const std::string& code,
                                       const std::string& new_password) {
  if (!valid_mobile(mobile)) return Error::Invalid("invalid_mobile", "请输入正确的 11 位手机号");
  SL_TRY(check_password_policy(new_password));
  SL_ASSIGN(std::string hash, hasher_.hash(new_password));
  TimeMs now = clock_.now_ms();
  SL_TRY(db_.write([&](Conn& c) { return verify_code(c, mobile, "reset", code, now); }));
  return db_.write([&](Conn& c) -> Status {
    SL_ASSIGN(auto id, store::person_by_mobile(c, mobile));
    if (!id) return Error::Invalid("invalid_code", "验证码错误或已过期");
    SL_TRY(store::set_password_hash(c, *id, hash, now));
    return store::delete_sessions_of(c, *id);
  });
}

Status AccountsService::change_password(const access::Caller& caller, const std::string& old_pw,
                                        const std::string& new_pw) {
  SL_TRY(check_password_policy(new_pw));
  SL_ASSIGN(auto hash_row, db_.read_value<std::string>([&](Conn& c) -> Result<std::string> {
    SL_ASSIGN(auto r, c.query_one("SELECT password_hash FROM people WHERE id = ?", {caller.person_id}));
    return r ? r->str(0) : std::string();
  }));
  if (!hasher_.verify(hash_row, old_pw)) return Error{Code::kForbidden, "wrong_password", "原密码不正确", {}};
  SL_ASSIGN(std::string hash, hasher_.hash(new_pw));
  TimeMs now = clock_.now_ms();
  return db_.write([&](Conn& c) -> Status {
    SL_TRY(store::set_password_hash(c, caller.person_id, hash, now));
    // Other sessions end; this one stays.
    SL_TRY(c.exec("DELETE FROM sessions WHERE person_id = ? AND token_hash <> ?", {caller.person_id, caller.session_hash}));
    return Ok();
  });
}

Status AccountsService::set_password(int64_t person_id, const std::string& new_pw) {
  SL_TRY(check_password_policy(new_pw));
  SL_ASSIGN(std::string hash, hasher_.hash(new_pw));
  TimeMs now = clock_.now_ms();
  return db_.write([&](Conn& c) -> Status {
    SL_TRY(store::set_password_hash(c, person_id, hash, now));
    return store::delete_sessions_of(c, person_id);
  });
}

Result<boost::json::object> AccountsService::me(int64_t person_id) {
  SL_ASSIGN(auto o, db_.read_value<std::optional<boost::json::object>>([&](Conn& c) { return store::me(c, person_id); }));
  if (!o) return Error::NotFound("person_not_found", "人员不存在");
  return std::move(*o);
}

Status AccountsService::update_me(const access::Caller& caller, const boost::json::object& patch) {
  SL_ASSIGN(auto name, json::opt_string(patch, "display_name", 64));
  SL_ASSIGN(auto locale, json::opt_string(patch, "locale", 16));
  SL_ASSIGN(auto elderly, json::opt_bool(patch, "elderly_mode"));
  if (name) SL_TRY(check_display_name(*name));
  if (locale && *locale != "zh-CN" && *locale != "zh-TW" && *locale != "en")
    return Error::Invalid("invalid_locale", "locale 只能是 zh-CN、zh-TW 或 en");
  TimeMs now = clock_.now_ms();
  return db_.write([&](Conn& c) -> Status {
    SL_TRY(store::update_profile(c, caller.person_id, name, locale, elderly, now));
    if (name) SL_TRY(record_person(c, ledger_, caller, "person.updated", caller.person_id));
    return Ok();
  });
}

// ---- erasure of personal data (right to deletion) ---------------------------------------

Error person_gone(const ledger::Erasure& e) { return ledger::gone("person_erased", "该人员的个人信息", e); }

void AccountsService::add_erasure_step(ErasureStep step) { erasure_steps_.push_back(std::move(step)); }

Result<ledger::Erasure> AccountsService::erase_person(Conn& c, const access::Caller& actor, int64_t person_id) {
  SL_ASSIGN(auto p, store::erasable_person(c, person_id));
  if (!p) return Error::NotFound("person_not_found", "人员不存在");
  if (p->erased_at) {
    SL_ASSIGN(auto e, ledger_.erasure(c, "person", person_id));
    if (e) return person_gone(*e);
    return Error::NotFound("person_not_found", "人员不存在");
  }
  if (p->superadmin) {
    if (!actor.superadmin) return Error::Forbidden("只有平台管理员可以删除平台管理员的个人信息");
    SL_ASSIGN(int64_t others, store::count_other_superadmins(c, person_id));
    if (others == 0) return Error::Conflict("last_superadmin", "这是唯一的平台管理员，不能删除其个人信息");
  }
  const std::string_view reason = ledger::kReasonRightToDeletion;
  // Other modules' records first (memberships...), each with its own ledger entries.
  for (const auto& step : erasure_steps_) SL_TRY(step(c, actor, person_id, reason));
  SL_TRY(store::erase_personal_data(c, person_id, p->mobile, clock_.now_ms()));
  return ledger_.erase(c, actor, "person", person_id, reason);
}

Result<ledger::Erasure> AccountsService::erase_me(const access::Caller& caller, const std::string& password) {
  SL_ASSIGN(auto hash_row, db_.read_value<std::string>([&](Conn& c) -> Result<std::string> {
    SL_ASSIGN(auto r, c.query_one("SELECT password_hash FROM people WHERE id = ? AND erased_at IS NULL", {caller.person_id}));
    return r ? r->str(0) : std::string();
  }));
  if (!hasher_.verify(hash_row, password)) return Error{Code::kForbidden, "wrong_password", "密码不正确", {}};
  return db_.write_value<ledger::Erasure>([&](Conn& c) { return erase_person(c, caller, caller.person_id); });
}

}  // namespace sl::accounts
