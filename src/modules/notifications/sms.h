// SMS delivery behind an adapter interface, used for verification codes (accounts, sent at
// once) and for notifications (the SMS channel of the Dispatcher, delivery.h).
//   outbox: appends each message as one JSON line to the outbox file (development; tests read
//           codes and messages from it).
//   http:   a generic HTTP gateway: one POST per message to notify.sms_http_url with the body
//           notify.sms_http_body, where {to} {text} {id} are filled in (JSON-escaped for a JSON
//           content type, URL-encoded otherwise) and an Idempotency-Key header carries {id}.
//           2xx is sent; 408, 429 and 5xx (and network errors) are worth retrying; other 4xx
//           are permanent failures.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "core/config.h"
#include "core/result.h"

namespace sl::notifications {

struct SmsMessage {
  std::string to;           // mobile number
  std::string template_id;  // e.g. "verify_code", or the notification kind
  std::string text;         // the full text as the person receives it
  std::string code;         // verification code, when the message carries one
  std::string id;           // idempotency key ("" for verification codes: a new one each time)
  int timeout_ms = 10000;
};

// Failures: kUnavailable (worth retrying) or kInvalidArgument (permanent).
class SmsSender {
 public:
  virtual ~SmsSender() = default;
  virtual Status send(const SmsMessage& m) = 0;
};

// Appends JSON lines to a file. Thread-safe.
class OutboxSmsSender final : public SmsSender {
 public:
  explicit OutboxSmsSender(std::string path) : path_(std::move(path)) {}
  Status send(const SmsMessage& m) override;

 private:
  std::string path_;
};

// The generic HTTP gateway. Thread-safe.
class HttpSmsSender final : public SmsSender {
 public:
  explicit HttpSmsSender(const NotifyConfig& cfg);
  Status send(const SmsMessage& m) override;

 private:
  std::string url_, body_, content_type_, authorization_;
};

// Appends one line to `path` in a single write (O_APPEND), so lines from several writers and
// processes never interleave. Creates the folder if needed.
Status append_line(const std::string& path, const std::string& line);

Result<std::unique_ptr<SmsSender>> make_sms_sender(const NotifyConfig& cfg);

}  // namespace sl::notifications
