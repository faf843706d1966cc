#include "modules/notifications/channels.h"

#include "modules/notifications/inbox.h"
#include "modules/notifications/inbox_store.h"
#include "modules/notifications/templates.h"

namespace sl::notifications {

namespace {

SendResult outcome(const Status& s, std::string_view sent_detail) {
  if (s.ok()) return {SendResult::kSent, std::string(sent_detail)};
  if (s.error().code == Code::kInvalidArgument) return {SendResult::kFailed, s.error().message};
  return {SendResult::kRetry, s.error().message};
}

std::string full_url(const std::string& public_url, const std::string& link) {
  if (public_url.empty() || link.empty()) return {};
  std::string base = public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + link;
}

}  // namespace

SendResult InboxChannel::send(const Outgoing& m, int) {
  auto n = db_.read_value<int64_t>([&](storage::Conn& c) { return store::unread_count(c, m.person_id); });
  if (!n.ok()) return {SendResult::kRetry, n.error().message};
  publish_unread(bus_, m.person_id, *n, clock_.now_ms());
  return {SendResult::kSent, "unread_count " + std::to_string(*n)};
}

SendResult SmsChannel::send(const Outgoing& m, int timeout_ms) {
  SmsMessage s;
  s.to = m.address;
  s.template_id = m.kind;
  s.text = sms_text(m.locale, signature_, m.subject, m.body, full_url(public_url_, m.link));
  s.id = std::to_string(m.id);
  s.timeout_ms = timeout_ms;
  return outcome(sender_.send(s), "accepted");
}

SendResult EmailChannel::send(const Outgoing& m, int timeout_ms) {
  EmailMessage e;
  e.to = m.address;
  e.subject = m.subject;
  e.text = email_text(m.locale, m.body, full_url(public_url_, m.link));
  e.message_id = "sl-delivery-" + std::to_string(m.id) + "@" + id_domain_;
  e.timeout_ms = timeout_ms;
  return outcome(sender_.send(e), "accepted");
}

}  // namespace sl::notifications
