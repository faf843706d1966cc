#include "modules/notifications/sms.h"

#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

namespace sl::notifications {

Status OutboxSmsSender::send(const SmsMessage& m) {
  boost::json::object o;
  o["ts"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  o["channel"] = "sms";
  o["to"] = m.to;
  o["template"] = m.template_id;
  o["text"] = m.text;
  if (!m.code.empty()) o["code"] = m.code;
  std::string line = boost::json::serialize(o) + "\n";
  std::lock_guard lk(mu_);
  std::error_code ec;
  auto parent = std::filesystem::path(path_).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::ofstream f(path_, std::ios::app | std::ios::binary);
  if (!f) return Error::Unavailable("短信发送通道不可用");
  f << line;
  f.flush();
  if (!f) return Error::Unavailable("短信发送通道不可用");
  return Ok();
}

Result<std::unique_ptr<SmsSender>> make_sms_sender(const NotifyConfig& cfg) {
  if (cfg.sms_adapter == "outbox") return std::unique_ptr<SmsSender>(std::make_unique<OutboxSmsSender>(cfg.outbox_path));
  return Error::Invalid("bad_config", "未知的短信通道: " + cfg.sms_adapter);
}

}  // namespace sl::notifications
