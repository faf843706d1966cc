// Export of a survey to Excel (.xlsx, libxlsxwriter): an overview, every response with one
// column per question (named surveys: the respondent's name too), and the counts per option.
// For the survey's staff, admins and leaders.
#include <unistd.h>
#include <xlsxwriter.h>

#include <boost/json.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "modules/surveys/questionnaire.h"
#include "modules/surveys/surveys.h"
#include "modules/surveys/surveys_store.h"

namespace sl::surveys {

using storage::Conn;

namespace {

// "2026-05-01 09:30" in Beijing time (UTC+8), as people read the record.
std::string beijing(TimeMs t) {
  std::string iso = format_iso8601(t + 8 * 3600 * 1000);
  return iso.substr(0, 10) + " " + iso.substr(11, 5);
}

std::string type_label(QType t) {
  switch (t) {
    case QType::kSingle: return "单选";
    case QType::kMultiple: return "多选";
    case QType::kRating: return "评分";
    case QType::kRanking: return "排序";
    case QType::kShortText: return "简答";
    case QType::kLongText: return "问答";
  }
  return "";
}

std::string state_label(const std::string& s) {
  if (s == "draft") return "草稿";
  if (s == "open") return "进行中";
  return "已结束";
}

// Excel keeps at most 32,767 characters in a cell and sheet names short: answers stay below.
void put(lxw_worksheet* ws, lxw_row_t r, lxw_col_t c, const std::string& s, lxw_format* f = nullptr) {
  worksheet_write_string(ws, r, c, s.c_str(), f);
}

}  // namespace

Result<std::string> SurveysService::export_xlsx(const Caller& caller, int64_t id) {
  std::optional<store::SurveyRow> s;
  Questionnaire q;
  Tallies t;
  std::vector<store::ResponseRow> rows;
  SL_TRY(db_.read([&](Conn& c) -> Status {
    SL_ASSIGN(s, store::find_survey(c, id));
    if (!s) return Error::NotFound("survey_not_found", "问卷不存在");
    SL_TRY(check_export(c, caller, id));
    boost::system::error_code ec;
    bj::value v = bj::parse(s->questions, ec);
    if (ec) return Error::Internal("stored questions are not JSON");
    SL_ASSIGN(q, parse_questionnaire(v, s->kind == "poll"));
    SL_ASSIGN(t, store::tallies(c, id));
    int64_t after = 0;
    for (;;) {
      SL_ASSIGN(auto page, store::list_responses(c, id, after, 1000));
      if (page.empty()) break;
      after = page.back().id;
      for (auto& r : page) rows.push_back(std::move(r));
    }
    return Ok();
  }));

  char path[] = "/tmp/shangliang-survey-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return Error::Internal("无法创建临时文件");
  ::close(fd);
  lxw_workbook* wb = workbook_new(path);
  if (!wb) {
    std::remove(path);
    return Error::Internal("无法创建 Excel 文件");
  }
  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  lxw_format* wrap = workbook_add_format(wb);
  format_set_text_wrap(wrap);
  format_set_align(wrap, LXW_ALIGN_VERTICAL_TOP);

  {  // 概况
    lxw_worksheet* ws = workbook_add_worksheet(wb, "概况");
    worksheet_set_column(ws, 0, 0, 14, nullptr);
    worksheet_set_column(ws, 1, 1, 80, wrap);
    std::pair<const char*, std::string> items[] = {
        {"问卷", s->title},
        {"说明", s->description},
        {"组织", s->org_name},
        {"类型", s->kind == "poll" ? "快速投票" : "问卷"},
        {"调查对象", s->audience == "public" ? "公众" : s->audience == "members" ? "成员" : "参与者"},
        {"匿名", s->anonymous ? "匿名" : "实名"},
        {"状态", state_label(s->state)},
        {"发布时间", s->opened_at ? beijing(*s->opened_at) : ""},
        {"结束时间", s->closed_at ? beijing(*s->closed_at) : ""},
        {"答卷数", std::to_string(s->response_count)},
        {"导出时间", beijing(clock_.now_ms())},
    };
    lxw_row_t r = 0;
    for (auto& [k, v] : items) {
      put(ws, r, 0, k, bold);
      put(ws, r, 1, v);
      ++r;
    }
  }
  {  // 答卷: one row per response, one column per question
    lxw_worksheet* ws = workbook_add_worksheet(wb, "答卷");
    lxw_col_t col = 0;
    put(ws, 0, col++, "答卷编号", bold);
    put(ws, 0, col++, "提交时间", bold);
    if (!s->anonymous) put(ws, 0, col++, "填写人", bold);
    lxw_col_t first_q = col;
    for (size_t i = 0; i < q.size(); ++i) {
      put(ws, 0, col, std::to_string(i + 1) + ". " + q[i].title, bold);
      worksheet_set_column(ws, col, col, is_text(q[i].type) ? 40 : 18, wrap);
      ++col;
    }
    worksheet_freeze_panes(ws, 1, first_q);
    lxw_row_t r = 1;
    for (const auto& x : rows) {
      col = 0;
      worksheet_write_number(ws, r, col++, static_cast<double>(x.id), nullptr);
      put(ws, r, col++, beijing(x.created_at));
      if (!s->anonymous) put(ws, r, col++, x.person_id ? (x.person_name.empty() ? "（已注销）" : x.person_name) : "");
      boost::system::error_code ec;
      bj::value a = bj::parse(x.answers, ec);
      for (const auto& qq : q) {
        const bj::value* v = a.is_object() ? a.as_object().if_contains(qq.id) : nullptr;
        if (v && qq.type == QType::kRating && v->is_int64()) worksheet_write_number(ws, r, col, static_cast<double>(v->as_int64()), nullptr);
        else if (v) put(ws, r, col, answer_text(qq, *v));
        ++col;
      }
      ++r;
    }
    if (r > 1) worksheet_autofilter(ws, 0, 0, r - 1, col - 1);
  }
  {  // 统计
    lxw_worksheet* ws = workbook_add_worksheet(wb, "统计");
    worksheet_set_column(ws, 0, 0, 8, nullptr);
    worksheet_set_column(ws, 1, 1, 50, wrap);
    worksheet_set_column(ws, 2, 2, 10, nullptr);
    worksheet_set_column(ws, 3, 3, 40, wrap);
    worksheet_set_column(ws, 4, 5, 12, nullptr);
    const char* heads[] = {"题号", "题目", "题型", "选项 / 分值", "人数", "平均"};
    for (lxw_col_t c = 0; c < 6; ++c) put(ws, 0, c, heads[c], bold);
    bj::array res = results_json(q, t);
    lxw_row_t r = 1;
    for (size_t i = 0; i < q.size(); ++i) {
      const auto& o = res[i].as_object();
      put(ws, r, 0, std::to_string(i + 1));
      put(ws, r, 1, q[i].title);
      put(ws, r, 2, type_label(q[i].type));
      put(ws, r, 3, "作答人数");
      worksheet_write_number(ws, r, 4, static_cast<double>(o.at("answered").as_int64()), nullptr);
      if (auto* avg = o.if_contains("average"); avg && avg->is_double()) worksheet_write_number(ws, r, 5, avg->as_double(), nullptr);
      ++r;
      if (auto* opts = o.if_contains("options")) {
        for (const auto& ov : opts->as_array()) {
          const auto& oo = ov.as_object();
          put(ws, r, 3, std::string(oo.at("label").as_string()));
          if (auto* n = oo.if_contains("count")) worksheet_write_number(ws, r, 4, static_cast<double>(n->as_int64()), nullptr);
          if (auto* ar = oo.if_contains("average_rank"); ar && ar->is_double())
            worksheet_write_number(ws, r, 5, ar->as_double(), nullptr);
          ++r;
        }
      }
      if (auto* dist = o.if_contains("distribution")) {
        for (const auto& dv : dist->as_array()) {
          const auto& d = dv.as_object();
          put(ws, r, 3, std::to_string(d.at("value").as_int64()) + " 分");
          worksheet_write_number(ws, r, 4, static_cast<double>(d.at("count").as_int64()), nullptr);
          ++r;
        }
      }
    }
  }

  lxw_doc_properties props{};
  std::string title = s->title + " 答卷";
  props.title = const_cast<char*>(title.c_str());  // libxlsxwriter copies it
  workbook_set_properties(wb, &props);
  lxw_error err = workbook_close(wb);
  std::string bytes;
  if (err == LXW_NO_ERROR) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    bytes = ss.str();
  }
  std::remove(path);
  if (err != LXW_NO_ERROR || bytes.empty()) return Error::Internal("生成 Excel 文件失败");
  return bytes;
}

}  // namespace sl::surveys
