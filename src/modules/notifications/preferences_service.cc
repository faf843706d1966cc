// Preferences use cases: read and change one's own, each in one unit of work.
#include <boost/json.hpp>

#include "core/json.h"
#include "modules/notifications/delivery_store.h"
#include "modules/notifications/email.h"
#include "modules/notifications/inbox_store.h"
#include "modules/notifications/preferences.h"
#include "modules/notifications/templates.h"

namespace sl::notifications {

namespace bj = boost::json;
using storage::Conn;

namespace {

bj::array channel_list(unsigned bits) {
  bj::array a{"inbox"};
  if (bits & kChannelSms) a.push_back("sms");
  if (bits & kChannelEmail) a.push_back("email");
  return a;
}

// The person's choices as kind → bits (only kinds they have chosen for).
std::map<std::string, unsigned, std::less<>> parse_choices(std::string_view json_text) {
  std::map<std::string, unsigned, std::less<>> out;
  boost::system::error_code ec;
  bj::value v = bj::parse(json_text, ec);
  if (ec || !v.is_object()) return out;
  for (const auto& [kind, list] : v.as_object()) {
    if (!list.is_array()) continue;
    unsigned bits = 0;
    for (const auto& ch : list.as_array()) {
      if (ch.is_string() && ch.as_string() == "sms") bits |= kChannelSms;
      if (ch.is_string() && ch.as_string() == "email") bits |= kChannelEmail;
    }
    out[std::string(kind)] = bits;
  }
  return out;
}

std::string quiet_text(const QuietHours& q) {
  if (q.start == q.end) return "";
  return format_minutes(q.start) + "-" + format_minutes(q.end);
}

}  // namespace

PreferencesService::PreferencesService(storage::Database& db, const Clock& clock, PreferencesOptions options)
    : db_(db), clock_(clock), opts_(std::move(options)) {}

Result<bj::object> PreferencesService::get(const access::Caller& caller) {
  if (caller.person_id <= 0) return Error::Unauthenticated();
  SL_ASSIGN(auto who, db_.read_value<std::optional<store::Recipient>>(
                          [&](Conn& c) { return store::recipient(c, caller.person_id); }));
  if (!who) return Error::NotFound("person_not_found", "用户不存在");
  auto choices = parse_choices(who->has_prefs ? who->channels_json : "{}");
  bj::array kinds_out;
  for (const auto& k : kinds()) {
    auto it = choices.find(k.kind);
    unsigned bits = it == choices.end() ? k.default_channels : it->second;
    kinds_out.push_back(bj::object{{"kind", k.kind},
                                   {"urgent", k.urgent},
                                   {"channels", channel_list(bits)},
                                   {"default_channels", channel_list(k.default_channels)}});
  }
  bool chosen = who->has_prefs && who->quiet_start && who->quiet_end;
  std::string quiet = chosen ? quiet_text(QuietHours{*who->quiet_start, *who->quiet_end})
                             : (opts_.default_quiet ? quiet_text(*opts_.default_quiet) : "");
  return bj::object{
      {"email", who->email},
      {"has_mobile", !who->mobile.empty()},
      {"quiet_hours", quiet},
      {"quiet_hours_default", !chosen},
      {"utc_offset_minutes", opts_.utc_offset_minutes},
      {"channels_available",
       bj::object{{"inbox", true}, {"sms", !who->mobile.empty()}, {"email", opts_.email_enabled}}},
      {"kinds", std::move(kinds_out)},
  };
}

Result<bj::object> PreferencesService::update(const access::Caller& caller, const bj::object& body) {
  if (caller.person_id <= 0) return Error::Unauthenticated();
  for (const auto& [key, _] : body)
    if (key != "email" && key != "quiet_hours" && key != "channels")
      return Error::Invalid("unknown_field", "不认识的字段: " + std::string(key));
  SL_ASSIGN(auto email, json::opt_string(body, "email", 254));
  if (email && !email->empty() && !valid_email(*email)) return Error::Invalid("invalid_email", "电子邮箱地址无效");
  // quiet_hours: absent = unchanged; null = the default; "" = none; "HH:MM-HH:MM".
  bool quiet_given = body.contains("quiet_hours");
  std::optional<int> qs, qe;
  if (quiet_given && !body.at("quiet_hours").is_null()) {
    if (!body.at("quiet_hours").is_string())
      return Error::Invalid("invalid_quiet_hours", "quiet_hours 须为 \"HH:MM-HH:MM\"、\"\" 或 null");
    SL_ASSIGN(auto q, parse_quiet_hours(body.at("quiet_hours").as_string()));
    if (q) {
      qs = q->start;
      qe = q->end;
    } else {
      qs = qe = 0;  // explicitly none
    }
  }
  std::map<std::string, unsigned, std::less<>> changes;
  if (const bj::value* ch = body.if_contains("channels")) {
    if (!ch->is_object()) return Error::Invalid("invalid_channels", "channels 须为对象：{类型: [渠道...]}");
    for (const auto& [kind, list] : ch->as_object()) {
      if (!find_kind(kind)) return Error::Invalid("unknown_kind", "没有这种通知类型: " + std::string(kind));
      if (!list.is_array()) return Error::Invalid("invalid_channels", "每种通知的渠道须为数组");
      unsigned bits = 0;
      for (const auto& c : list.as_array()) {
        if (!c.is_string()) return Error::Invalid("invalid_channels", "渠道须为 inbox、sms 或 email");
        std::string_view n = c.as_string();
        if (n == "sms") bits |= kChannelSms;
        else if (n == "email") bits |= kChannelEmail;
        else if (n != "inbox") return Error::Invalid("invalid_channels", "渠道须为 inbox、sms 或 email");
      }
      changes[std::string(kind)] = bits;
    }
  }
  TimeMs now = clock_.now_ms();
  SL_TRY(db_.write([&](Conn& c) -> Status {
    SL_ASSIGN(auto who, store::recipient(c, caller.person_id));
    if (!who) return Error::NotFound("person_not_found", "用户不存在");
    std::string new_email = email ? *email : who->email;
    std::optional<int> start = who->quiet_start, end = who->quiet_end;
    if (quiet_given) {
      start = qs;
      end = qe;
    }
    auto choices = parse_choices(who->has_prefs ? who->channels_json : "{}");
    for (const auto& [k, bits] : changes) choices[k] = bits;
    bj::object saved;
    for (const auto& [k, bits] : choices) {
      bj::array a = channel_list(bits);
      a.erase(a.begin());  // the inbox is implied
      saved[k] = std::move(a);
    }
    return store::save_prefs(c, caller.person_id, new_email, bj::serialize(saved), start, end, now);
  }));
  return get(caller);
}

Result<bj::object> PreferencesService::deliveries(const access::Caller& caller, int64_t notification_id) {
  if (caller.person_id <= 0) return Error::Unauthenticated();
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(auto item, store::find(c, caller.person_id, notification_id));
    if (!item) return Error::NotFound("notification_not_found", "消息不存在");
    SL_ASSIGN(bj::array items, store::deliveries_of(c, caller.person_id, notification_id));
    return bj::object{{"items", std::move(items)}};
  });
}

}  // namespace sl::notifications
