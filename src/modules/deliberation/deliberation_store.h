// SQL of the deliberation module, and nothing else: rows in, rows out.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "modules/ledger/ledger.h"
#include "storage/database.h"

namespace sl::deliberation::store {

using storage::Conn;
namespace bj = boost::json;

// ---- deliberations -----------------------------------------------------------------------

struct DelibRow {
  int64_t id = 0, org_id = 0;
  std::string theme, description, description_html, state, public_mode;
  bool sectors_only = false;
  std::optional<int64_t> current_phase_id;
  int64_t last_seq = 0, visits = 0, unique_viewers = 0, post_count = 0;
  std::optional<int64_t> created_by;
  TimeMs created_at = 0, updated_at = 0;
  std::optional<TimeMs> opened_at, closed_at;
  int64_t version = 0;
  std::string ledger_salt;
};

struct OrgRef {
  int64_t id = 0;
  std::string name, path, kind;
};
struct NameRef {
  int64_t id = 0;
  std::string name;
};
struct Subtopic {
  int64_t id = 0;  // 0: not stored yet
  std::string title, description;
};
struct Phase {
  int64_t id = 0;  // 0: not stored yet
  std::string kind, name;
  std::optional<TimeMs> starts_at, ends_at;
};

// Who takes part: participating organisations (host first), invited departments, sectors (when
// sectors_only), invited experts.
struct Parties {
  std::vector<OrgRef> orgs, departments;
  std::vector<NameRef> sectors, experts;
};

Result<std::optional<DelibRow>> find_deliberation(Conn& c, int64_t id);
// What a cached page of posts is looked up by, in one query: the deliberation's id, org_id,
// state, public_mode, sectors_only and last_seq (the rest of the row left empty), and the
// directory version (modules/common/directory_version.h).
struct PageHead {
  DelibRow d;
  int64_t directory = 0;
};
Result<std::optional<PageHead>> page_head(Conn& c, int64_t id);
Result<Parties> parties(Conn& c, int64_t id);
Result<std::vector<Subtopic>> subtopics(Conn& c, int64_t id);
Result<std::vector<Phase>> phases(Conn& c, int64_t id);

struct NewDelib {
  int64_t org_id = 0;
  std::string theme, description, description_html, public_mode;
  bool sectors_only = false;
  int64_t created_by = 0;
  std::string salt;
};
Result<int64_t> insert_deliberation(Conn& c, const NewDelib& d, TimeMs now);
Status update_deliberation(Conn& c, const DelibRow& d, TimeMs now);  // theme, description(+html), public_mode, sectors_only
Status set_state(Conn& c, int64_t id, const std::string& state, TimeMs now);
Status set_current_phase(Conn& c, int64_t id, std::optional<int64_t> phase_id, TimeMs now);
Status replace_parties(Conn& c, int64_t id, const std::vector<int64_t>& org_ids, const std::vector<int64_t>& department_ids,
                       const std::vector<int64_t>& sector_ids, const std::vector<int64_t>& expert_ids);
// Makes the stored sub-topics equal `want` (kept by id, added, removed); Conflict when a removed
// one still tags posts. Same for phases (a removed current phase is cleared).
Status sync_subtopics(Conn& c, int64_t id, const std::vector<Subtopic>& want);
Status sync_phases(Conn& c, int64_t id, const std::vector<Phase>& want);

struct ListFilter {
  std::optional<int64_t> org_id;
  std::optional<std::string> state;
};
// Deliberations with id < before, newest first.
Result<std::vector<DelibRow>> list_deliberations(Conn& c, const ListFilter& f, int64_t before, int limit);
Result<std::vector<NameRef>> org_names(Conn& c, const std::vector<int64_t>& ids);
// The participating organisations of each of these deliberations (the list's joint ones).
struct DelibOrg {
  int64_t deliberation_id = 0;
  int64_t org_id = 0;
  std::string name;
};
Result<std::vector<DelibOrg>> orgs_of(Conn& c, const std::vector<int64_t>& deliberation_ids);
struct PhaseName {
  int64_t id = 0;
  std::string kind, name;
};
Result<std::vector<PhaseName>> phase_names(Conn& c, const std::vector<int64_t>& ids);
struct Theme {
  int64_t id = 0;
  std::string theme, state;
};
Result<std::vector<Theme>> themes(Conn& c, const std::vector<int64_t>& ids);

// Deliberations a caller may read through each kind of tie (the search and list resolvers).
Result<std::vector<int64_t>> ids_public(Conn& c);
Result<std::vector<int64_t>> ids_under_path(Conn& c, const std::string& path);  // any participant at or below path
Result<std::vector<int64_t>> ids_hosted_under_path(Conn& c, const std::string& path);  // host at or below path
Result<std::vector<std::pair<int64_t, bool>>> ids_of_member_org(Conn& c, int64_t org_id, std::optional<int64_t> sector_id);
Result<std::vector<int64_t>> ids_of_department(Conn& c, int64_t org_id);
Result<std::vector<int64_t>> ids_of_expert(Conn& c, int64_t person_id);

// Counts a visit; returns (visits, unique viewers).
Result<std::pair<int64_t, int64_t>> visit(Conn& c, int64_t id, const std::string& visitor, int64_t day);

// ---- event log ----------------------------------------------------------------------------

// Takes the deliberation's next sequence number (row-locked on PostgreSQL; SQLite has one writer).
Result<int64_t> next_seq(Conn& c, int64_t id);
Status insert_event(Conn& c, int64_t id, int64_t seq, const std::string& type, TimeMs at, std::optional<int64_t> post_id,
                    const std::string& payload);
struct EventRow {
  int64_t seq = 0;
  std::string type;
  TimeMs at = 0;
  std::string payload;
};
Result<std::vector<EventRow>> events_after(Conn& c, int64_t id, int64_t after_seq, int limit);
Result<std::vector<EventRow>> events_of_post(Conn& c, int64_t id, int64_t post_id);
Status set_event_payload(Conn& c, int64_t id, int64_t seq, const std::string& payload);

// ---- posts --------------------------------------------------------------------------------

struct PostRow {
  int64_t id = 0, deliberation_id = 0;
  std::string kind;
  std::optional<int64_t> parent_id, root_id, reply_to_id;
  int depth = 0;
  int64_t author_id = 0;
  std::string author_name, author_role;
  std::optional<int64_t> author_org_id;
  std::string author_org_name, author_org_kind;
  std::optional<std::string> mark;
  std::optional<int64_t> subtopic_id, point_id;
  std::string title, body, body_html, state;
  std::optional<std::string> moderation_reason;
  std::optional<TimeMs> moderated_at;
  int64_t version = 1, like_count = 0, reply_count = 0;
  TimeMs created_at = 0, updated_at = 0;
  std::optional<TimeMs> edited_at;
  std::string ledger_salt;
  bool liked = false;  // by the viewer the query was made for
};

Result<std::optional<PostRow>> find_post(Conn& c, int64_t id, int64_t viewer);
struct PostPage {
  int64_t deliberation_id = 0;
  std::optional<int64_t> subtopic_id;
  bool ascending = false;
  int64_t cursor = 0;  // last id seen (0: from the start)
  int limit = 50;
  bool moderator = false;  // sees held posts (their authors always do)
};
// Top-level posts of a deliberation.
Result<std::vector<PostRow>> top_posts(Conn& c, const PostPage& p, int64_t viewer);
// Every reply of a thread with id > after, oldest first (held ones for their author and moderators).
Result<std::vector<PostRow>> thread_replies(Conn& c, int64_t root_id, int64_t after, int limit, int64_t viewer,
                                            bool moderator);
// Posts waiting for a moderator, oldest first.
Result<std::vector<PostRow>> held_posts(Conn& c, int64_t deliberation_id);
Result<std::vector<PostRow>> posts_of_points(Conn& c, const std::vector<int64_t>& point_ids, int64_t viewer);
Result<std::vector<PostRow>> posts_of_author(Conn& c, int64_t author_id, int64_t before, int limit);
Result<std::vector<PostRow>> all_posts(Conn& c, int64_t deliberation_id);  // export
struct PostBrief {
  int64_t id = 0, author_id = 0;
  std::string title, body, state, author_name;
};
Result<std::vector<PostBrief>> post_briefs(Conn& c, const std::vector<int64_t>& ids);

struct NewPost {
  int64_t deliberation_id = 0;
  std::string kind;
  std::optional<int64_t> parent_id, root_id, reply_to_id;
  int depth = 0;
  int64_t author_id = 0;
  std::string author_role;
  std::optional<int64_t> author_org_id;
  std::optional<std::string> mark;
  std::optional<int64_t> subtopic_id, point_id;
  std::string title, body, body_html, salt;
  std::string state = "visible";  // or "held"
};
Result<int64_t> insert_post(Conn& c, const NewPost& p, TimeMs now);
// Adds one to the reply counts of the parent and, when it differs, the thread's root, and to
// the deliberation's post count.
Status count_reply(Conn& c, const NewPost& p);
Status count_post(Conn& c, int64_t deliberation_id);
Status insert_version(Conn& c, const PostRow& old, TimeMs written_at);
Status update_post_content(Conn& c, int64_t id, const std::string& title, const std::string& body,
                           const std::string& body_html, std::optional<int64_t> subtopic_id, TimeMs now);
Status set_post_state(Conn& c, int64_t id, const std::string& state, std::optional<std::string> reason, TimeMs now);
// Erases a post's content (title, body, earlier versions, salt), leaving its place in the thread
// with `state` ("deleted" by its author, "removed" by moderation) and the moderation reason.
Status erase_post_content(Conn& c, int64_t id, const std::string& state, std::optional<std::string> reason, TimeMs now);
// Blanks the quotes that points took from a post whose content was erased; the changed points.
Result<std::vector<int64_t>> blank_point_quotes(Conn& c, int64_t post_id, TimeMs now);
// A person's likes, removed (their erasure): (like id, post id, deliberation id).
struct LikeRef {
  int64_t id = 0, post_id = 0, deliberation_id = 0;
};
Result<std::vector<LikeRef>> delete_likes_of(Conn& c, int64_t person_id);

struct VersionRow {
  int version = 0;
  std::string title, body;
  std::optional<int64_t> subtopic_id;
  TimeMs created_at = 0;
};
Result<std::vector<VersionRow>> versions(Conn& c, int64_t post_id);
struct ExportVersion {
  int64_t post_id = 0;
  VersionRow v;
};
Result<std::vector<ExportVersion>> all_versions(Conn& c, int64_t deliberation_id);

// Likes: true when it changed something. like_count of the post afterwards.
Result<std::optional<int64_t>> insert_like(Conn& c, int64_t post_id, int64_t person_id, const std::string& salt, TimeMs now);
Result<std::optional<int64_t>> delete_like(Conn& c, int64_t post_id, int64_t person_id);  // the removed like's id
Result<int64_t> like_count(Conn& c, int64_t post_id);

// Reports and bans.
Result<int64_t> insert_report(Conn& c, int64_t deliberation_id, int64_t post_id, int64_t reporter, const std::string& reason,
                              const std::string& salt, TimeMs now);
struct ReportRow {
  int64_t id = 0, deliberation_id = 0, post_id = 0, reporter_id = 0;
  std::string reporter_name, reason, state;
  TimeMs created_at = 0;
  std::optional<TimeMs> resolved_at;
  std::string post_excerpt, post_state;
};
Result<std::optional<ReportRow>> find_report(Conn& c, int64_t id);
Result<std::vector<ReportRow>> list_reports(Conn& c, int64_t deliberation_id, std::optional<std::string> state, int64_t after,
                                            int limit);
Status resolve_report(Conn& c, int64_t id, const std::string& state, int64_t by, TimeMs now);
// Open reports of a post become `actioned`; returns their ids.
Result<std::vector<int64_t>> action_reports_of_post(Conn& c, int64_t post_id, int64_t by, TimeMs now);

Result<bool> is_banned(Conn& c, int64_t deliberation_id, int64_t person_id);
Result<int64_t> insert_ban(Conn& c, int64_t deliberation_id, int64_t person_id, const std::string& reason, int64_t by,
                           const std::string& salt, TimeMs now);
Result<std::optional<int64_t>> delete_ban(Conn& c, int64_t deliberation_id, int64_t person_id);
Result<bj::array> list_bans(Conn& c, int64_t deliberation_id);

// ---- points -------------------------------------------------------------------------------

struct PointRow {
  int64_t id = 0, deliberation_id = 0, post_id = 0;
  std::string quote, summary, state;
  std::optional<int64_t> department_id;
  std::string department_name;
  std::optional<std::string> taken_how;
  std::optional<TimeMs> deadline_at;
  int64_t asked_again = 0;
  std::optional<std::string> follow_up;
  std::optional<int64_t> created_by;
  TimeMs created_at = 0, updated_at = 0;
  std::optional<TimeMs> taken_at, first_answered_at, answered_at, accepted_at, response_ms;
  std::string ledger_salt;
  // Joined: the deliberation's theme, the post's author and state (a quote is shown only
  // while its post is visible).
  std::string theme;
  int64_t post_author_id = 0;
  std::string post_state;
};

Result<std::optional<PointRow>> find_point(Conn& c, int64_t id);
Result<std::vector<PointRow>> points_of_posts(Conn& c, const std::vector<int64_t>& post_ids);
struct PointFilter {
  int64_t deliberation_id = 0;
  std::optional<std::string> state;
  std::optional<int64_t> department_id;
};
Result<std::vector<PointRow>> list_points(Conn& c, const PointFilter& f, int64_t after, int limit);
Result<std::vector<PointRow>> all_points(Conn& c, int64_t deliberation_id);
// The department console: `todo` (open in deliberations inviting them, or claimed by them), or one state.
Result<std::vector<PointRow>> department_points(Conn& c, const std::vector<int64_t>& departments, const std::string& state,
                                                int64_t after, int limit);

struct NewPoint {
  int64_t deliberation_id = 0, post_id = 0;
  std::string quote, summary;
  std::optional<int64_t> department_id;
  std::optional<TimeMs> deadline_at;
  int64_t created_by = 0;
  std::string salt;
};
Result<int64_t> insert_point(Conn& c, const NewPoint& p, TimeMs now);
// Writes every mutable field of the point.
Status update_point(Conn& c, const PointRow& p, TimeMs now);

// Recomputes the department's row of department_response_stats for one deliberation.
Status refresh_response_stats(Conn& c, int64_t deliberation_id, int64_t department_id, TimeMs now);
Result<bj::array> response_stats(Conn& c, int64_t deliberation_id);

// ---- ledger -------------------------------------------------------------------------------

// Canonical content and salt of a record: type "deliberation", "post", "point", "like",
// "report" or "ban"; nothing if the record is gone or its content was erased (a deleted or
// removed post).
Result<std::optional<ledger::RecordState>> ledger_state(Conn& c, std::string_view type, int64_t id);
Status set_ledger_salt(Conn& c, std::string_view type, int64_t id, const std::string& salt);
bool is_ledger_type(std::string_view type);

}  // namespace sl::deliberation::store
