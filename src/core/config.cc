// Config loading: one table of keys, used by the TOML file, the environment and flags alike.
#include "core/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <functional>
#include <map>

namespace sl {

namespace {

using Setter = std::function<Status(Config&, const std::string&)>;

Status parse_int(const std::string& key, const std::string& v, int& out) {
  int x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || p != v.data() + v.size()) return Error::Invalid("bad_config", key + " 需要整数，得到 '" + v + "'");
  out = x;
  return Ok();
}

Status parse_bool(const std::string& key, const std::string& v, bool& out) {
  if (v == "true" || v == "1" || v == "yes" || v == "on") out = true;
  else if (v == "false" || v == "0" || v == "no" || v == "off") out = false;
  else return Error::Invalid("bad_config", key + " 需要 true/false，得到 '" + v + "'");
  return Ok();
}

#define SL_INT(k, field) {k, [](Config& c, const std::string& v) { return parse_int(k, v, c.field); }}
#define SL_BOOL(k, field) {k, [](Config& c, const std::string& v) { return parse_bool(k, v, c.field); }}
#define SL_STR(k, field) {k, [](Config& c, const std::string& v) { c.field = v; return Ok(); }}
#define SL_LIST(k, field) {k, [](Config& c, const std::string& v) { c.field = split_list(v); return Ok(); }}

// A list setting given as one string: items separated by commas (and/or white space).
std::vector<std::string> split_list(const std::string& v) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : v) {
    if (ch == ',' || std::isspace(static_cast<unsigned char>(ch))) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(ch);
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> m = {
      SL_STR("server.host", server.host),
      SL_INT("server.port", server.port),
      SL_INT("server.threads", server.threads),
      SL_INT("server.worker_threads", server.worker_threads),
      SL_INT("server.read_timeout_ms", server.read_timeout_ms),
      SL_INT("server.idle_timeout_ms", server.idle_timeout_ms),
      SL_INT("server.max_header_bytes", server.max_header_bytes),
      SL_INT("server.max_body_bytes", server.max_body_bytes),
      SL_INT("server.pipeline_limit", server.pipeline_limit),
      SL_INT("server.shutdown_grace_ms", server.shutdown_grace_ms),
      SL_STR("server.web_root", server.web_root),
      SL_STR("server.public_url", server.public_url),
      SL_INT("server.write_rate_per_second", server.write_rate_per_second),
      SL_INT("server.write_burst", server.write_burst),
      SL_STR("database.url", database.url),
      SL_INT("database.pool_size", database.pool_size),
      SL_STR("database.durability", database.durability),
      SL_INT("database.busy_timeout_ms", database.busy_timeout_ms),
      SL_INT("database.group_commit_max", database.group_commit_max),
      SL_INT("auth.session_ttl_hours", auth.session_ttl_hours),
      SL_INT("auth.login_max_failures_account", auth.login_max_failures_account),
      SL_INT("auth.login_max_failures_address", auth.login_max_failures_address),
      SL_INT("auth.login_window_seconds", auth.login_window_seconds),
      SL_INT("auth.sms_code_ttl_seconds", auth.sms_code_ttl_seconds),
      SL_INT("auth.sms_min_interval_seconds", auth.sms_min_interval_seconds),
      SL_INT("auth.argon2_opslimit", auth.argon2_opslimit),
      SL_INT("auth.argon2_memlimit_kib", auth.argon2_memlimit_kib),
      SL_STR("notify.sms_adapter", notify.sms_adapter),
      SL_STR("notify.outbox_path", notify.outbox_path),
      SL_STR("notify.sms_http_url", notify.sms_http_url),
      SL_STR("notify.sms_http_body", notify.sms_http_body),
      SL_STR("notify.sms_http_content_type", notify.sms_http_content_type),
      SL_STR("notify.sms_http_authorization", notify.sms_http_authorization),
      SL_STR("notify.sms_signature", notify.sms_signature),
      SL_STR("notify.email_adapter", notify.email_adapter),
      SL_STR("notify.smtp_url", notify.smtp_url),
      SL_STR("notify.smtp_from", notify.smtp_from),
      SL_STR("notify.smtp_user", notify.smtp_user),
      SL_STR("notify.smtp_password", notify.smtp_password),
      SL_BOOL("notify.smtp_require_tls", notify.smtp_require_tls),
      SL_INT("notify.poll_interval_ms", notify.poll_interval_ms),
      SL_INT("notify.lease_ms", notify.lease_ms),
      SL_INT("notify.send_timeout_ms", notify.send_timeout_ms),
      SL_INT("notify.max_attempts", notify.max_attempts),
      SL_INT("notify.retry_base_ms", notify.retry_base_ms),
      SL_INT("notify.retry_max_ms", notify.retry_max_ms),
      SL_INT("notify.batch", notify.batch),
      SL_INT("notify.utc_offset_minutes", notify.utc_offset_minutes),
      SL_STR("notify.default_quiet_hours", notify.default_quiet_hours),
      SL_INT("notify.keep_days", notify.keep_days),
      SL_INT("notify.cleanup_interval_ms", notify.cleanup_interval_ms),
      SL_BOOL("scheduler.enabled", scheduler.enabled),
      SL_INT("scheduler.lock_retry_ms", scheduler.lock_retry_ms),
      SL_INT("scheduler.tick_ms", scheduler.tick_ms),
      SL_STR("scheduler.node_name", scheduler.node_name),
      SL_STR("ledger.origin", ledger.origin),
      SL_INT("ledger.checkpoint_interval_ms", ledger.checkpoint_interval_ms),
      SL_LIST("ledger.witnesses", ledger.witnesses),
      SL_INT("live.queue_max_frames", live.queue_max_frames),
      SL_INT("live.queue_max_bytes", live.queue_max_bytes),
      SL_INT("live.max_message_bytes", live.max_message_bytes),
      SL_INT("live.ping_interval_ms", live.ping_interval_ms),
      SL_INT("live.idle_timeout_ms", live.idle_timeout_ms),
      SL_INT("live.presence_interval_ms", live.presence_interval_ms),
      SL_INT("live.max_rooms_per_connection", live.max_rooms_per_connection),
      SL_INT("live.bench_publish_per_second", live.bench_publish_per_second),
      SL_STR("moderation.sensitive_words_path", moderation.sensitive_words_path),
      SL_STR("moderation.sensitive_action", moderation.sensitive_action),
      SL_STR("attachments.dir", attachments.dir),
      SL_INT("attachments.max_document_bytes", attachments.max_document_bytes),
      SL_INT("attachments.max_image_bytes", attachments.max_image_bytes),
      SL_INT("attachments.max_voice_bytes", attachments.max_voice_bytes),
      SL_INT("attachments.max_image_pixels", attachments.max_image_pixels),
      SL_INT("attachments.daily_quota_bytes", attachments.daily_quota_bytes),
      SL_INT("attachments.unattached_ttl_hours", attachments.unattached_ttl_hours),
      SL_INT("deliberation.author_delete_window_minutes", deliberation.author_delete_window_minutes),
      SL_INT("cases.yellow_card_working_days", cases.yellow_card_working_days),
      SL_INT("cases.sweep_interval_seconds", cases.sweep_interval_seconds),
      SL_BOOL("cases.test_clock", cases.test_clock),
      SL_INT("meetings.checkin_open_before_min", meetings.checkin_open_before_min),
      SL_INT("meetings.late_after_min", meetings.late_after_min),
      SL_INT("meetings.comment_per_person_per_min", meetings.comment_per_person_per_min),
      SL_INT("meetings.comment_per_ip_per_min", meetings.comment_per_ip_per_min),
      SL_INT("meetings.reminder_before_min", meetings.reminder_before_min),
      SL_INT("meetings.comment_max_chars", meetings.comment_max_chars),
      SL_INT("deliberation.page_cache_mb", deliberation.page_cache_mb),
      SL_STR("log.level", log.level),
      SL_BOOL("log.access_log", log.access_log),
      SL_STR("data_dir", data_dir),
  };
  return m;
}

