// Roster export to Excel (.xlsx) with libxlsxwriter.
#include <unistd.h>
#include <xlsxwriter.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "modules/orgs/orgs.h"
#include "modules/orgs/orgs_store.h"

namespace sl::orgs {

using storage::Conn;

Result<std::string> OrgsService::export_roster_xlsx(const Caller& caller, int64_t org_id) {
  std::vector<store::RosterLine> lines;
  std::string org_name, org_kind;
  SL_TRY(db_.read([&](Conn& c) -> Status {
    SL_TRY(access::check(c, caller, org_id, access::Action::kRosterExport));
    SL_ASSIGN(auto org, store::find_org(c, org_id));
    org_name = org->name;
    org_kind = org->kind;
    SL_ASSIGN(lines, store::roster(c, org_id));
    return Ok();
  }));
  char path[] = "/tmp/shangliang-roster-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return Error::Internal("无法创建临时文件");
  ::close(fd);
  lxw_workbook* wb = workbook_new(path);
  if (!wb) {
    std::remove(path);
    return Error::Internal("无法创建 Excel 文件");
  }
  lxw_worksheet* ws = workbook_add_worksheet(wb, "名册");
  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  const char* headers[] = {"姓名", "登录名", "手机号", "角色", "界别"};
  for (int i = 0; i < 5; ++i) worksheet_write_string(ws, 0, static_cast<lxw_col_t>(i), headers[i], bold);
  worksheet_set_column(ws, 0, 4, 16, nullptr);
  lxw_row_t row = 1;
  for (const auto& l : lines) {
    std::string role = access::role_label(access::parse_role(l.role).value_or(access::Role::kMember), org_kind);
    const std::string* cells[] = {&l.display_name, &l.login, &l.mobile, &role, &l.sector};
    for (int i = 0; i < 5; ++i) worksheet_write_string(ws, row, static_cast<lxw_col_t>(i), cells[i]->c_str(), nullptr);
    ++row;
  }
  worksheet_autofilter(ws, 0, 0, row - 1, 4);
  lxw_doc_properties props{};
  std::string title = org_name + " 名册";
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

}  // namespace sl::orgs
