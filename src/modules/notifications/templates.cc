// Notification texts per kind and language (see templates.h).
#include "modules/notifications/templates.h"

#include "modules/common/markdown.h"

namespace sl::notifications {

namespace {

constexpr unsigned kSms = kChannelSms, kEmail = kChannelEmail;

}  // namespace

const std::vector<KindInfo>& kinds() {
  static const std::vector<KindInfo> k = {
      {"case.assigned", false, kSms | kEmail,
       {"新交办：「{title}」", "「{title}」已交由{unit}办理，请于{due}前答复。"},
       {"新交辦：「{title}」", "「{title}」已交由{unit}辦理，請於{due}前答覆。"},
       {"New case assigned: \"{title}\"", "\"{title}\" has been assigned to {unit}. Please answer by {due}."}},
      {"case.due_soon", false, kSms | kEmail,
       {"黄牌提醒：「{title}」即将到期", "「{title}」须于{due}前答复，还有{days}个工作日。"},
       {"黃牌提醒：「{title}」即將到期", "「{title}」須於{due}前答覆，還有{days}個工作日。"},
       {"Yellow card: \"{title}\" is due soon", "\"{title}\" must be answered by {due}, {days} working days from now."}},
      {"case.overdue", true, kSms | kEmail,
       {"红牌督办：「{title}」已超期", "「{title}」的答复期限（{due}）已过，请尽快办理。"},
       {"紅牌督辦：「{title}」已逾期", "「{title}」的答覆期限（{due}）已過，請儘快辦理。"},
       {"Red card: \"{title}\" is overdue", "The deadline for \"{title}\" ({due}) has passed. Please answer as soon as possible."}},
      {"case.answered", false, kSms,
       {"您提交的「{title}」已答复", "{unit}已答复，请查看并评价。"},
       {"您提交的「{title}」已答覆", "{unit}已答覆，請查看並評價。"},
       {"\"{title}\" has been answered", "{unit} has answered. Please read the answer and rate it."}},
      {"case.rated", false, 0,
       {"「{title}」的答复已获评价", "评价：{rating}"},
       {"「{title}」的答覆已獲評價", "評價：{rating}"},
       {"The answer to \"{title}\" has been rated", "Rating: {rating}"}},
      {"case.returned", false, kSms,
       {"「{title}」退回重办", "理由：{reason}"},
       {"「{title}」退回重辦", "理由：{reason}"},
       {"\"{title}\" was returned for handling again", "Reason: {reason}"}},
      {"case.cosign", false, 0,
       {"{submitter} 邀请您联名{kind}「{title}」", "请在案件页面确认或谢绝联名。"},
       {"{submitter} 邀請您聯名{kind}「{title}」", "請在案件頁面確認或謝絕聯名。"},
       {"{submitter} invites you to co-sign the {kind} \"{title}\"", "Please confirm or decline on the case page."}},
      {"case.reviewed", false, 0,
       {"您提交的{kind}「{title}」{review}", "{note}"},
       {"您提交的{kind}「{title}」{review}", "{note}"},
       {"Your {kind} \"{title}\" {review}", "{note}"}},
      {"case.request", false, kEmail,
       {"{unit}{request}：「{title}」", "理由：{reason}"},
       {"{unit}{request}：「{title}」", "理由：{reason}"},
       {"{unit} {request}: \"{title}\"", "Reason: {reason}"}},
      {"case.decision", false, 0,
       {"{request}{decision}：「{title}」", "办理期限：{due}"},
       {"{request}{decision}：「{title}」", "辦理期限：{due}"},
       {"{request} {decision}: \"{title}\"", "Deadline: {due}"}},
      {"case.escalated", false, kEmail,
       {"「{title}」重新办理后提出人仍不满意，请协调", "理由：{reason}"},
       {"「{title}」重新辦理後提出人仍不滿意，請協調", "理由：{reason}"},
       {"The proposer is still unsatisfied with \"{title}\" after re-handling; please step in", "Reason: {reason}"}},
      {"case.supervised", false, kSms,
       {"督办意见：「{title}」", "{note}"},
       {"督辦意見：「{title}」", "{note}"},
       {"Supervision note on \"{title}\"", "{note}"}},
      // The zh-CN texts of the deliberation's events are the ones it wrote before templates.
      {"mention", false, 0,
       {"{author} 在「{where}」中提到了您", "{excerpt}"},
       {"{author} 在「{where}」中提到了您", "{excerpt}"},
       {"{author} mentioned you in \"{where}\"", "{excerpt}"}},
      {"point.assigned", false, kEmail,
       {"有一条要点交由贵部门回应", "{point}"},
       {"有一條要點交由貴部門回應", "{point}"},
       {"A point was given to your department to answer", "{point}"}},
      {"point.answered", false, 0,
       {"{department} 回应了您的要点", "{excerpt}"},
       {"{department} 回應了您的要點", "{excerpt}"},
       {"{department} answered your point", "{excerpt}"}},
  };
  return k;
}

namespace {

// Terms: a variable named in kTermVars whose value is a key of this table is replaced by the
// term in the recipient's language (a case's kind, a rating, a request, a decision).
struct Term {
  std::string_view key, zh_cn, zh_tw, en;
};
constexpr Term kTerms[] = {
    {"proposal", "提案", "提案", "proposal"},
    {"motion", "议案", "議案", "motion"},
    {"suggestion", "建议", "建議", "suggestion"},
    {"social_report", "社情民意", "社情民意", "social-condition report"},
    {"micro_suggestion", "微建议", "微建議", "micro-suggestion"},
    {"satisfied", "满意", "滿意", "satisfied"},
    {"basically", "基本满意", "基本滿意", "basically satisfied"},
    {"unsatisfied", "不满意", "不滿意", "unsatisfied"},
    {"reassign", "改派申请", "改派申請", "Reassignment request"},
    {"extension", "延期申请", "延期申請", "Extension request"},
    {"ask_reassign", "申请改派", "申請改派", "asks to be reassigned"},
    {"ask_extension", "申请延期办理", "申請延期辦理", "asks for an extension"},
    {"approved", "已同意", "已同意", "approved"},
    {"refused", "未获同意", "未獲同意", "refused"},
    {"accepted", "已立案", "已立案", "was accepted"},
    {"declined", "未予立案", "未予立案", "was declined"},
    {"merged", "已并案办理", "已併案辦理", "was merged with another case"},
    {"converted", "已转为其他类别", "已轉為其他類別", "was converted to another kind"},
};
constexpr std::string_view kTermVars[] = {"kind", "rating", "request", "decision", "review"};

}  // namespace

std::string term(std::string_view key, std::string_view locale) {
  std::string_view l = normal_locale(locale);
  for (const auto& t : kTerms)
    if (t.key == key) return std::string(l == "en" ? t.en : l == "zh-TW" ? t.zh_tw : t.zh_cn);
  return std::string(key);
}

const KindInfo* find_kind(std::string_view kind) {
  for (const auto& k : kinds())
    if (k.kind == kind) return &k;
  return nullptr;
}

std::string_view normal_locale(std::string_view locale) {
  if (locale == "zh-TW") return "zh-TW";
  if (locale == "en") return "en";
  return "zh-CN";
}

std::string fill(std::string_view tmpl, const Vars& vars, std::string* missing) {
  auto is_name = [](std::string_view n) {
    if (n.empty() || n.size() > 40) return false;
    for (char ch : n)
      if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) return false;
    return true;
  };
  std::string out;
  out.reserve(tmpl.size() + 32);
  for (size_t i = 0; i < tmpl.size();) {
    if (tmpl[i] == '{') {
      size_t end = tmpl.find('}', i + 1);
      std::string_view name = end == std::string_view::npos ? std::string_view() : tmpl.substr(i + 1, end - i - 1);
      if (is_name(name)) {
        if (auto it = vars.find(name); it != vars.end()) {
          out += it->second;
          i = end + 1;
          continue;
        }
        if (missing && missing->empty()) *missing = std::string(name);
      }
    }
    out += tmpl[i++];  // anything else (a JSON brace, an unknown name) stays as written
  }
  return out;
}

