#include "modules/notifications/email.h"

#include <curl/curl.h>

#include <boost/json.hpp>

#include <chrono>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <ctime>

#include "core/clock.h"
#include "modules/notifications/curl_util.h"
#include "modules/notifications/sms.h"

namespace sl::notifications {

namespace {

std::string base64(std::string_view in, size_t line = 76) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t col = 0;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += i + 1 < in.size() ? t[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? t[v & 63] : '=';
    col += 4;
    if (line && col >= line && i + 3 < in.size()) {
      out += "\r\n";
      col = 0;
    }
  }
  return out;
}

// RFC 2047 encoded word for a header holding non-ASCII text.
std::string header_text(std::string_view s) {
  bool ascii = true;
  for (char ch : s)
    if (static_cast<unsigned char>(ch) >= 0x80 || ch == '\r' || ch == '\n') ascii = false;
  if (ascii) return std::string(s);
  return "=?UTF-8?B?" + base64(s, 0) + "?=";
}

std::string rfc5322_date(TimeMs now) {
  std::time_t t = static_cast<std::time_t>(now / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

struct Upload {
  std::string data;
  size_t pos = 0;
};

size_t read_upload(char* buf, size_t size, size_t n, void* p) {
  auto* u = static_cast<Upload*>(p);
  size_t len = std::min(size * n, u->data.size() - u->pos);
  std::memcpy(buf, u->data.data() + u->pos, len);
  u->pos += len;
  return len;
}

}  // namespace

bool valid_email(std::string_view s) {
  if (s.empty() || s.size() > 254) return false;
  size_t at = s.find('@');
  if (at == 0 || at == std::string_view::npos || at != s.rfind('@') || at + 1 >= s.size()) return false;
  if (s.substr(at + 1).find('.') == std::string_view::npos) return false;
  for (char ch : s) {
    auto u = static_cast<unsigned char>(ch);
    if (u <= 0x20 || u == 0x7f || ch == '<' || ch == '>' || ch == ',' || ch == ';' || ch == '"' || ch == '\\')
      return false;
  }
  return true;
}

Status OutboxEmailSender::send(const EmailMessage& m) {
  boost::json::object o;
  o["ts"] = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
  o["channel"] = "email";
  o["to"] = m.to;
  o["subject"] = m.subject;
  o["text"] = m.text;
  o["message_id"] = m.message_id;
  return append_line(path_, boost::json::serialize(o) + "\n");
}

SmtpEmailSender::SmtpEmailSender(const NotifyConfig& cfg) : cfg_(cfg) { curl::init(); }

std::string SmtpEmailSender::format(const std::string& from, const EmailMessage& m, TimeMs now) {
  std::string text;
  // Bare LF → CRLF in the body before encoding is not needed (base64), but keep lines CRLF.
  for (char ch : m.text) {
    if (ch == '\n' && (text.empty() || text.back() != '\r')) text += '\r';
    text += ch;
  }
  std::string msg;
  msg += "Date: " + rfc5322_date(now) + "\r\n";
  msg += "From: " + from + "\r\n";
  msg += "To: " + m.to + "\r\n";
  msg += "Message-ID: <" + m.message_id + ">\r\n";
  msg += "Subject: " + header_text(m.subject) + "\r\n";
  msg += "MIME-Version: 1.0\r\n";
  msg += "Content-Type: text/plain; charset=UTF-8\r\n";
  msg += "Content-Transfer-Encoding: base64\r\n";
  msg += "Auto-Submitted: auto-generated\r\n";
  msg += "\r\n";
  msg += base64(text) + "\r\n";
  return msg;
}

Status SmtpEmailSender::send(const EmailMessage& m) {
  if (!valid_email(m.to)) return Error::Invalid("invalid_email", "电子邮箱地址无效");
  CURL* h = curl_easy_init();
  if (!h) return Error::Unavailable("邮件服务不可用（curl 初始化失败）");
  Upload up{format(cfg_.smtp_from, m, SystemClock().now_ms())};
  std::string from = "<" + cfg_.smtp_from + ">";
  curl_slist* rcpt = curl_slist_append(nullptr, ("<" + m.to + ">").c_str());
  curl_easy_setopt(h, CURLOPT_URL, cfg_.smtp_url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(h, CURLOPT_READDATA, &up);
  curl_easy_setopt(h, CURLOPT_INFILESIZE, static_cast<long>(up.data.size()));
  curl_easy_setopt(h, CURLOPT_USE_SSL, cfg_.smtp_require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY);
  if (!cfg_.smtp_user.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, cfg_.smtp_user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, cfg_.smtp_password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max(1, m.timeout_ms)));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::max(1, std::min(m.timeout_ms, 5000))));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(h);
  long reply = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(h);
  if (rc == CURLE_OK) return Ok();
  std::string said = std::string(curl_easy_strerror(rc)) + (reply ? " (SMTP " + std::to_string(reply) + ")" : "");
  if (reply >= 500 && reply < 600) return Error::Invalid("email_rejected", "邮件服务器拒绝: " + said);
  return Error::Unavailable("邮件发送失败: " + said);
}

Result<std::unique_ptr<EmailSender>> make_email_sender(const NotifyConfig& cfg) {
  if (cfg.email_adapter == "off") return std::unique_ptr<EmailSender>();
  if (cfg.email_adapter == "outbox")
    return std::unique_ptr<EmailSender>(std::make_unique<OutboxEmailSender>(cfg.outbox_path));
  if (cfg.email_adapter == "smtp") {
    if (cfg.smtp_url.rfind("smtp://", 0) != 0 && cfg.smtp_url.rfind("smtps://", 0) != 0)
      return Error::Invalid("bad_config", "notify.smtp_url 须为 smtp:// 或 smtps:// 地址");
    if (!valid_email(cfg.smtp_from)) return Error::Invalid("bad_config", "notify.smtp_from 须为发件邮箱地址");
    return std::unique_ptr<EmailSender>(std::make_unique<SmtpEmailSender>(cfg));
  }
  return Error::Invalid("bad_config", "未知的邮件通道: " + cfg.email_adapter);
}

}  // namespace sl::notifications
