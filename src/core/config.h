// Config: every setting of the server, with its default. Loaded from a TOML file
// (config/shangliang.example.toml documents every key), then SHANGLIANG_* environment
// variables, then command-line flags (--section.key=value); later sources win.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"

namespace sl {

struct ServerConfig {
  std::string host = "127.0.0.1";     // server.host
  int port = 8080;                    // server.port (PORT env also honoured)
  int threads = 2;                    // server.threads: network threads, one io_context each
  int worker_threads = 4;             // server.worker_threads: pool for blocking handlers
  int read_timeout_ms = 15000;        // server.read_timeout_ms: header+body must arrive in this
  int idle_timeout_ms = 60000;        // server.idle_timeout_ms: keep-alive idle limit
  int max_header_bytes = 16384;       // server.max_header_bytes
  int max_body_bytes = 4194304;       // server.max_body_bytes: request bodies (rosters of 20,000 fit)
  int pipeline_limit = 16;            // server.pipeline_limit: queued pipelined requests per connection
  int shutdown_grace_ms = 10000;      // server.shutdown_grace_ms: wait for in-flight requests
  std::string web_root = "web/dist";  // server.web_root: built web UI
  std::string public_url;             // server.public_url: e.g. https://zx.example.gov.cn (sets Secure cookies)
  int write_rate_per_second = 50;     // server.write_rate_per_second: writes per client address (0: no limit)
  int write_burst = 200;              // server.write_burst: writes a client address may make at once
};

struct DatabaseConfig {
  // database.url: "sqlite:var/shangliang.db" or "postgresql://user@host:port/db"
  std::string url = "sqlite:var/shangliang.db";
  int pool_size = 4;                  // database.pool_size: readers (SQLite) / connections (PostgreSQL)
  // database.durability: "process" (a kill -9 never loses an acknowledged write) or
  // "power" (also survives power loss: fsync per commit, grouped)
  std::string durability = "process";
  int busy_timeout_ms = 5000;         // database.busy_timeout_ms
  int group_commit_max = 64;          // database.group_commit_max: writes per grouped commit
};

struct AuthConfig {
  int session_ttl_hours = 24 * 14;        // auth.session_ttl_hours
  int login_max_failures_account = 5;     // auth.login_max_failures_account per window
  int login_max_failures_address = 20;    // auth.login_max_failures_address per window
  int login_window_seconds = 900;         // auth.login_window_seconds
  int sms_code_ttl_seconds = 600;         // auth.sms_code_ttl_seconds
  int sms_min_interval_seconds = 60;      // auth.sms_min_interval_seconds per mobile
  // auth.argon2_opslimit / auth.argon2_memlimit_kib: argon2id cost (libsodium "moderate"
  // is 3 / 262144); tests lower it.
  int argon2_opslimit = 2;
  int argon2_memlimit_kib = 65536;
};

struct NotifyConfig {
  // notify.sms_adapter: "outbox" (development: JSON lines in outbox_path) or "http" (a generic
  // HTTP gateway: sms_http_*)
  std::string sms_adapter = "outbox";
  std::string outbox_path = "var/outbox.jsonl";  // notify.outbox_path: the development outbox (SMS and e-mail)
  // notify.sms_http_url: the gateway's URL (http or https); each message is one POST to it
  std::string sms_http_url;
  // notify.sms_http_body: the POST body; {to} {text} {id} are replaced (JSON-escaped when the
  // content type is JSON, URL-encoded otherwise). {id} is the idempotency key of the message.
  std::string sms_http_body = R"({"to":"{to}","text":"{text}","id":"{id}"})";
  std::string sms_http_content_type = "application/json";  // notify.sms_http_content_type
  std::string sms_http_authorization;  // notify.sms_http_authorization: Authorization header value, if any
  std::string sms_signature = "商量";  // notify.sms_signature: the 【signature】 SMS texts begin with
  // notify.email_adapter: "outbox" (development), "smtp" (smtp_*) or "off" (no e-mail channel)
  std::string email_adapter = "outbox";
  // notify.smtp_url: smtp://host:587 (STARTTLS when offered; smtp_require_tls demands it) or
  // smtps://host:465
  std::string smtp_url;
  std::string smtp_from;      // notify.smtp_from: the sender address, e.g. noreply@zx.example.gov.cn
  std::string smtp_user;      // notify.smtp_user: login, if the server wants one
  std::string smtp_password;  // notify.smtp_password
  bool smtp_require_tls = false;  // notify.smtp_require_tls: refuse to send without TLS
  int poll_interval_ms = 1000;    // notify.poll_interval_ms: how often the sender looks for due deliveries
  // notify.lease_ms: a claimed delivery belongs to its node this long; after that another node
  // may claim it (the first one died). An attempt never takes more than half of it.
  int lease_ms = 60000;
  int send_timeout_ms = 15000;    // notify.send_timeout_ms: one attempt at most this long (and lease_ms / 2)
  int max_attempts = 8;           // notify.max_attempts: then the delivery is marked failed
  int retry_base_ms = 30000;      // notify.retry_base_ms: first retry after this, doubling each time
  int retry_max_ms = 3600000;     // notify.retry_max_ms: longest wait between attempts
  int batch = 8;                  // notify.batch: deliveries claimed at once
  // notify.utc_offset_minutes: local time of quiet hours (China: +480, no daylight saving)
  int utc_offset_minutes = 480;
  // notify.default_quiet_hours: "HH:MM-HH:MM" local, for people who chose none; "" = none.
  // Non-urgent SMS and e-mail wait until the quiet period ends; the in-app inbox never waits.
  std::string default_quiet_hours = "22:00-07:00";
  int keep_days = 30;             // notify.keep_days: finished deliveries and their attempts are kept this long
  int cleanup_interval_ms = 3600000;  // notify.cleanup_interval_ms: how often the clean-up job runs (scheduler)
};

struct SchedulerConfig {
  bool enabled = true;       // scheduler.enabled: run once-per-cluster jobs on this node (when it holds the lock)
  // scheduler.lock_retry_ms: a standby node tries to take the cluster lock this often, and the
  // holder checks it still has it; a stopped node's jobs move within about this long
  int lock_retry_ms = 3000;
  int tick_ms = 1000;        // scheduler.tick_ms: how often the holder looks for due jobs
  std::string node_name;     // scheduler.node_name: this node's name in job records; "" = host:pid
};

struct LedgerConfig {
  // ledger.origin: the log's name in its checkpoints (C2SP tlog-checkpoint origin line),
  // e.g. "zx.example.gov.cn/ledger". Keep it stable for the life of the log.
  std::string origin = "shangliang.local/ledger";
  int checkpoint_interval_ms = 2000;  // ledger.checkpoint_interval_ms: how often new entries are signed
  // ledger.witnesses: the witnesses whose cosignatures the platform accepts, as C2SP
  // tlog-cosignature/v1 verifier keys ("<name>+<key id>+<base64>", what `shangliang witness
  // key` prints). A TOML array of strings; in flags and environment variables, separated by
  // commas. Empty: no witnesses.
  std::vector<std::string> witnesses;
};

struct LiveConfig {
  int queue_max_frames = 256;          // live.queue_max_frames: frames waiting per connection; more: resync
  int queue_max_bytes = 1048576;       // live.queue_max_bytes: bytes waiting per connection; more: resync
  int max_message_bytes = 4096;        // live.max_message_bytes: largest client message (larger: close 1009)
  int ping_interval_ms = 30000;        // live.ping_interval_ms: ping a connection quiet this long
  int idle_timeout_ms = 75000;         // live.idle_timeout_ms: close a connection silent this long
  int presence_interval_ms = 1000;     // live.presence_interval_ms: presence frames per room at most this often
  int max_rooms_per_connection = 16;   // live.max_rooms_per_connection
  int bench_publish_per_second = 0;    // live.bench_publish_per_second: bench/live.sh only; 0 = off
};

struct ModerationConfig {
  // moderation.sensitive_words_path: the sensitive-word list posts are screened against, one
  // word per line; "" = the baseline list built into the program (config/sensitive-words.txt)
  std::string sensitive_words_path;
  // moderation.sensitive_action: "reject" (the post is refused, naming the words) or "hold"
  // (the post is kept for a moderator and not shown until approved)
  std::string sensitive_action = "reject";
};

struct AttachmentsConfig {
  // attachments.dir: where uploaded files live, content-addressed (<dir>/<sha256[0:2]>/<sha256>);
  // empty: <data_dir>/uploads. Several nodes may share it (a network file system).
  std::string dir;
  int max_document_bytes = 20 * 1024 * 1024;  // attachments.max_document_bytes: PDF, Office, text
  int max_image_bytes = 10 * 1024 * 1024;     // attachments.max_image_bytes: JPEG, PNG, WebP, GIF
  int max_voice_bytes = 10 * 1024 * 1024;     // attachments.max_voice_bytes: recorded voice, audio
  int max_image_pixels = 40000000;            // attachments.max_image_pixels: larger images are refused
  // attachments.daily_quota_bytes: what one person may upload in 24 hours (0: no quota)
  int daily_quota_bytes = 200 * 1024 * 1024;
  // attachments.unattached_ttl_hours: uploads never attached to anything are removed after this
  int unattached_ttl_hours = 24;
};

struct DeliberationConfig {
  // deliberation.author_delete_window_minutes: authors may delete their own posts this long
  // after posting; afterwards only moderation can take a post down.
  int author_delete_window_minutes = 30;
  // deliberation.page_cache_mb: rendered pages of posts kept for anonymous readers, keyed on
  // the deliberation's latest event and the directory version (never stale); 0: no cache.
  int page_cache_mb = 32;
};

struct CasesConfig {
  // cases.yellow_card_working_days: a case still unanswered this many working days (or fewer)
  // before its deadline gets a yellow card (黄牌); past the deadline, a red card (红牌).
  int yellow_card_working_days = 3;
  // cases.sweep_interval_seconds: how often the deadline sweep (cards, due-soon and overdue
  // notices) runs, as a scheduler job on the one node holding the scheduler lock; 0 = never.
  int sweep_interval_seconds = 300;
  // cases.test_clock: tests only. true: the server's clock can be moved forward through
  // POST /api/v1/testing/clock (superadmin), so a browser test can watch a deadline pass.
  // Never turn it on in production.
  bool test_clock = false;
};

struct MeetingsConfig {
  // meetings.checkin_open_before_min: a venue's check-in QR code is valid from this many
  // minutes before the meeting starts until it ends.
  int checkin_open_before_min = 60;
  // meetings.late_after_min: checking in (or joining remotely) later than this many minutes
  // after the start is recorded as late (迟到).
  int late_after_min = 15;
  // meetings.comment_per_person_per_min / comment_per_ip_per_min: public comments accepted
  // per person and per network address in any minute (then 429 with Retry-After); per node.
  int comment_per_person_per_min = 6;
  int comment_per_ip_per_min = 30;
  // meetings.reminder_before_min: invitees get a reminder this many minutes before the start
  // (a scheduler job; 0 = no reminders).
  int reminder_before_min = 1440;
  // meetings.comment_max_chars: the longest public comment, in characters.
  int comment_max_chars = 500;
};

struct LogConfig {
  std::string level = "info";  // log.level: trace, debug, info, warn, error
  bool access_log = true;      // log.access_log: JSON line per request
};

struct Config {
  ServerConfig server;
  DatabaseConfig database;
  AuthConfig auth;
  NotifyConfig notify;
  SchedulerConfig scheduler;
  LedgerConfig ledger;
  LiveConfig live;
  ModerationConfig moderation;
  AttachmentsConfig attachments;
  DeliberationConfig deliberation;
  CasesConfig cases;
  MeetingsConfig meetings;
  LogConfig log;
  std::string data_dir = "var";  // data_dir: keys, uploads, outbox
};

// Applies "section.key" = "value" to cfg. Unknown keys are errors.
Status apply_setting(Config& cfg, const std::string& key, const std::string& value);
// Loads a TOML file into cfg (missing file is an error).
Status load_config_file(Config& cfg, const std::string& path);
// Every key, as "section.key".
std::vector<std::string> config_keys();
// Applies SHANGLIANG_SECTION_KEY variables (and PORT) from the environment.
Status apply_environment(Config& cfg, char** envp);

}  // namespace sl
