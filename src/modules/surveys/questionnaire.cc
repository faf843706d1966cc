// Questionnaire rules: definition checks, answer checks along the skip-logic path, tallies.
#include "modules/surveys/questionnaire.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/json.h"

namespace sl::surveys {

namespace {

bool valid_id(std::string_view s) {
  if (s.empty() || s.size() > 16) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return s != "end" && s[0] != '_';
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

std::optional<QType> parse_type(std::string_view s) {
  if (s == "single") return QType::kSingle;
  if (s == "multiple") return QType::kMultiple;
  if (s == "rating") return QType::kRating;
  if (s == "ranking") return QType::kRanking;
  if (s == "short_text") return QType::kShortText;
  if (s == "long_text") return QType::kLongText;
  return std::nullopt;
}

// "第 3 题" for messages: people count from one.
std::string nth(size_t i) { return "第 " + std::to_string(i + 1) + " 题"; }

Error bad_question(size_t i, const std::string& msg) {
  return Error::Invalid("invalid_questions", nth(i) + "：" + msg);
}

Error bad_answer(size_t i, const Question& q, const std::string& msg) {
  return Error::Unprocessable("invalid_answer", nth(i) + "「" + q.title + "」" + msg,
                              bj::serialize(bj::object{{"question_id", q.id}}));
}

Result<std::string> text_field(const bj::object& o, std::string_view key, size_t max_chars, bool required, size_t i,
                               const char* what) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) {
    if (required) return bad_question(i, std::string("缺少") + what);
    return std::string();
  }
  if (!it->value().is_string()) return bad_question(i, std::string(what) + "须为文字");
  std::string s = trim(std::string_view(it->value().as_string()));
  auto len = json::utf8_length(s);
  if (!len) return bad_question(i, std::string(what) + "不是有效的文字");
  if (required && s.empty()) return bad_question(i, std::string(what) + "不能为空");
  if (*len > max_chars) return bad_question(i, std::string(what) + "最多 " + std::to_string(max_chars) + " 字");
  return s;
}

Result<int> int_field(const bj::object& o, std::string_view key, int def, size_t i) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return def;
  if (it->value().is_int64() && std::abs(it->value().as_int64()) < 1'000'000) return static_cast<int>(it->value().as_int64());
  if (it->value().is_uint64() && it->value().as_uint64() < 1'000'000) return static_cast<int>(it->value().as_uint64());
  return bad_question(i, std::string(key) + " 须为整数");
}

const Option* find_option(const Question& q, std::string_view id) {
  for (const auto& o : q.options)
    if (o.id == id) return &o;
  return nullptr;
}

bool has_options(QType t) { return t == QType::kSingle || t == QType::kMultiple || t == QType::kRanking; }

int default_length(QType t) { return t == QType::kShortText ? 200 : 2000; }

}  // namespace

std::string_view type_name(QType t) {
  switch (t) {
    case QType::kSingle: return "single";
    case QType::kMultiple: return "multiple";
    case QType::kRating: return "rating";
    case QType::kRanking: return "ranking";
    case QType::kShortText: return "short_text";
    case QType::kLongText: return "long_text";
  }
  return "single";
}

bool is_text(QType t) { return t == QType::kShortText || t == QType::kLongText; }