#undef SL_INT
#undef SL_BOOL
#undef SL_STR
#undef SL_LIST

Status validate(const Config& c) {
  if (c.database.durability != "process" && c.database.durability != "power")
    return Error::Invalid("bad_config", "database.durability 只能是 process 或 power");
  if (c.moderation.sensitive_action != "reject" && c.moderation.sensitive_action != "hold")
    return Error::Invalid("bad_config", "moderation.sensitive_action 只能是 reject 或 hold");
  if (c.server.port < 0 || c.server.port > 65535) return Error::Invalid("bad_config", "server.port 超出范围");
  if (c.server.threads < 1 || c.server.worker_threads < 1) return Error::Invalid("bad_config", "线程数至少为 1");
  if (c.live.queue_max_frames < 1 || c.live.queue_max_bytes < 1024 || c.live.max_message_bytes < 128 ||
      c.live.ping_interval_ms < 100 || c.live.idle_timeout_ms < c.live.ping_interval_ms ||
      c.live.presence_interval_ms < 10 || c.live.max_rooms_per_connection < 1 || c.live.bench_publish_per_second < 0)
    return Error::Invalid("bad_config", "live.* 配置超出范围（见 config/shangliang.example.toml）");
  const AttachmentsConfig& a = c.attachments;
  if (a.max_document_bytes < 1 || a.max_image_bytes < 1 || a.max_voice_bytes < 1 || a.max_image_pixels < 1)
    return Error::Invalid("bad_config", "attachments 的大小上限须为正数");
  if (a.daily_quota_bytes < 0 || a.unattached_ttl_hours < 1)
    return Error::Invalid("bad_config", "attachments.daily_quota_bytes 不能为负，unattached_ttl_hours 至少为 1");
  const NotifyConfig& n = c.notify;
  if (n.sms_adapter != "outbox" && n.sms_adapter != "http")
    return Error::Invalid("bad_config", "notify.sms_adapter 只能是 outbox 或 http");
  if (n.email_adapter != "outbox" && n.email_adapter != "smtp" && n.email_adapter != "off")
    return Error::Invalid("bad_config", "notify.email_adapter 只能是 outbox、smtp 或 off");
  if (n.poll_interval_ms < 10 || n.send_timeout_ms < 100 || n.lease_ms < 200 || n.max_attempts < 1 ||
      n.retry_base_ms < 1 || n.retry_max_ms < n.retry_base_ms || n.batch < 1 || n.utc_offset_minutes < -720 ||
      n.utc_offset_minutes > 840 || n.keep_days < 1 || n.cleanup_interval_ms < 100)
    return Error::Invalid("bad_config", "notify.* 配置超出范围（见 config/shangliang.example.toml）");
  if (c.scheduler.lock_retry_ms < 100 || c.scheduler.tick_ms < 10)
    return Error::Invalid("bad_config", "scheduler.lock_retry_ms 至少 100，scheduler.tick_ms 至少 10");
  if (c.deliberation.author_delete_window_minutes < 0)
    return Error::Invalid("bad_config", "deliberation.author_delete_window_minutes 不能为负数");
  if (c.cases.yellow_card_working_days < 1 || c.cases.yellow_card_working_days > 30 || c.cases.sweep_interval_seconds < 0)
    return Error::Invalid("bad_config", "cases.yellow_card_working_days 须在 1 到 30 之间，sweep_interval_seconds 不能为负");
  {
    const auto& m = c.meetings;
    if (m.checkin_open_before_min < 0 || m.checkin_open_before_min > 1440 || m.late_after_min < 0 || m.late_after_min > 1440 ||
        m.comment_per_person_per_min < 0 || m.comment_per_ip_per_min < 0 || m.reminder_before_min < 0 ||
        m.reminder_before_min > 43200 || m.comment_max_chars < 1 || m.comment_max_chars > 5000)
      return Error::Invalid("bad_config", "meetings.* 配置超出范围（见 config/shangliang.example.toml）");
  }
  if (c.deliberation.page_cache_mb < 0 || c.deliberation.page_cache_mb > 4096)
    return Error::Invalid("bad_config", "deliberation.page_cache_mb 须在 0 到 4096 之间");
  return Ok();
}

}  // namespace

