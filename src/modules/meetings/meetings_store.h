// SQL of the meetings module, and nothing else.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "modules/ledger/ledger.h"
#include "modules/meetings/meetings.h"
#include "storage/database.h"

namespace sl::meetings::store {

using storage::Conn;

struct AgendaItem {
  int64_t id = 0;
  int position = 0;
  std::string title;
  std::optional<TimeMs> starts_at;
  std::optional<int64_t> minutes;
  std::string speaker;
};

struct Venue {
  int64_t id = 0;
  int position = 0;
  std::string name, address;
  std::optional<int64_t> capacity, host_id;
  std::string host_name;
  bool main = false;
};

struct MeetingRow {
  int64_t id = 0, org_id = 0;
  std::string org_name, org_path;
  std::string title, topic, description;
  std::optional<int64_t> deliberation_id, topic_id;
  TimeMs starts_at = 0, ends_at = 0;
  std::string state = "draft";
  bool is_public = false;
  std::string comments = "off";
  std::string video_url, hls_url;
  std::string invite = "{}";
  std::optional<int64_t> current_item_id, floor_request_id, floor_started_at, floor_seconds;
  std::string minutes_md;
  std::optional<TimeMs> minutes_updated_at;
  std::optional<int64_t> minutes_updated_by;
  std::string minutes_salt;
  int64_t comment_count = 0, last_seq = 0;
  std::optional<TimeMs> reminded_at;
  std::string state_reason;
  std::optional<int64_t> created_by;
  TimeMs created_at = 0, updated_at = 0;
  std::string ledger_salt;
  // Filled by find_meeting:
  std::vector<int64_t> joint_org_ids;
  std::vector<std::string> joint_org_paths;
  std::vector<int64_t> chair_ids, secretary_ids;
};

Result<std::optional<MeetingRow>> find_meeting(Conn& c, int64_t id);
Result<int64_t> insert_meeting(Conn& c, const MeetingRow& m, TimeMs now);
Status update_meeting(Conn& c, const MeetingRow& m, TimeMs now);  // the editable fields
Status set_state(Conn& c, int64_t id, const std::string& state, const std::string& reason, TimeMs now);
Status set_current_item(Conn& c, int64_t id, std::optional<int64_t> item_id);
Status set_floor(Conn& c, int64_t id, std::optional<int64_t> request_id, std::optional<TimeMs> started_at,
                 std::optional<int64_t> seconds);
Status replace_orgs(Conn& c, int64_t id, const std::vector<int64_t>& org_ids);
Status replace_roles(Conn& c, int64_t id, const std::string& role, const std::vector<int64_t>& person_ids);
Result<std::vector<MeetingRow>> list_meetings(Conn& c, const ListFilter& f, std::optional<int64_t> person_id,
                                              int64_t before, int limit);

Result<std::vector<AgendaItem>> agenda(Conn& c, int64_t id);
Status replace_agenda(Conn& c, int64_t id, const std::vector<AgendaItem>& items);
Result<std::vector<Venue>> venues(Conn& c, int64_t id);
Status replace_venues(Conn& c, int64_t id, const std::vector<Venue>& venues);

struct Invitee {
  int64_t id = 0, meeting_id = 0, person_id = 0;
  std::string name, sector;
  std::optional<std::string> reply;
  std::string reply_reason;
  std::optional<int64_t> reply_venue_id;
  std::optional<TimeMs> replied_at;
  std::optional<std::string> attendance;
  std::optional<int64_t> attendance_venue_id;
  std::optional<TimeMs> checked_in_at;
  bool by_hand = false;
  std::string attendance_reason;
};
Result<std::vector<Invitee>> invitees(Conn& c, int64_t id);
Result<std::optional<Invitee>> invitee(Conn& c, int64_t id, int64_t person_id);
// Adds people not invited yet; removes invitees outside `person_ids` who have not replied.
Status sync_invitees(Conn& c, int64_t id, const std::vector<int64_t>& person_ids);
Status set_reply(Conn& c, int64_t invitee_id, const std::string& reply, const std::string& reason,
                 std::optional<int64_t> venue_id, TimeMs now);
Status set_attendance(Conn& c, int64_t invitee_id, const std::string& status, std::optional<int64_t> venue_id,
                      std::optional<TimeMs> at, bool by_hand, const std::string& reason);
// People an invitation rule reaches: members of sectors, responders of departments, all members.
Result<std::vector<int64_t>> people_of_sectors(Conn& c, const std::vector<int64_t>& sector_ids);
Result<std::vector<int64_t>> responders_of(Conn& c, const std::vector<int64_t>& department_ids);
Result<std::vector<int64_t>> members_of(Conn& c, int64_t org_id);
Result<bool> person_exists(Conn& c, int64_t person_id);
Result<std::string> person_name(Conn& c, int64_t person_id);
Result<std::string> person_locale(Conn& c, int64_t person_id);
struct PersonMeeting {
  int64_t meeting_id = 0;
  std::string title;
  TimeMs starts_at = 0;
  std::optional<std::string> status;
};
Result<std::vector<PersonMeeting>> meetings_of_person(Conn& c, int64_t person_id);
Result<std::vector<std::string>> member_org_paths(Conn& c, int64_t person_id);

struct QueueItem {
  int64_t id = 0, meeting_id = 0, person_id = 0;
  std::string person_name;
  std::optional<int64_t> agenda_item_id;
  std::string note;
  bool remote = false;
  std::string state;
  TimeMs requested_at = 0;
  std::optional<TimeMs> started_at, ended_at;
  std::optional<int64_t> seconds;
};
Result<std::vector<QueueItem>> queue(Conn& c, int64_t id, bool open_only);
Result<std::optional<QueueItem>> queue_item(Conn& c, int64_t id, int64_t request_id);
Result<bool> has_waiting(Conn& c, int64_t id, int64_t person_id);
Result<int64_t> insert_queue_item(Conn& c, const QueueItem& q);
Status set_queue_state(Conn& c, int64_t request_id, const std::string& state, std::optional<TimeMs> started_at,
                       std::optional<TimeMs> ended_at, std::optional<int64_t> seconds);

struct Intervention {
  int64_t id = 0, person_id = 0;
  std::string person_name;
  std::optional<int64_t> agenda_item_id;
  std::string body;
  TimeMs created_at = 0;
};
Result<std::vector<Intervention>> interventions(Conn& c, int64_t id, int64_t after, int limit);
Result<int64_t> insert_intervention(Conn& c, int64_t id, int64_t person_id, std::optional<int64_t> item,
                                    const std::string& body, TimeMs now);

struct Comment {
  int64_t id = 0, meeting_id = 0;
  std::optional<int64_t> person_id;
  std::string author_name, body, state;
  bool picked = false;
  std::optional<TimeMs> picked_at;
  TimeMs created_at = 0;
};
Result<std::vector<Comment>> comments(Conn& c, int64_t id, int64_t after, const std::string& state, bool picked_only,
                                      int limit);
Result<std::optional<Comment>> comment(Conn& c, int64_t id, int64_t comment_id);
Result<int64_t> insert_comment(Conn& c, const Comment& cm);
Status set_comment_state(Conn& c, int64_t comment_id, const std::string& state);
Status set_comment_picked(Conn& c, int64_t comment_id, bool picked, TimeMs now);
Result<int64_t> visible_comment_count(Conn& c, int64_t id);

Status save_minutes(Conn& c, int64_t id, const std::string& body_md, int64_t by, TimeMs now);

struct Outcome {
  std::string type;
  int64_t id = 0;
  std::string title;
};
Result<std::vector<Outcome>> outcomes(Conn& c, int64_t id);
Status add_outcome(Conn& c, int64_t id, const Outcome& o);
Result<bool> remove_outcome(Conn& c, int64_t id, const std::string& type, int64_t outcome_id);
// The title of a case, topic or deliberation, or nothing when there is none.
Result<std::optional<std::string>> outcome_title(Conn& c, const std::string& type, int64_t outcome_id);

// The next live sequence number.
Result<int64_t> next_seq(Conn& c, int64_t id);
Status insert_event(Conn& c, int64_t id, int64_t seq, const std::string& type, TimeMs at, const std::string& payload);
struct EventRow {
  int64_t seq = 0;
  std::string type;
  TimeMs at = 0;
  std::string payload;
};
Result<std::vector<EventRow>> events_after(Conn& c, int64_t id, int64_t after_seq, int limit);

// Scheduled meetings due a reminder (starts_at in (now, until]).
Result<std::vector<int64_t>> due_reminders(Conn& c, TimeMs now, TimeMs until);
Status set_reminded(Conn& c, int64_t id, TimeMs now);

bool is_ledger_type(std::string_view type);  // meeting, meeting_minutes, meeting_attendance, meeting_comment
Result<std::optional<ledger::RecordState>> ledger_state(Conn& c, std::string_view type, int64_t id);
Status set_ledger_salt(Conn& c, std::string_view type, int64_t id, const std::string& salt);

}  // namespace sl::meetings::store
