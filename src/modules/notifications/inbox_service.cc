// Inbox use cases: notify (inside another module's transaction), and reading and marking
// one's own notifications, each in one unit of work.
#include <boost/json.hpp>

#include <chrono>
#include <limits>

#include "core/json.h"
#include "modules/common/markdown.h"
#include "modules/common/route_util.h"
#include "modules/notifications/inbox.h"
#include "modules/notifications/delivery_store.h"
#include "modules/notifications/inbox_store.h"

namespace sl::notifications {

using storage::Conn;

namespace {

bool valid_kind(std::string_view kind) {
  if (kind.empty() || kind.size() > 40) return false;
  for (char ch : kind)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-')) return false;
  return true;
}

// A path inside the web app: "/..." but not "//host" or "/\host" (which browsers read as
// another site), no control characters or spaces.
bool valid_link(std::string_view link) {
  if (link.empty()) return true;
  if (link.size() > kMaxLinkBytes || link.front() != '/') return false;
  if (link.size() > 1 && (link[1] == '/' || link[1] == '\\')) return false;
  for (char ch : link) {
    auto u = static_cast<unsigned char>(ch);
    if (u <= 0x20 || u == 0x7f || ch == '\\') return false;
  }
  return true;
}

std::string trimmed(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// The channels besides the inbox that `r` wants for `kind` (their own choice, else the kind's
// defaults); kinds without a template reach the inbox only.
unsigned chosen_channels(std::string_view kind, const store::Recipient& r) {
  const KindInfo* k = find_kind(kind);
  if (!k) return 0;
  unsigned bits = k->default_channels;
  if (r.has_prefs) {
    boost::system::error_code ec;
    bj::value v = bj::parse(r.channels_json, ec);
    if (!ec && v.is_object()) {
      if (const bj::value* list = v.as_object().if_contains(kind); list && list->is_array()) {
        bits = 0;
        for (const auto& ch : list->as_array()) {
          if (!ch.is_string()) continue;
          if (ch.as_string() == "sms") bits |= kChannelSms;
          if (ch.as_string() == "email") bits |= kChannelEmail;
        }
      }
    }
  }
  return bits;
}

// The notification and its deliveries, inside the caller's transaction.
Status deliver(Conn& c, TimeMs at, int64_t person_id, std::string_view kind, std::string_view title,
               std::string_view body, std::string_view link, const std::optional<store::Recipient>& who) {
  if (!valid_link(link)) return Error::Invalid("invalid_link", "通知链接须为站内路径");
  if (!json::utf8_length(title) || !json::utf8_length(body)) return Error::Invalid("invalid_text", "通知不是合法的 UTF-8 文本");
  std::string t = markdown::truncate(trimmed(title), kMaxTitleChars);
  if (t.empty()) return Error::Invalid("invalid_title", "通知标题不能为空");
  std::string b = markdown::truncate(trimmed(body), kMaxBodyChars);
  SL_ASSIGN(int64_t id, store::insert(c, person_id, kind, t, b, link, at));
  SL_TRY(store::prune(c, person_id, kInboxCap));
  if (!who) return Ok();  // unreachable: the insert's foreign key refuses an unknown person
  const KindInfo* k = find_kind(kind);
  store::NewDelivery d;
  d.notification_id = id;
  d.person_id = person_id;
  d.kind = std::string(kind);
  d.urgent = k && k->urgent;
  d.locale = std::string(normal_locale(who->locale));
  d.subject = t;
  d.body = b;
  d.link = std::string(link);
  d.channel = "inbox";
  SL_TRY(store::insert_delivery(c, d, at));
  if (!who->active) return Ok();
  unsigned bits = chosen_channels(kind, *who);
  if ((bits & kChannelSms) && !who->mobile.empty()) {
    d.channel = "sms";
    d.address = who->mobile;
    SL_TRY(store::insert_delivery(c, d, at));
  }
  if ((bits & kChannelEmail) && !who->email.empty()) {
    d.channel = "email";
    d.address = who->email;
    SL_TRY(store::insert_delivery(c, d, at));
  }
  return Ok();
}

Status check_common(int64_t person_id, std::string_view kind) {
  if (person_id <= 0) return Error::Invalid("invalid_person", "通知的接收人无效");
  if (!valid_kind(kind)) return Error::Invalid("invalid_kind", "通知类型无效");
  return Ok();
}

}  // namespace

Status notify_at(Conn& c, TimeMs at, int64_t person_id, std::string_view kind, std::string_view title,
                 std::string_view body, std::string_view link) {
  SL_TRY(check_common(person_id, kind));
  SL_ASSIGN(auto who, store::recipient(c, person_id));
  return deliver(c, at, person_id, kind, title, body, link, who);
}

Status notify(Conn& c, int64_t person_id, std::string_view kind, std::string_view title, std::string_view body,
              std::string_view link) {
  return notify_at(c, SystemClock().now_ms(), person_id, kind, title, body, link);
}

Status notify_event_at(Conn& c, TimeMs at, int64_t person_id, std::string_view kind, const Vars& vars,
                       std::string_view link) {
  SL_TRY(check_common(person_id, kind));
  SL_ASSIGN(auto who, store::recipient(c, person_id));
  SL_ASSIGN(Rendered text, render(kind, who ? who->locale : std::string("zh-CN"), vars));
  return deliver(c, at, person_id, kind, text.title, text.body, link, who);
}

Status notify_event(Conn& c, int64_t person_id, std::string_view kind, const Vars& vars, std::string_view link) {
  return notify_event_at(c, SystemClock().now_ms(), person_id, kind, vars, link);
}

InboxService::InboxService(storage::Database& db, const Clock& clock, pubsub::Bus* bus)
    : db_(db), clock_(clock), bus_(bus) {}

namespace {

Status require_person(const Caller& caller) {
  if (caller.person_id <= 0) return Error::Unauthenticated();
  return Ok();
}

}  // namespace

Result<bj::object> InboxService::list(const Caller& caller, bool unread_only, int64_t before_id, int limit) {
  SL_TRY(require_person(caller));
  if (before_id <= 0) before_id = std::numeric_limits<int64_t>::max();
  return db_.read_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(bj::array items, store::list(c, caller.person_id, unread_only, before_id, limit + 1));
    std::optional<int64_t> next;
    if (static_cast<int>(items.size()) > limit) {
      items.pop_back();
      next = items.back().as_object().at("id").as_int64();
    }
    SL_ASSIGN(int64_t unread, store::unread_count(c, caller.person_id));
    bj::object page = routes::page(std::move(items), next);
    page["unread_count"] = unread;
    return page;
  });
}

