// SMS delivery behind an adapter interface. The development adapter appends each message
// as one JSON line to an outbox file (tests read codes from it); production adapters for an
// SMS gateway plug in here (the cases issue adds e-mail and in-app channels).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "core/config.h"
#include "core/result.h"

namespace sl::notifications {

struct SmsMessage {
  std::string to;        // mobile number
  std::string template_id;  // e.g. "verify_code"
  std::string text;      // the full text as the person receives it
  std::string code;      // verification code, when the message carries one
};

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
  std::mutex mu_;
  std::string path_;
};

Result<std::unique_ptr<SmsSender>> make_sms_sender(const NotifyConfig& cfg);

}  // namespace sl::notifications
