// Inbox use cases: notify (inside another module's transaction), and reading and marking
// one's own notifications, each in one unit of work.
#include <boost/json.hpp>

#include <chrono>
#include <limits>

#include "core/json.h"
#include "modules/common/markdown.h"
#include "modules/common/route_util.h"
#include "modules/notifications/inbox.h"
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

}  // namespace

Status notify_at(Conn& c, TimeMs at, int64_t person_id, std::string_view kind, std::string_view title,
                 std::string_view body, std::string_view link) {
  if (person_id <= 0) return Error::Invalid("invalid_person", "通知的接收人无效");
  if (!valid_kind(kind)) return Error::Invalid("invalid_kind", "通知类型无效");
  if (!valid_link(link)) return Error::Invalid("invalid_link", "通知链接须为站内路径");
  if (!json::utf8_length(title) || !json::utf8_length(body)) return Error::Invalid("invalid_text", "通知不是合法的 UTF-8 文本");
  std::string t = markdown::truncate(trimmed(title), kMaxTitleChars);
  if (t.empty()) return Error::Invalid("invalid_title", "通知标题不能为空");
  std::string b = markdown::truncate(trimmed(body), kMaxBodyChars);
  SL_TRY(store::insert(c, person_id, kind, t, b, link, at));
  return store::prune(c, person_id, kInboxCap);
}

Status notify(Conn& c, int64_t person_id, std::string_view kind, std::string_view title, std::string_view body,
              std::string_view link) {
  return notify_at(c, SystemClock().now_ms(), person_id, kind, title, body, link);
}

InboxService::InboxService(storage::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

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
  return db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_TRY(store::mark_read(c, caller.person_id, id, now));
    SL_ASSIGN(auto item, store::find(c, caller.person_id, id));
    // Someone else's notification is "not found" too: its existence is nobody else's business.
    if (!item) return Error::NotFound("notification_not_found", "消息不存在");
    SL_ASSIGN(int64_t unread, store::unread_count(c, caller.person_id));
    return bj::object{{"item", std::move(*item)}, {"unread_count", unread}};
  });
}

Result<bj::object> InboxService::mark_all_read(const Caller& caller) {
  SL_TRY(require_person(caller));
  TimeMs now = clock_.now_ms();
  return db_.write_value<bj::object>([&](Conn& c) -> Result<bj::object> {
    SL_ASSIGN(int64_t marked, store::mark_all_read(c, caller.person_id, now));
    return bj::object{{"marked", marked}, {"unread_count", 0}};
  });
}

Result<int64_t> InboxService::unread_count(const Caller& caller) {
  SL_TRY(require_person(caller));
  return db_.read_value<int64_t>([&](Conn& c) { return store::unread_count(c, caller.person_id); });
}

Status erase_person(storage::Conn& c, int64_t person_id) {
  return store::delete_for_person(c, person_id);
}

}  // namespace sl::notifications
