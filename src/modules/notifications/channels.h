// The three delivery channels behind delivery.h's Channel interface:
//   InboxChannel: the notification is in the inbox already (notify wrote it); sending means
//                 announcing the person's new unread count in their live room inbox:<id>.
//   SmsChannel:   the recipient's language's SMS text (signature, title, a short body, the
//                 link) through an SmsSender (outbox or HTTP gateway), keyed by the delivery id.
//   EmailChannel: subject and text through an EmailSender (outbox or SMTP), Message-ID from the
//                 delivery id.
// Sender errors map to outcomes: kUnavailable → retry, kInvalidArgument → failed.
#pragma once

#include <string>

#include "core/clock.h"
#include "modules/notifications/delivery.h"
#include "modules/notifications/email.h"
#include "modules/notifications/sms.h"
#include "pubsub/bus.h"
#include "storage/database.h"

namespace sl::notifications {

class InboxChannel final : public Channel {
 public:
  InboxChannel(storage::Database& db, pubsub::Bus& bus, const Clock& clock) : db_(db), bus_(bus), clock_(clock) {}
  SendResult send(const Outgoing& m, int timeout_ms) override;

 private:
  storage::Database& db_;
  pubsub::Bus& bus_;
  const Clock& clock_;
};

class SmsChannel final : public Channel {
 public:
  // public_url: the web app's address for links ("" = no link).
  SmsChannel(SmsSender& sender, std::string signature, std::string public_url)
      : sender_(sender), signature_(std::move(signature)), public_url_(std::move(public_url)) {}
  SendResult send(const Outgoing& m, int timeout_ms) override;

 private:
  SmsSender& sender_;
  std::string signature_, public_url_;
};

class EmailChannel final : public Channel {
 public:
  // id_domain: the right-hand side of Message-IDs.
  EmailChannel(EmailSender& sender, std::string public_url, std::string id_domain)
      : sender_(sender), public_url_(std::move(public_url)), id_domain_(std::move(id_domain)) {}
  SendResult send(const Outgoing& m, int timeout_ms) override;

 private:
  EmailSender& sender_;
  std::string public_url_, id_domain_;
};

}  // namespace sl::notifications
