// Export of a deliberation's full record to Excel (.xlsx, libxlsxwriter): overview, every post
// and reply (hidden and deleted ones with their state), points, answers and follow-ups, and
// every earlier version of edited posts. For staff, admins and leaders of its organisations.
#include <unistd.h>
#include <xlsxwriter.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "modules/deliberation/deliberation_internal.h"

namespace sl::deliberation {

using storage::Conn;

namespace {

// "2026-05-01 09:30" in Beijing time (UTC+8), as people read the record.
std::string beijing(TimeMs t) {
  std::string iso = format_iso8601(t + 8 * 3600 * 1000);
  return iso.substr(0, 10) + " " + iso.substr(11, 5);
}
std::string beijing(const std::optional<TimeMs>& t) { return t ? beijing(*t) : ""; }

std::string state_label(const std::string& s) {
  if (s == "visible") return "正常";
  if (s == "hidden") return "已隐藏";
  if (s == "held") return "待审核";
  if (s == "deleted") return "作者已删除";
  if (s == "removed") return "已移除";
  if (s == "open") return "待认领";
  if (s == "claimed") return "已认领";
  if (s == "answered") return "已回应";
  if (s == "accepted") return "已采纳";
  if (s == "draft") return "草稿";
  if (s == "closed") return "已结束";
  if (s == "archived") return "已归档";
  return s;
}

std::string kind_label(const std::string& k) {
  if (k == "article") return "发言";
  if (k == "reply") return "回复";
  return "评论";
}

std::string mark_label(const std::optional<std::string>& m) {
  if (!m) return "";
  if (*m == "leader_remark") return "领导点评";
  if (*m == "department_answer") return "部门回应";
  return *m;
}

class Sheet {
 public:
  Sheet(lxw_workbook* wb, const char* name, std::initializer_list<const char*> headers, lxw_format* bold, lxw_format* wrap)
      : ws_(workbook_add_worksheet(wb, name)), wrap_(wrap) {
    lxw_col_t col = 0;
    for (const char* h : headers) worksheet_write_string(ws_, 0, col++, h, bold);
    cols_ = col;
    worksheet_freeze_panes(ws_, 1, 0);
  }
  void width(lxw_col_t col, double w, bool wrap = false) { worksheet_set_column(ws_, col, col, w, wrap ? wrap_ : nullptr); }
  Sheet& cell(const std::string& s) {
    // Excel keeps at most 32,767 characters in a cell; our limits stay below it.
    worksheet_write_string(ws_, row_, col_++, s.c_str(), nullptr);
    return *this;
  }
  Sheet& cell(int64_t n) {
    worksheet_write_number(ws_, row_, col_++, static_cast<double>(n), nullptr);
    return *this;
  }
  Sheet& cell(const std::optional<int64_t>& n) {
    if (n) return cell(*n);
    ++col_;
    return *this;
  }
  void next() {
    ++row_;
    col_ = 0;
  }
  void finish() {
    if (row_ > 1) worksheet_autofilter(ws_, 0, 0, row_ - 1, cols_ - 1);
  }
  void begin() {
    row_ = 1;
    col_ = 0;
  }

