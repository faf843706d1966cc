// Helpers shared by the deliberation service's translation units (not part of the facade):
// loading a deliberation with the caller's standing, the event outbox, JSON of records, and the
// narrow seams to modules built beside this one (Markdown, search, notifications).
#pragma once

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "modules/deliberation/deliberation.h"
#include "modules/deliberation/deliberation_store.h"
#include "modules/notifications/templates.h"
#include "pubsub/bus.h"

namespace sl::deliberation::detail {

using storage::Conn;

// A deliberation as a use case needs it: its row, who takes part, and the caller's standing.
struct Loaded {
  store::DelibRow d;
  store::Parties parties;
  Standing st;
};

// Pure: the caller's standing in a deliberation.
Standing standing_of(const store::DelibRow& d, const store::Parties& ps, const Caller& caller);
// Loads a deliberation the caller may read; NotFound otherwise (drafts and closed ones are not revealed).
Result<Loaded> load(Conn& c, const Caller& caller, int64_t id);
// load()'s refusal when the standing does not allow reading: 401 for an anonymous caller of a
// deliberation that is not a draft (signing in may help), NotFound otherwise.
Status check_read(const store::DelibRow& d, const Standing& st, const Caller& caller);

// Events made inside a transaction, published after it commits. A unit of work may be retried,
// so each attempt starts by clearing the outbox.
struct Outbox {
  std::vector<pubsub::Message> messages;
  void clear() { messages.clear(); }
};
// Appends the event with the deliberation's next sequence number; returns the seq.
Result<int64_t> emit(Conn& c, Outbox& out, int64_t deliberation_id, std::string_view type, TimeMs at,
                     std::optional<int64_t> post_id, bj::value data);
void publish(pubsub::Bus& bus, Outbox& out);
// The room of a deliberation on the bus.
std::string room_of(int64_t deliberation_id);

// A post to add, as a use case asks for it; the author's part comes from their standing.
struct PostSpec {
  std::optional<std::string> kind;  // article / reply / comment; derived when absent
  std::optional<int64_t> parent_id, subtopic_id, point_id;
  std::optional<int64_t> as_department;  // answers speak for this department (one of the caller's)
  std::string title, body;
  std::vector<int64_t> attachment_ids;  // the author's own uploads, bound to the post
  bool may_hold = false;  // with sensitive words and hold_sensitive: held for a moderator, not refused
};
// Checks the deliberation is open, the caller may speak and is not banned, screens the text
// for sensitive words, threads the post two levels deep, inserts it with its ledger entry and —
// unless it is held for a moderator — its counts, event (post.created), search entry and
// notifications (publish_post).
Result<store::PostRow> add_post(Conn& c, ledger::Ledger& ledger, Outbox& out, const Loaded& l, const Caller& caller,
                                const Options& opts, const PostSpec& spec, TimeMs now);
// What makes a post public: its counts, post.created, the search index, and telling the
// parent's author and the @mentioned. For new posts, and for held ones when approved.
Status publish_post(Conn& c, Outbox& out, const Loaded& l, const store::PostRow& p, TimeMs now);
// The distinct listed words in a title and body (none without a list).
std::vector<std::string> sensitive_words(const Options& opts, std::string_view title, std::string_view body);
// 422 sensitive_words naming them ({"words":[...]} in the problem).
Error sensitive_error(const std::vector<std::string>& words);
// Rewrites the events that carry a post's content — its post.* events become
// {"id":..,"redacted":true}, the point.* events of its points lose their quotes — so that
// catching up never shows hidden or erased content.
Status redact_post_events(Conn& c, int64_t deliberation_id, int64_t post_id);
// Erases a post's content (its author's deletion, or moderation's removal) with the ledger's
// erasure entry; emits post.deleted / post.removed.
Result<ledger::Erasure> erase_post(Conn& c, ledger::Ledger& ledger, const Options& opts, Outbox& out,
                                   const Caller& caller, const store::PostRow& p, const std::string& state,
                                   std::optional<std::string> reason, std::string_view code, TimeMs now);
// Plain words of Markdown text, cut to `n` characters with an ellipsis (notifications, lists).
std::string excerpt(std::string_view md, size_t n);

// Appends the ledger entry for a record's current state (or its removal).
Status record(Conn& c, ledger::Ledger& ledger, const Caller& caller, std::string_view action, std::string_view type,
              int64_t id);
// {"type","id","salt","content"} for readers who want to check the record against the ledger.
Result<bj::object> ledger_json(Conn& c, std::string_view type, int64_t id);

// Who is looking, for JSON that depends on it.
struct Viewer {
  int64_t person_id = 0;
  bool moderator = false;  // sees hidden content and moderation details
};
bj::object post_json(const store::PostRow& p, const Viewer& v);
bj::object point_json(const store::PointRow& p);
// Attaches the answers (posts with point_id) to each point JSON.
bj::array points_with_answers(const std::vector<store::PointRow>& points, const std::vector<store::PostRow>& answers,
                              const Viewer& v);
std::string role_label(const store::PostRow& p);
bj::value iso_or_null(const std::optional<TimeMs>& t);

// Text input: trimmed, 1..max characters (code points) when required.
Result<std::string> text(const bj::object& o, std::string_view key, size_t max_chars, bool required);
std::string trim(std::string s);
// An ISO-8601 time field; nullopt when absent or null.
Result<std::optional<TimeMs>> time_field(const bj::object& o, std::string_view key);
// An array of positive ids (deduplicated, order kept); nullopt when absent.
Result<std::optional<std::vector<int64_t>>> id_list(const bj::object& o, std::string_view key, size_t max);

// ---- other modules, behind narrow functions ----
// Files: the JSON of each post's attachments (modules/attachments), for the posts whose content
// the viewer sees — those with a body in their JSON — found in `posts` and nested in their
// replies, points' answers and follow-ups. One query for all.
Status put_attachments(Conn& c, std::vector<bj::object*> posts);
// Every post object in a tree of JSON (items, replies, points' answers and follow-ups).
void collect_posts(bj::value& v, std::vector<bj::object*>& out);
// Markdown → safe HTML (modules/common/markdown.h).
std::string render_markdown(std::string_view md);
// Search index (modules/search): inside the caller's transaction. The deliberation (its id is
// the scope, the host's path the org path) and the post give search::Doc its fields.
Status index_post(Conn& c, const Loaded& l, const store::PostRow& p);
Status unindex_post(Conn& c, int64_t post_id);
// In-app inbox (modules/notifications/inbox.h): inside the caller's transaction.
Status notify(Conn& c, TimeMs at, int64_t person_id, std::string_view kind, std::string_view title, std::string_view body,
              std::string_view link);
// Notifies every active responder of a department.
Status notify_department(Conn& c, TimeMs at, int64_t department_id, std::string_view kind, std::string_view title,
                         std::string_view body, std::string_view link);
// The same with the kind's template (notifications/templates.h), in each recipient's language.
Status notify_event(Conn& c, TimeMs at, int64_t person_id, std::string_view kind, const notifications::Vars& vars,
                    std::string_view link);
Status notify_department_event(Conn& c, TimeMs at, int64_t department_id, std::string_view kind,
                               const notifications::Vars& vars, std::string_view link);
// Tells the people and departments @mentioned in a post (modules/notifications/mentions.h),
// among the deliberation's organisations and invited departments; with `before` (an edit),
// only those the earlier text did not mention already. `skip` was told otherwise.
Status notify_mentions(Conn& c, TimeMs at, const Loaded& l, const store::PostRow& p, std::string_view before,
                       std::optional<int64_t> skip);
// The web app's path of a post.
std::string post_link(int64_t deliberation_id, int64_t post_id);

}  // namespace sl::deliberation::detail