Result<Questionnaire> parse_questionnaire(const bj::value& v, bool poll) {
  if (!v.is_array()) return Error::Invalid("invalid_questions", "questions 须为数组");
  const auto& a = v.as_array();
  if (a.empty()) return Error::Invalid("invalid_questions", "问卷至少要有一道题");
  if (a.size() > kMaxQuestions) return Error::Invalid("invalid_questions", "问卷最多 100 道题");
  if (poll && a.size() != 1) return Error::Invalid("invalid_questions", "快速投票只有一道题");
  Questionnaire out;
  std::set<std::string> ids;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!a[i].is_object()) return bad_question(i, "须为对象");
    const auto& o = a[i].as_object();
    Question q;
    auto id = o.find("id");
    if (id == o.end() || !id->value().is_string() || !valid_id(std::string_view(id->value().as_string())))
      return bad_question(i, "编号 id 须为 1–16 个字母、数字、_ 或 -");
    q.id = std::string(id->value().as_string());
    if (!ids.insert(q.id).second) return bad_question(i, "编号 " + q.id + " 重复");
    auto type = o.find("type");
    std::optional<QType> t;
    if (type != o.end() && type->value().is_string()) t = parse_type(std::string_view(type->value().as_string()));
    if (!t) return bad_question(i, "type 须为 single、multiple、rating、ranking、short_text 或 long_text");
    q.type = *t;
    if (poll && q.type != QType::kSingle && q.type != QType::kMultiple && q.type != QType::kRating)
      return bad_question(i, "快速投票只能是单选、多选或评分题");
    SL_ASSIGN(q.title, text_field(o, "title", 300, true, i, "题目"));
    SL_ASSIGN(q.description, text_field(o, "description", 1000, false, i, "说明"));
    if (auto r = o.find("required"); r != o.end() && !r->value().is_null()) {
      if (!r->value().is_bool()) return bad_question(i, "required 须为 true 或 false");
      q.required = r->value().as_bool();
    }
    if (has_options(q.type)) {
      auto opts = o.find("options");
      if (opts == o.end() || !opts->value().is_array()) return bad_question(i, "缺少选项 options");
      const auto& oa = opts->value().as_array();
      if (oa.size() < 2) return bad_question(i, "至少要有两个选项");
      if (oa.size() > kMaxOptions || (q.type == QType::kRanking && oa.size() > 20))
        return bad_question(i, q.type == QType::kRanking ? "排序题最多 20 个选项" : "最多 50 个选项");
      std::set<std::string> oids;
      for (const auto& ov : oa) {
        if (!ov.is_object()) return bad_question(i, "每个选项须为对象");
        const auto& oo = ov.as_object();
        Option op;
        auto oid = oo.find("id");
        if (oid == oo.end() || !oid->value().is_string() || !valid_id(std::string_view(oid->value().as_string())))
          return bad_question(i, "选项编号 id 须为 1–16 个字母、数字、_ 或 -");
        op.id = std::string(oid->value().as_string());
        if (!oids.insert(op.id).second) return bad_question(i, "选项编号 " + op.id + " 重复");
        SL_ASSIGN(op.label, text_field(oo, "label", 200, true, i, "选项文字"));
        q.options.push_back(std::move(op));
      }
    } else if (o.contains("options") && !o.at("options").is_null()) {
      return bad_question(i, "只有单选、多选和排序题有选项");
    }
    const int n = static_cast<int>(q.options.size());
    if (q.type == QType::kMultiple) {
      SL_ASSIGN(q.min_choices, int_field(o, "min_choices", 0, i));
      SL_ASSIGN(q.max_choices, int_field(o, "max_choices", 0, i));
      if (q.min_choices < 0 || q.min_choices > n) return bad_question(i, "最少选择数须在 0 到选项数之间");
      if (q.max_choices < 0 || q.max_choices > n) return bad_question(i, "最多选择数须在 0（不限）到选项数之间");
      if (q.max_choices > 0 && q.max_choices < std::max(q.min_choices, 1)) return bad_question(i, "最多选择数不能小于最少选择数");
    }
    if (q.type == QType::kRating) {
      if (auto sc = o.find("scale"); sc != o.end() && !sc->value().is_null()) {
        if (!sc->value().is_object()) return bad_question(i, "scale 须为对象");
        const auto& so = sc->value().as_object();
        SL_ASSIGN(q.scale_min, int_field(so, "min", 1, i));
        SL_ASSIGN(q.scale_max, int_field(so, "max", 5, i));
        SL_ASSIGN(q.min_label, text_field(so, "min_label", 20, false, i, "最低分说明"));
        SL_ASSIGN(q.max_label, text_field(so, "max_label", 20, false, i, "最高分说明"));
      }
      if (q.scale_min != 0 && q.scale_min != 1) return bad_question(i, "评分的最低分须为 0 或 1");
      if (q.scale_max < q.scale_min + 1 || q.scale_max > 10) return bad_question(i, "评分的最高分须在最低分之上、不超过 10");
    }
    if (is_text(q.type)) {
      SL_ASSIGN(q.max_length, int_field(o, "max_length", default_length(q.type), i));
      if (q.max_length < 1 || q.max_length > kMaxTextLength) return bad_question(i, "字数上限须在 1 到 5000 之间");
    }
    if (auto sk = o.find("skip"); sk != o.end() && !sk->value().is_null()) {
      if (!sk->value().is_array()) return bad_question(i, "skip 须为数组");
      if (!sk->value().as_array().empty() && q.type != QType::kSingle) return bad_question(i, "只有单选题可以设置跳题");
      std::set<std::string> seen;
      for (const auto& rv : sk->value().as_array()) {
        if (!rv.is_object()) return bad_question(i, "跳题规则须为对象");
        const auto& ro = rv.as_object();
        auto op = ro.find("option");
        auto go = ro.find("goto");
        if (op == ro.end() || !op->value().is_string() || go == ro.end() || !go->value().is_string())
          return bad_question(i, "跳题规则须有 option 和 goto");
        SkipRule r{std::string(op->value().as_string()), std::string(go->value().as_string())};
        if (!find_option(q, r.option)) return bad_question(i, "跳题规则的选项 " + r.option + " 不存在");
        if (!seen.insert(r.option).second) return bad_question(i, "选项 " + r.option + " 有两条跳题规则");
        q.skip.push_back(std::move(r));
      }
    }
    out.push_back(std::move(q));
  }
  // Targets: a later question or "end" (forward only, so every path ends).
  for (size_t i = 0; i < out.size(); ++i) {
    for (const auto& r : out[i].skip) {
      if (r.go_to == "end") continue;
      bool later = false;
      for (size_t j = i + 1; j < out.size(); ++j) later = later || out[j].id == r.go_to;
      if (!later) return bad_question(i, "跳题规则只能跳到后面的题目或结束（goto: " + r.go_to + "）");
    }
  }
  return out;
}