Status apply_setting(Config& cfg, const std::string& key, const std::string& value) {
  auto it = setters().find(key);
  if (it == setters().end()) return Error::Invalid("bad_config", "未知的配置项: " + key);
  SL_TRY(it->second(cfg, value));
  return validate(cfg);
}

std::vector<std::string> config_keys() {
  std::vector<std::string> out;
  for (const auto& [k, _] : setters()) out.push_back(k);
  return out;
}

Status load_config_file(Config& cfg, const std::string& path) {
  toml::table tbl;
  try {
    tbl = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Error::Invalid("bad_config", "无法读取配置文件 " + path + ": " + std::string(e.description()));
  }
  Status st;
  std::function<void(const toml::table&, const std::string&)> walk = [&](const toml::table& t, const std::string& prefix) {
    for (auto&& [k, node] : t) {
      if (!st.ok()) return;
      std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
      if (auto* sub = node.as_table()) {
        walk(*sub, key);
        continue;
      }
      std::string v;
      if (auto s = node.value<std::string>()) v = *s;
      else if (auto i = node.value<int64_t>()) v = std::to_string(*i);
      else if (auto b = node.value<bool>()) v = *b ? "true" : "false";
      else if (auto* arr = node.as_array()) {
        // Lists of strings (ledger.witnesses) travel as one comma-separated value.
        for (auto&& item : *arr) {
          auto s = item.value<std::string>();
          if (!s) {
            st = Error::Invalid("bad_config", key + " 只能是字符串列表");
            return;
          }
          if (!v.empty()) v += ",";
          v += *s;
        }
      } else {
        st = Error::Invalid("bad_config", "配置项类型不支持: " + key);
        return;
      }
      st = apply_setting(cfg, key, v);
    }
  };
  walk(tbl, "");
  return st;
}

Status apply_environment(Config& cfg, char** envp) {
  static const char* kSections[] = {"server", "database", "auth", "notify", "scheduler", "ledger", "live", "moderation", "attachments", "deliberation", "cases", "meetings", "log"};
  for (char** e = envp; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    std::string name = kv.substr(0, eq), value = kv.substr(eq + 1);
    if (name == "PORT") {
      SL_TRY(apply_setting(cfg, "server.port", value));
      continue;
    }
    constexpr std::string_view kPrefix = "SHANGLIANG_";
    if (name.rfind(kPrefix, 0) != 0) continue;
    std::string rest = name.substr(kPrefix.size());
    std::transform(rest.begin(), rest.end(), rest.begin(), [](unsigned char c) { return std::tolower(c); });
    std::string key = rest;
    for (const char* s : kSections) {
      std::string p = std::string(s) + "_";
      if (rest.rfind(p, 0) == 0) {
        key = std::string(s) + "." + rest.substr(p.size());
        break;
      }
    }
    if (setters().count(key) == 0) continue;  // other SHANGLIANG_* variables (e.g. SHANGLIANG_BIN) are not config
    SL_TRY(apply_setting(cfg, key, value));
  }
  return Ok();
}

}  // namespace sl
