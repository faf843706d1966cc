#include "modules/notifications/sms.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>

#include "modules/notifications/curl_util.h"
#include "modules/notifications/templates.h"

namespace sl::notifications {

Status append_line(const std::string& path, const std::string& line) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Error::Unavailable("发送通道不可用（无法打开 outbox 文件）");
  ssize_t n = ::write(fd, line.data(), line.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size())) return Error::Unavailable("发送通道不可用（写入 outbox 失败）");
  return Ok();
}

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
  if (!m.id.empty()) o["id"] = m.id;
  return append_line(path_, boost::json::serialize(o) + "\n");
}

HttpSmsSender::HttpSmsSender(const NotifyConfig& cfg)
    : url_(cfg.sms_http_url),
      body_(cfg.sms_http_body),
      content_type_(cfg.sms_http_content_type),
      authorization_(cfg.sms_http_authorization) {
  curl::init();
}

namespace {

size_t collect(char* data, size_t size, size_t n, void* out) {
  auto* s = static_cast<std::string*>(out);
  if (s->size() < 2000) s->append(data, std::min<size_t>(size * n, 2000 - s->size()));
  return size * n;
}

}  // namespace

Status HttpSmsSender::send(const SmsMessage& m) {
  bool json = content_type_.find("json") != std::string::npos;
  auto esc = [&](std::string_view v) { return json ? curl::json_escape(v) : curl::form_escape(v); };
  std::string id = m.id.empty() ? std::string() : "sl-delivery-" + m.id;
  std::string body = fill(body_, Vars{{"to", esc(m.to)}, {"text", esc(m.text)}, {"id", esc(id)}});

  CURL* h = curl_easy_init();
  if (!h) return Error::Unavailable("短信网关不可用（curl 初始化失败）");
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Content-Type: " + content_type_).c_str());
  if (!authorization_.empty()) headers = curl_slist_append(headers, ("Authorization: " + authorization_).c_str());
  if (!id.empty()) headers = curl_slist_append(headers, ("Idempotency-Key: " + id).c_str());
  headers = curl_slist_append(headers, "Expect:");
  std::string answer;
  curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max(1, m.timeout_ms)));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::max(1, std::min(m.timeout_ms, 5000))));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  if (rc != CURLE_OK) return Error::Unavailable(std::string("短信网关不可达: ") + curl_easy_strerror(rc));
  std::string said = "HTTP " + std::to_string(status) + (answer.empty() ? "" : ": " + answer.substr(0, 200));
  if (status >= 200 && status < 300) return Ok();
  if (status == 408 || status == 429 || status >= 500) return Error::Unavailable("短信网关暂时拒绝: " + said);
  return Error::Invalid("sms_rejected", "短信网关拒绝: " + said);
}

Result<std::unique_ptr<SmsSender>> make_sms_sender(const NotifyConfig& cfg) {
  if (cfg.sms_adapter == "outbox") return std::unique_ptr<SmsSender>(std::make_unique<OutboxSmsSender>(cfg.outbox_path));
  if (cfg.sms_adapter == "http") {
    if (cfg.sms_http_url.rfind("http://", 0) != 0 && cfg.sms_http_url.rfind("https://", 0) != 0)
      return Error::Invalid("bad_config", "notify.sms_http_url 须为 http:// 或 https:// 地址");
    return std::unique_ptr<SmsSender>(std::make_unique<HttpSmsSender>(cfg));
  }
  return Error::Invalid("bad_config", "未知的短信通道: " + cfg.sms_adapter);
}

}  // namespace sl::notifications