bj::array questionnaire_json(const Questionnaire& qs) {
  bj::array a;
  for (const auto& q : qs) {
    bj::object o;
    o["id"] = q.id;
    o["type"] = type_name(q.type);
    o["title"] = q.title;
    o["description"] = q.description;
    o["required"] = q.required;
    if (has_options(q.type)) {
      bj::array opts;
      for (const auto& op : q.options) opts.push_back(bj::object{{"id", op.id}, {"label", op.label}});
      o["options"] = std::move(opts);
    }
    if (q.type == QType::kMultiple) {
      o["min_choices"] = q.min_choices;
      o["max_choices"] = q.max_choices;
    }
    if (q.type == QType::kRating)
      o["scale"] = bj::object{{"min", q.scale_min}, {"max", q.scale_max}, {"min_label", q.min_label}, {"max_label", q.max_label}};
    if (is_text(q.type)) o["max_length"] = q.max_length;
    if (q.type == QType::kSingle) {
      bj::array sk;
      for (const auto& r : q.skip) sk.push_back(bj::object{{"option", r.option}, {"goto", r.go_to}});
      o["skip"] = std::move(sk);
    }
    a.push_back(std::move(o));
  }
  return a;
}

namespace {

// The next question's index after q (index i) was answered with `a` (null: unanswered).
size_t next_index(const Questionnaire& qs, size_t i, const bj::value* a) {
  const Question& q = qs[i];
  if (q.type == QType::kSingle && a && a->is_string()) {
    for (const auto& r : q.skip) {
      if (r.option != std::string_view(a->as_string())) continue;
      if (r.go_to == "end") return qs.size();
      for (size_t j = i + 1; j < qs.size(); ++j)
        if (qs[j].id == r.go_to) return j;
    }
  }
  return i + 1;
}

// Is a raw answer "no answer" (absent, null, blank text, empty list)?
bool blank(const bj::value* a) {
  if (!a || a->is_null()) return true;
  if (a->is_string()) return trim(std::string_view(a->as_string())).empty();
  if (a->is_array()) return a->as_array().empty();
  return false;
}

Result<std::vector<std::string>> option_list(size_t i, const Question& q, const bj::value& a) {
  if (!a.is_array()) return bad_answer(i, q, "的答案须为选项列表");
  std::vector<std::string> out;
  for (const auto& x : a.as_array()) {
    if (!x.is_string() || !find_option(q, std::string_view(x.as_string()))) return bad_answer(i, q, "的答案含有不存在的选项");
    std::string id(x.as_string());
    if (std::find(out.begin(), out.end(), id) != out.end()) return bad_answer(i, q, "的答案含有重复的选项");
    out.push_back(std::move(id));
  }
  return out;
}

Result<bj::value> check_one(size_t i, const Question& q, const bj::value& a) {
  switch (q.type) {
    case QType::kSingle: {
      if (!a.is_string() || !find_option(q, std::string_view(a.as_string()))) return bad_answer(i, q, "的答案须为其中一个选项");
      return bj::value(a.as_string());
    }
    case QType::kMultiple: {
      SL_ASSIGN(auto ids, option_list(i, q, a));
      int n = static_cast<int>(ids.size());
      if (n < q.min_choices) return bad_answer(i, q, "至少选 " + std::to_string(q.min_choices) + " 项");
      if (q.max_choices > 0 && n > q.max_choices) return bad_answer(i, q, "最多选 " + std::to_string(q.max_choices) + " 项");
      bj::array out;
      // Stored in the options' order, whatever order they were ticked in.
      for (const auto& op : q.options)
        if (std::find(ids.begin(), ids.end(), op.id) != ids.end()) out.push_back(bj::value(op.id));
      return bj::value(std::move(out));
    }
    case QType::kRating: {
      int64_t v = 0;
      if (a.is_int64()) v = a.as_int64();
      else if (a.is_uint64() && a.as_uint64() < 100) v = static_cast<int64_t>(a.as_uint64());
      else if (a.is_double() && std::floor(a.as_double()) == a.as_double() && std::abs(a.as_double()) < 100)
        v = static_cast<int64_t>(a.as_double());
      else return bad_answer(i, q, "的答案须为整数分值");
      if (v < q.scale_min || v > q.scale_max)
        return bad_answer(i, q, "的分值须在 " + std::to_string(q.scale_min) + " 到 " + std::to_string(q.scale_max) + " 之间");
      return bj::value(v);
    }
    case QType::kRanking: {
      SL_ASSIGN(auto ids, option_list(i, q, a));
      if (ids.size() != q.options.size()) return bad_answer(i, q, "须为全部选项排出先后");
      bj::array out;
      for (auto& id : ids) out.push_back(bj::value(id));
      return bj::value(std::move(out));
    }
    case QType::kShortText:
    case QType::kLongText: {
      if (!a.is_string()) return bad_answer(i, q, "的答案须为文字");
      std::string s = trim(std::string_view(a.as_string()));
      auto len = json::utf8_length(s);
      if (!len) return bad_answer(i, q, "的答案不是有效的文字");
      if (*len > static_cast<size_t>(q.max_length)) return bad_answer(i, q, "最多 " + std::to_string(q.max_length) + " 字");
      return bj::value(s);
    }
  }
  return bad_answer(i, q, "无法识别");
}

}  // namespace