 private:
  lxw_worksheet* ws_;
  lxw_format* wrap_;
  lxw_row_t row_ = 1;
  lxw_col_t col_ = 0, cols_ = 0;
};

}  // namespace

Result<std::string> DeliberationService::export_xlsx(const Caller& caller, int64_t deliberation_id) {
  detail::Loaded l;
  std::vector<store::Subtopic> subs;
  std::vector<store::Phase> phases;
  std::vector<store::PostRow> posts;
  std::vector<store::PointRow> points;
  std::vector<store::ExportVersion> versions;
  SL_TRY(db_.read([&](Conn& c) -> Status {
    SL_ASSIGN(l, detail::load(c, caller, deliberation_id));
    if (!l.st.manage && !l.st.oversee) return Error::Forbidden("只有工作人员和领导可以导出协商记录");
    SL_ASSIGN(subs, store::subtopics(c, deliberation_id));
    SL_ASSIGN(phases, store::phases(c, deliberation_id));
    SL_ASSIGN(posts, store::all_posts(c, deliberation_id));
    SL_ASSIGN(points, store::all_points(c, deliberation_id));
    SL_ASSIGN(versions, store::all_versions(c, deliberation_id));
    return Ok();
  }));
  auto subtopic_title = [&](const std::optional<int64_t>& id) -> std::string {
    if (!id) return "";
    for (const auto& s : subs)
      if (s.id == *id) return s.title;
    return "";
  };

  char path[] = "/tmp/shangliang-deliberation-XXXXXX";
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
    Sheet s(wb, "概况", {"项目", "内容"}, bold, wrap);
    s.width(0, 14);
    s.width(1, 80, true);
    std::string orgs, depts, phase_text, sub_text;
    for (const auto& o : l.parties.orgs) orgs += (orgs.empty() ? "" : "、") + o.name;
    for (const auto& o : l.parties.departments) depts += (depts.empty() ? "" : "、") + o.name;
    for (const auto& p : phases)
      phase_text += (phase_text.empty() ? "" : "\n") + p.name + "（" + beijing(p.starts_at) + " — " + beijing(p.ends_at) + "）" +
                    (l.d.current_phase_id == p.id ? " ← 当前" : "");
    for (const auto& t : subs) sub_text += (sub_text.empty() ? "" : "\n") + t.title;
    std::pair<const char*, std::string> rows[] = {
        {"协商主题", l.d.theme},
        {"说明", l.d.description},
        {"参与组织", orgs},
        {"受邀部门", depts},
        {"引导话题", sub_text},
        {"议程阶段", phase_text},
        {"状态", state_label(l.d.state)},
        {"开始时间", beijing(l.d.opened_at)},
        {"结束时间", beijing(l.d.closed_at)},
        {"围观人次", std::to_string(l.d.visits)},
        {"独立访客", std::to_string(l.d.unique_viewers)},
        {"发言总数", std::to_string(l.d.post_count)},
        {"导出时间", beijing(clock_.now_ms())},
    };
    for (auto& [k, v] : rows) {
      s.cell(std::string(k)).cell(v);
      s.next();
    }
  }
  {  // 发言
    Sheet s(wb, "发言",
            {"编号", "类型", "层级", "上级编号", "话题", "作者", "身份", "单位", "标记", "标题", "内容", "状态", "处理理由",
             "点赞", "回复", "版本", "发布时间", "修改时间"},
            bold, wrap);
    s.width(10, 60, true);
    for (const auto& p : posts) {
      s.cell(p.id).cell(kind_label(p.kind)).cell(int64_t{p.depth}).cell(p.parent_id).cell(subtopic_title(p.subtopic_id));
      s.cell(p.author_name).cell(detail::role_label(p)).cell(p.author_org_name).cell(mark_label(p.mark)).cell(p.title);
      s.cell(p.body).cell(state_label(p.state)).cell(p.moderation_reason.value_or(""));
      s.cell(p.like_count).cell(p.reply_count).cell(p.version).cell(beijing(p.created_at)).cell(beijing(p.edited_at));
      s.next();
    }
    s.finish();
  }
  {  // 要点
    Sheet s(wb, "要点",
            {"编号", "发言编号", "摘录", "概括", "状态", "部门", "方式", "期限", "追问次数", "最近追问", "拆分时间",
             "认领/交办时间", "首次回应时间", "采纳时间", "响应用时（小时）"},
            bold, wrap);
    s.width(2, 40, true);
    s.width(3, 30, true);
    for (const auto& p : points) {
      s.cell(p.id).cell(p.post_id).cell(p.quote).cell(p.summary).cell(state_label(p.state)).cell(p.department_name);
      s.cell(p.taken_how ? (*p.taken_how == "assigned" ? std::string("交办") : std::string("认领")) : std::string());
      s.cell(beijing(p.deadline_at)).cell(p.asked_again).cell(p.follow_up.value_or("")).cell(beijing(p.created_at));
      s.cell(beijing(p.taken_at)).cell(beijing(p.first_answered_at)).cell(beijing(p.accepted_at));
      if (p.response_ms) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(*p.response_ms) / 3'600'000.0);
        s.cell(std::string(buf));
      }
      s.next();
    }
    s.finish();
  }
  {  // 回应与追问
    Sheet s(wb, "回应与追问", {"要点编号", "发言编号", "类型", "部门", "作者", "内容", "状态", "时间"}, bold, wrap);
    s.width(5, 60, true);
    for (const auto& p : posts) {
      if (!p.point_id) continue;
      bool answer = p.mark && *p.mark == "department_answer";
      s.cell(*p.point_id).cell(p.id).cell(std::string(answer ? "部门回应" : "追问")).cell(answer ? p.author_org_name : "");
      s.cell(p.author_name).cell(p.body).cell(state_label(p.state)).cell(beijing(p.created_at));
      s.next();
    }
    s.finish();
  }
  {  // 修改记录
    Sheet s(wb, "修改记录", {"发言编号", "版本", "标题", "内容", "话题", "写于"}, bold, wrap);
    s.width(3, 60, true);
    for (const auto& v : versions) {
      s.cell(v.post_id).cell(int64_t{v.v.version}).cell(v.v.title).cell(v.v.body).cell(subtopic_title(v.v.subtopic_id));
      s.cell(beijing(v.v.created_at));
      s.next();
    }
    s.finish();
  }

  lxw_doc_properties props{};
  std::string title = l.d.theme + " 协商记录";
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

}  // namespace sl::deliberation
