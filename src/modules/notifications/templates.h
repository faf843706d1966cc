// The kinds of notification people can choose channels for, and their texts in zh-CN, zh-TW
// and en. notify_event renders a kind's title and body in the recipient's language from named
// variables ("{title}" in a template is vars["title"]); the SMS and e-mail channels wrap them
// (signature, link) when they send.
//
// Kinds and their variables:
//   case.assigned   title, unit, due         a case was assigned to the recipient's unit (交办)
//   case.due_soon   title, due, days         the answer is due in `days` working days (黄牌)
//   case.overdue    title, due               the deadline has passed (红牌; urgent: ignores quiet hours)
//   case.answered   title, unit              the recipient's case has been answered
//   case.rated      title, rating            the proposer rated the recipient's answer
//   case.returned   title, reason            the case was sent back for handling again
//   case.cosign     submitter, kind, title   the recipient is invited to co-sign (联名)
//   case.reviewed   kind, title, review, note  staff reviewed the recipient's case (立案/不予立案/并案/转类)
//   case.request    unit, request, title, reason  a handling unit asks staff (改派/延期)
//   case.decision   request, decision, title, due  staff decided the unit's request
//   case.escalated  title, reason            still unsatisfied after re-handling: to staff
//   case.supervised title, note              a supervision note (督办意见) to the units
//   mention         author, where, excerpt   someone mentioned the recipient in a deliberation
//   point.assigned  point, where             a point was given to the recipient's department
//   point.answered  department, excerpt      a department answered the recipient's point
// The variables kind, rating, request, decision and review are terms: a value that is a key of
// the term table (a case kind such as "proposal", "satisfied", "ask_extension", "approved",
// "accepted"...) is written in the recipient's language (see term()).
// Kinds outside this list (membership.added, post.replied, ...) go to the inbox only.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sl::notifications {

using Vars = std::map<std::string, std::string, std::less<>>;

// Channel bits.
inline constexpr unsigned kChannelSms = 1;
inline constexpr unsigned kChannelEmail = 2;

struct KindInfo {
  std::string_view kind;
  bool urgent = false;            // sent at once even in quiet hours
  unsigned default_channels = 0;  // besides the inbox (always): kChannelSms | kChannelEmail
  struct Text {
    std::string_view title, body;
  };
  Text zh_cn, zh_tw, en;
};

// Every configurable kind, in the order the preferences page lists them.
const std::vector<KindInfo>& kinds();
// The kind's entry, or nullptr (inbox only, not urgent).
const KindInfo* find_kind(std::string_view kind);

// A term in `locale` (templates.cc kTerms); an unknown key is returned as it is.
std::string term(std::string_view key, std::string_view locale);

// "zh-CN", "zh-TW" or "en"; anything else reads as zh-CN.
std::string_view normal_locale(std::string_view locale);

struct Rendered {
  std::string title, body;
};
// The kind's title and body in `locale` with `vars` filled in. Unknown kinds, and variables a
// template names but `vars` lacks, are InvalidArgument (programming errors).
Result<Rendered> render(std::string_view kind, std::string_view locale, const Vars& vars);

// Fills "{name}" placeholders from vars; `missing` (if given) receives the first unknown name.
std::string fill(std::string_view tmpl, const Vars& vars, std::string* missing = nullptr);

// Channel wrappers, in the recipient's language.
//   sms:   "【signature】title" (+ " body" when short) (+ " url" when public_url is set)
//   email: the body, then "打开：url" (or the locale's word) when public_url is set
std::string sms_text(std::string_view locale, std::string_view signature, std::string_view title, std::string_view body,
                     std::string_view url);
std::string email_text(std::string_view locale, std::string_view body, std::string_view url);

}  // namespace sl::notifications
