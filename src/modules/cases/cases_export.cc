// Excel export (.xlsx, libxlsxwriter) of a list of cases with the filters the list was shown
// with: the same scopes and checks as CasesService::list, every matching case (up to 20,000),
// and a second sheet that states the filters.
#include <unistd.h>
#include <xlsxwriter.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "modules/cases/cases_internal.h"

namespace sl::cases {

using storage::Conn;

namespace {

std::string rating_label(const std::optional<std::string>& r) {
  if (!r) return "";
  if (*r == "satisfied") return "满意";
  if (*r == "basically") return "基本满意";
  return "不满意";
}
std::string card_label(const std::string& c) {
  if (c == "yellow") return "黄牌";
  if (c == "red") return "红牌";
  return "";
}

}  // namespace

Result<std::string> CasesService::export_xlsx(const Caller& caller, const ListFilter& f) {
  // The list's own checks, then every page of it.
  std::vector<bj::object> rows;
  int64_t before = 0;
  for (int guard = 0; guard < 100; ++guard) {
    SL_ASSIGN(auto page, list(caller, f, before, 200));
    for (auto& v : page.at("items").as_array()) rows.push_back(v.as_object());
    if (page.at("next_cursor").is_null() || rows.size() >= 20000) break;
    before = rows.back().at("id").as_int64();
  }
  char path[] = "/tmp/shangliang-cases-XXXXXX";
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
  lxw_worksheet* ws = workbook_add_worksheet(wb, "案件");
  const char* headers[] = {"编号", "类别", "标题", "分类", "组织", "提出人", "状态", "主办单位", "办理期限", "剩余工作日",
                           "督办", "重点督办", "提交时间", "答复时间", "评价"};
  lxw_col_t col = 0;
  for (const char* h : headers) worksheet_write_string(ws, 0, col++, h, bold);
  worksheet_set_column(ws, 2, 2, 40, nullptr);
  worksheet_set_column(ws, 4, 4, 20, nullptr);
  worksheet_set_column(ws, 7, 7, 24, nullptr);
  worksheet_freeze_panes(ws, 1, 0);
  auto str = [](const bj::value& v) -> std::string { return v.is_string() ? std::string(v.as_string()) : ""; };
  auto when = [&](const bj::value& v) -> std::string {
    if (!v.is_string()) return "";
    auto t = parse_iso8601(v.as_string());
    return t ? detail::beijing(*t) : "";
  };
  lxw_row_t row = 1;
  for (const auto& o : rows) {
    lxw_col_t c = 0;
    worksheet_write_number(ws, row, c++, static_cast<double>(o.at("id").as_int64()), nullptr);
    worksheet_write_string(ws, row, c++, str(o.at("kind_label")).c_str(), nullptr);
    worksheet_write_string(ws, row, c++, str(o.at("title")).c_str(), nullptr);
    worksheet_write_string(ws, row, c++, str(o.at("category")).c_str(), nullptr);
    worksheet_write_string(ws, row, c++, str(o.at("org").at("name")).c_str(), nullptr);
    worksheet_write_string(ws, row, c++, str(o.at("submitter").at("name")).c_str(), nullptr);
    worksheet_write_string(ws, row, c++, str(o.at("state_label")).c_str(), nullptr);
    worksheet_write_string(ws, row, c++, o.at("lead_unit").is_object() ? str(o.at("lead_unit").at("name")).c_str() : "", nullptr);
    worksheet_write_string(ws, row, c++, str(o.at("deadline_day")).c_str(), nullptr);
    if (o.at("working_days_left").is_int64())
      worksheet_write_number(ws, row, c, static_cast<double>(o.at("working_days_left").as_int64()), nullptr);
    ++c;
    worksheet_write_string(ws, row, c++, card_label(str(o.at("card"))).c_str(), nullptr);
    worksheet_write_string(ws, row, c++, o.at("key_case").as_bool() ? "是" : "", nullptr);
    worksheet_write_string(ws, row, c++, when(o.at("submitted_at")).c_str(), nullptr);
    worksheet_write_string(ws, row, c++, when(o.at("answered_at")).c_str(), nullptr);
    std::optional<std::string> rating;
    if (o.at("rating").is_string()) rating = std::string(o.at("rating").as_string());
    worksheet_write_string(ws, row, c++, rating_label(rating).c_str(), nullptr);
    ++row;
  }
  if (row > 1) worksheet_autofilter(ws, 0, 0, row - 1, col - 1);
  // The filters, so the file says what it is a list of.
  lxw_worksheet* fs = workbook_add_worksheet(wb, "筛选条件");
  worksheet_write_string(fs, 0, 0, "条件", bold);
  worksheet_write_string(fs, 0, 1, "值", bold);
  worksheet_set_column(fs, 0, 1, 20, nullptr);
  lxw_row_t fr = 1;
  auto put = [&](const char* k, const std::string& v) {
    worksheet_write_string(fs, fr, 0, k, nullptr);
    worksheet_write_string(fs, fr, 1, v.c_str(), nullptr);
    ++fr;
  };
  put("范围 scope", f.scope);
  if (f.org_id) put("组织 org_id", std::to_string(*f.org_id));
  if (f.unit_id) put("承办单位 unit_id", std::to_string(*f.unit_id));
  if (f.kind) put("类别 kind", kind_label(*f.kind));
  if (f.state) put("状态 state", parse_state(*f.state) ? state_label(*parse_state(*f.state)) : *f.state);
  if (f.card) put("督办 card", card_label(*f.card).empty() ? *f.card : card_label(*f.card));
  if (f.key_case) put("重点督办 key_case", *f.key_case ? "是" : "否");
  if (f.q) put("关键词 q", *f.q);
  if (f.year) put("年度 year", std::to_string(*f.year));
  put("导出时间", detail::beijing(clock_.now_ms()));
  put("条数", std::to_string(rows.size()));
  lxw_doc_properties props{};
  std::string title = "案件清单";
  props.title = const_cast<char*>(title.c_str());
  workbook_set_properties(wb, &props);
  lxw_error err = workbook_close(wb);
  std::string bytes;
  if (err == LXW_NO_ERROR) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    bytes = ss.str();
  }
  std::remove(path);
  if (err != LXW_NO_ERROR || bytes.empty()) return Error::Internal("生成 Excel 文件失败");
  return bytes;
}

}  // namespace sl::cases