Result<bj::object> InboxService::mark_read(const Caller& caller, int64_t id) {
  SL_TRY(require_person(caller));
  TimeMs now = clock_.now_ms();
  auto out = db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_TRY(store::mark_read(c, caller.person_id, id, now));
    SL_ASSIGN(auto item, store::find(c, caller.person_id, id));
    // Someone else's notification is "not found" too: its existence is nobody else's business.
    if (!item) return Error::NotFound("notification_not_found", "消息不存在");
    SL_ASSIGN(int64_t unread, store::unread_count(c, caller.person_id));
    return bj::object{{"item", std::move(*item)}, {"unread_count", unread}};
  });
  if (out.ok() && bus_) publish_unread(*bus_, caller.person_id, out->at("unread_count").as_int64(), now);
  return out;
}

Result<bj::object> InboxService::mark_all_read(const Caller& caller) {
  SL_TRY(require_person(caller));
  TimeMs now = clock_.now_ms();
  auto out = db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(int64_t marked, store::mark_all_read(c, caller.person_id, now));
    return bj::object{{"marked", marked}, {"unread_count", 0}};
  });
  if (out.ok() && bus_ && out->at("marked").as_int64() > 0) publish_unread(*bus_, caller.person_id, 0, now);
  return out;
}

Result<int64_t> InboxService::unread_count(const Caller& caller) {
  SL_TRY(require_person(caller));
  return db_.read_value<int64_t>([&](Conn& c) { return store::unread_count(c, caller.person_id); });
}

Status erase_person(storage::Conn& c, int64_t person_id) {
  SL_TRY(store::delete_for_person_deliveries(c, person_id));
  return store::delete_for_person(c, person_id);
}

Result<int64_t> live_room(const Caller& caller, int64_t person_id) {
  if (caller.person_id <= 0) return Error::Unauthenticated();
  if (caller.person_id != person_id) return Error::Forbidden("只能订阅自己的消息");
  return int64_t{0};  // unsequenced: the count itself is the state; refetch it on (re)subscribe
}

void publish_unread(pubsub::Bus& bus, int64_t person_id, int64_t unread, TimeMs at) {
  bj::object ev{{"type", "inbox.unread"},
                {"seq", 0},
                {"at", format_iso8601(at)},
                {"data", bj::object{{"unread_count", unread}}}};
  bus.publish(pubsub::Message{"inbox:" + std::to_string(person_id), 0, bj::serialize(ev)});
}

}  // namespace sl::notifications