Result<bj::object> check_answers(const Questionnaire& qs, const bj::value& answers) {
  if (!answers.is_object()) return Error::Invalid("invalid_answers", "answers 须为对象：题目编号 → 答案");
  const auto& in = answers.as_object();
  for (const auto& kv : in) {
    bool known = false;
    for (const auto& q : qs) known = known || q.id == kv.key();
    if (!known)
      return Error::Unprocessable("invalid_answer", "没有编号为 " + std::string(kv.key()) + " 的题目",
                                  bj::serialize(bj::object{{"question_id", kv.key()}}));
  }
  bj::object out;
  size_t i = 0;
  while (i < qs.size()) {
    const Question& q = qs[i];
    const bj::value* a = in.if_contains(q.id);
    if (blank(a)) {
      if (q.required) return bad_answer(i, q, "是必答题");
      i = next_index(qs, i, nullptr);
      continue;
    }
    SL_ASSIGN(bj::value v, check_one(i, q, *a));
    out[q.id] = v;
    i = next_index(qs, i, &out[q.id]);
  }
  return out;
}

std::vector<std::string> path_of(const Questionnaire& qs, const bj::object& answers) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < qs.size()) {
    out.push_back(qs[i].id);
    i = next_index(qs, i, answers.if_contains(qs[i].id));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> tally_buckets(const Questionnaire& qs, const bj::object& answers) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& q : qs) {
    const bj::value* a = answers.if_contains(q.id);
    if (!a) continue;
    out.emplace_back(q.id, "_answered");
    switch (q.type) {
      case QType::kSingle: out.emplace_back(q.id, "o:" + std::string(a->as_string())); break;
      case QType::kMultiple:
        for (const auto& x : a->as_array()) out.emplace_back(q.id, "o:" + std::string(x.as_string()));
        break;
      case QType::kRating: out.emplace_back(q.id, "v:" + std::to_string(a->as_int64())); break;
      case QType::kRanking: {
        int pos = 1;
        for (const auto& x : a->as_array()) out.emplace_back(q.id, "r:" + std::string(x.as_string()) + ":" + std::to_string(pos++));
        break;
      }
      default: break;
    }
  }
  return out;
}

