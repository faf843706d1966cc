// The Dispatcher: claims due deliveries with a lease, sends them, records the outcome (see
// delivery.h for the protocol and its crash windows).
#include "modules/notifications/delivery.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>

#include "modules/notifications/delivery_store.h"
#include "modules/notifications/templates.h"

namespace sl::notifications {

using storage::Conn;

namespace {

constexpr TimeMs kMinute = 60'000;
constexpr int kDay = 24 * 60;

Result<int> parse_hhmm(std::string_view s) {
  auto bad = [&] { return Error::Invalid("invalid_quiet_hours", "免打扰时段格式应为 HH:MM-HH:MM"); };
  if (s.size() != 5 || s[2] != ':') return bad();
  int h = 0, m = 0;
  auto [p1, e1] = std::from_chars(s.data(), s.data() + 2, h);
  auto [p2, e2] = std::from_chars(s.data() + 3, s.data() + 5, m);
  if (e1 != std::errc() || e2 != std::errc() || p1 != s.data() + 2 || p2 != s.data() + 5 || h > 23 || m > 59)
    return bad();
  return h * 60 + m;
}

}  // namespace

Result<std::optional<QuietHours>> parse_quiet_hours(std::string_view s) {
  if (s.empty()) return std::optional<QuietHours>();
  if (s.size() != 11 || s[5] != '-') return Error::Invalid("invalid_quiet_hours", "免打扰时段格式应为 HH:MM-HH:MM");
  SL_ASSIGN(int start, parse_hhmm(s.substr(0, 5)));
  SL_ASSIGN(int end, parse_hhmm(s.substr(6, 5)));
  return std::optional<QuietHours>(QuietHours{start, end});
}

std::string format_minutes(int minutes) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", (minutes / 60) % 24, minutes % 60);
  return buf;
}

std::optional<TimeMs> quiet_until(const QuietHours& q, TimeMs now, int utc_offset_minutes) {
  if (q.start == q.end) return std::nullopt;
  TimeMs minute_start = now - ((now % kMinute) + kMinute) % kMinute;
  int64_t local = (minute_start / kMinute + utc_offset_minutes) % kDay;
  if (local < 0) local += kDay;
  int m = static_cast<int>(local);
  bool quiet = q.start < q.end ? (m >= q.start && m < q.end) : (m >= q.start || m < q.end);
  if (!quiet) return std::nullopt;
  int ahead = ((q.end - m) % kDay + kDay) % kDay;
  return minute_start + ahead * kMinute;
}

Dispatcher::Dispatcher(storage::Database& db, const Clock& clock, DispatcherOptions options)
    : db_(db), clock_(clock), opts_(std::move(options)) {}

Dispatcher::~Dispatcher() { stop(); }

void Dispatcher::set_channel(const std::string& name, Channel* channel) { channels_[name] = channel; }

TimeMs Dispatcher::retry_delay(int64_t id, int attempt) const {
  int64_t d = opts_.retry_base_ms;
  for (int i = 1; i < attempt && d < opts_.retry_max_ms; ++i) d *= 2;
  d = std::min<int64_t>(d, opts_.retry_max_ms);
  // Spread retries ±20% by delivery id, so a gateway that comes back is not hit all at once.
  uint64_t h = static_cast<uint64_t>(id) * 0x9E3779B97F4A7C15ull;
  int64_t permille = 800 + static_cast<int64_t>((h >> 33) % 401);
  return d * permille / 1000;
}