Result<Rendered> render(std::string_view kind, std::string_view locale, const Vars& vars) {
  const KindInfo* k = find_kind(kind);
  if (!k) return Error::Invalid("unknown_kind", "没有这种通知模板: " + std::string(kind));
  std::string_view l = normal_locale(locale);
  const KindInfo::Text& t = l == "en" ? k->en : l == "zh-TW" ? k->zh_tw : k->zh_cn;
  Vars local = vars;
  for (auto name : kTermVars)
    if (auto it = local.find(name); it != local.end()) it->second = term(it->second, l);
  std::string missing;
  Rendered r{fill(t.title, local, &missing), fill(t.body, local, &missing)};
  if (!missing.empty()) return Error::Invalid("missing_variable", "通知模板缺少变量: " + missing);
  return r;
}

std::string sms_text(std::string_view locale, std::string_view signature, std::string_view title, std::string_view body,
                     std::string_view url) {
  std::string s;
  if (!signature.empty()) s += "【" + std::string(signature) + "】";
  s += title;
  // A short body rides along (one SMS is 70 Chinese characters); a long one is left to the link.
  std::string b = markdown::truncate(std::string(body), 40);
  if (!b.empty()) s += (normal_locale(locale) == "en" ? " " : "：") + b;
  if (!url.empty()) s += " " + std::string(url);
  return s;
}

std::string email_text(std::string_view locale, std::string_view body, std::string_view url) {
  std::string s(body);
  if (!url.empty()) {
    std::string_view l = normal_locale(locale);
    std::string_view open = l == "en" ? "Open: " : l == "zh-TW" ? "開啟：" : "打开：";
    if (!s.empty()) s += "\n\n";
    s += std::string(open) + std::string(url);
  }
  std::string_view l = normal_locale(locale);
  s += l == "en"      ? "\n\n-- \nShangliang. You can choose which notifications reach you by e-mail in your profile.\n"
       : l == "zh-TW" ? "\n\n-- \n商量平臺。可在「我的」頁面設定哪些通知以電子郵件寄送。\n"
                      : "\n\n-- \n商量平台。可在“我的”页面设置哪些通知以电子邮件发送。\n";
  return s;
}

}  // namespace sl::notifications