bj::array results_json(const Questionnaire& qs, const Tallies& t, const std::set<std::string>* only) {
  auto count = [&](const std::string& qid, const std::string& bucket) -> int64_t {
    auto it = t.find({qid, bucket});
    return it == t.end() ? 0 : it->second;
  };
  auto round2 = [](double x) { return std::round(x * 100.0) / 100.0; };
  bj::array out;
  for (const auto& q : qs) {
    if (only && !only->count(q.id)) continue;
    bj::object o;
    o["id"] = q.id;
    o["type"] = type_name(q.type);
    o["title"] = q.title;
    int64_t answered = count(q.id, "_answered");
    o["answered"] = answered;
    if (q.type == QType::kSingle || q.type == QType::kMultiple) {
      bj::array opts;
      for (const auto& op : q.options) opts.push_back(bj::object{{"id", op.id}, {"label", op.label}, {"count", count(q.id, "o:" + op.id)}});
      o["options"] = std::move(opts);
    } else if (q.type == QType::kRating) {
      bj::array dist;
      int64_t sum = 0;
      for (int v = q.scale_min; v <= q.scale_max; ++v) {
        int64_t n = count(q.id, "v:" + std::to_string(v));
        sum += n * v;
        dist.push_back(bj::object{{"value", v}, {"count", n}});
      }
      o["distribution"] = std::move(dist);
      o["average"] = answered ? bj::value(round2(static_cast<double>(sum) / static_cast<double>(answered))) : bj::value(nullptr);
    } else if (q.type == QType::kRanking) {
      bj::array opts;
      for (const auto& op : q.options) {
        bj::array positions;
        int64_t sum = 0;
        for (size_t p = 1; p <= q.options.size(); ++p) {
          int64_t n = count(q.id, "r:" + op.id + ":" + std::to_string(p));
          sum += n * static_cast<int64_t>(p);
          positions.push_back(n);
        }
        opts.push_back(bj::object{{"id", op.id},
                                  {"label", op.label},
                                  {"average_rank", answered ? bj::value(round2(static_cast<double>(sum) / static_cast<double>(answered)))
                                                            : bj::value(nullptr)},
                                  {"positions", std::move(positions)}});
      }
      o["options"] = std::move(opts);
    }
    out.push_back(std::move(o));
  }
  return out;
}

std::string answer_text(const Question& q, const bj::value& a) {
  auto label = [&](std::string_view id) -> std::string {
    const Option* o = find_option(q, id);
    return o ? o->label : std::string(id);
  };
  switch (q.type) {
    case QType::kSingle: return a.is_string() ? label(std::string_view(a.as_string())) : "";
    case QType::kMultiple: {
      std::string s;
      if (a.is_array())
        for (const auto& x : a.as_array()) s += (s.empty() ? "" : "；") + label(std::string_view(x.as_string()));
      return s;
    }
    case QType::kRating: return a.is_int64() ? std::to_string(a.as_int64()) : "";
    case QType::kRanking: {
      std::string s;
      int pos = 1;
      if (a.is_array())
        for (const auto& x : a.as_array())
          s += (s.empty() ? "" : " ") + std::to_string(pos++) + "." + label(std::string_view(x.as_string()));
      return s;
    }
    default: return a.is_string() ? std::string(a.as_string()) : "";
  }
}

std::string free_text(const Questionnaire& qs, const bj::object& answers) {
  std::string s;
  for (const auto& q : qs) {
    if (!is_text(q.type)) continue;
    const bj::value* a = answers.if_contains(q.id);
    if (!a || !a->is_string() || a->as_string().empty()) continue;
    if (!s.empty()) s += "\n";
    s += q.title + "：" + std::string(a->as_string());
  }
  return s;
}

}  // namespace sl::surveys