Result<std::vector<Outgoing>> Dispatcher::claim(TimeMs now) {
  std::vector<Outgoing> claimed;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    claimed.clear();  // the unit may run again (PostgreSQL retries)
    SL_ASSIGN(auto rows, store::due(c, now, opts_.batch));
    for (auto& row : rows) {
      // Quiet hours hold back SMS and e-mail that are not urgent; the inbox never waits.
      if (!row.urgent && row.m.channel != "inbox" && row.state == "pending") {
        // Their own quiet hours (start = end: none), or the platform's default.
        std::optional<QuietHours> q = opts_.default_quiet;
        if (row.has_prefs && row.quiet_start && row.quiet_end) q = QuietHours{*row.quiet_start, *row.quiet_end};
        if (q) {
          if (auto until = quiet_until(*q, now, opts_.utc_offset_minutes)) {
            SL_TRY(store::postpone(c, row.m.id, *until));
            continue;
          }
        }
      }
      // A lease that ran out on the last allowed attempt (its node died, or could not record
      // an outcome): give up rather than try for ever.
      if (row.state == "sending" && row.m.attempt >= opts_.max_attempts) {
        SL_ASSIGN(bool gave_up, store::abandon(c, row.m.id, row.m.attempt, now));
        if (gave_up) SL_TRY(store::lose_attempt(c, row.m.id, row.m.attempt, now));
        continue;
      }
      TimeMs lease_until = now + opts_.lease_ms;
      SL_ASSIGN(bool took, store::take(c, row.m.id, row.state, row.m.attempt, opts_.node, lease_until));
      if (!took) continue;
      if (row.state == "sending") SL_TRY(store::lose_attempt(c, row.m.id, row.m.attempt, now));
      Outgoing m = std::move(row.m);
      m.attempt += 1;
      m.lease_until = lease_until;
      SL_TRY(store::start_attempt(c, m.id, m.attempt, opts_.node, now));
      claimed.push_back(std::move(m));
    }
    return Ok();
  }));
  return claimed;
}

Status Dispatcher::record(const Outgoing& m, const SendResult& r, TimeMs now) {
  std::string state = "sent", outcome = "sent";
  TimeMs next = now;
  if (r.outcome == SendResult::kFailed) {
    state = outcome = "failed";
  } else if (r.outcome == SendResult::kRetry) {
    if (m.attempt >= opts_.max_attempts) {
      state = "failed";
      outcome = "failed";
    } else {
      state = "pending";
      outcome = "retry";
      next = now + retry_delay(m.id, m.attempt);
    }
  }
  std::string detail = r.detail.size() > 500 ? r.detail.substr(0, 500) : r.detail;
  bool ours = false;
  SL_TRY(db_.write([&](Conn& c) -> Status {
    SL_ASSIGN(ours, store::finish(c, m.id, opts_.node, m.attempt, state, next, state == "sent" ? "" : detail, now));
    if (ours) SL_TRY(store::finish_attempt(c, m.id, m.attempt, outcome, detail, now));
    return Ok();
  }));
  if (!ours)
    spdlog::warn("notify: delivery {} attempt {} finished after its lease ran out; another node owns it now", m.id,
                 m.attempt);
  return Ok();
}

Result<int> Dispatcher::run_once() {
  SL_ASSIGN(auto claimed, claim(clock_.now_ms()));
  int timeout = std::max(1, std::min(opts_.send_timeout_ms, opts_.lease_ms / 2));
  for (const Outgoing& m : claimed) {
    SendResult r;
    // A message we could no longer finish within our lease is left for the next claim.
    if (clock_.now_ms() + timeout > m.lease_until) {
      r = {SendResult::kRetry, "not started: the batch ran past its lease"};
    } else if (auto it = channels_.find(m.channel); it == channels_.end() || it->second == nullptr) {
      r = {SendResult::kFailed, "channel " + m.channel + " is not configured"};
    } else {
      try {
        r = it->second->send(m, timeout);
      } catch (const std::exception& e) {
        r = {SendResult::kRetry, std::string("channel threw: ") + e.what()};
      }
    }
    if (r.outcome != SendResult::kSent)
      spdlog::info("notify: delivery {} ({}) attempt {}: {}", m.id, m.channel, m.attempt, r.detail);
    SL_TRY(record(m, r, clock_.now_ms()));
  }
  return static_cast<int>(claimed.size());
}

void Dispatcher::start() {
  std::lock_guard lk(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    std::unique_lock lk(mu_);
    while (!stopping_) {
      lk.unlock();
      int n = 0;
      auto r = run_once();
      if (r.ok()) n = *r;
      else spdlog::warn("notify: delivery round failed: {}", r.error().message);
      lk.lock();
      if (n > 0 && !stopping_) continue;  // more may be due
      cv_.wait_for(lk, std::chrono::milliseconds(opts_.poll_interval_ms), [this] { return stopping_ || woken_; });
      woken_ = false;
    }
  });
}

void Dispatcher::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Dispatcher::wake() {
  {
    std::lock_guard lk(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

Result<int64_t> cleanup_deliveries(Conn& c, TimeMs before) { return store::delete_finished(c, before); }

}  // namespace sl::notifications
