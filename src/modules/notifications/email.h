// E-mail delivery behind an adapter interface (the e-mail channel of the Dispatcher).
//   outbox: one JSON line per message in the outbox file (development).
//   smtp:   SMTP through libcurl (smtp:// with STARTTLS when offered, or required with
//           notify.smtp_require_tls; smtps://), login when notify.smtp_user is set. The
//           message is UTF-8 text/plain, base64, with a Message-ID made from the delivery id,
//           so every attempt at one delivery carries the same Message-ID.
//           Errors: connection failures and 4xx replies are worth retrying; 5xx replies
//           (unknown mailbox, refused) are permanent.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/config.h"
#include "core/result.h"

namespace sl::notifications {

struct EmailMessage {
  std::string to;
  std::string subject;
  std::string text;        // plain text, UTF-8
  std::string message_id;  // without the angle brackets, e.g. sl-delivery-42@zx.example.gov.cn
  int timeout_ms = 15000;
};

// Failures: kUnavailable (worth retrying) or kInvalidArgument (permanent).
class EmailSender {
 public:
  virtual ~EmailSender() = default;
  virtual Status send(const EmailMessage& m) = 0;
};

class OutboxEmailSender final : public EmailSender {
 public:
  explicit OutboxEmailSender(std::string path) : path_(std::move(path)) {}
  Status send(const EmailMessage& m) override;

 private:
  std::string path_;
};

class SmtpEmailSender final : public EmailSender {
 public:
  explicit SmtpEmailSender(const NotifyConfig& cfg);
  Status send(const EmailMessage& m) override;

  // The message as sent (headers and base64 body); exposed for tests.
  static std::string format(const std::string& from, const EmailMessage& m, TimeMs now);

 private:
  NotifyConfig cfg_;
};

// nullptr when email_adapter = "off".
Result<std::unique_ptr<EmailSender>> make_email_sender(const NotifyConfig& cfg);

// A plausible single address (local@domain, no spaces or angle brackets, ≤ 254 bytes).
bool valid_email(std::string_view s);

}  // namespace sl::notifications
