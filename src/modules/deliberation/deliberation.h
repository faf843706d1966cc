// Deliberation (网络议政协商会): thematic online consultations — one organisation's, or joint
// across several (省市县联动) — with guiding sub-topics, phases, invited departments and experts,
// and a public mode (closed / read / comment). Members speak in posts (articles, two-level
// replies, comments), like them, edit them (every version kept) and delete them within a
// window; staff moderate (hide with a reason the author sees), ban and read reports; points
// split from posts are claimed or assigned, answered by departments and accepted or asked
// again by the author (认领回应), with per-department response counts and times.
//
// Every change is one transaction that also appends its ledger entry and, for what viewers
// see, an event with the deliberation's next sequence number (deliberation_events); after the
// commit the event goes to the pubsub::Bus room "deliberation:<id>" for the live hub.
//
// Thread-safety: DeliberationService is shared by all threads; its only mutable state is the
// cache of rendered pages for anonymous readers (deliberation_page_cache.h), which locks itself.
#pragma once

#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "modules/access/access.h"
#include "modules/accounts/accounts.h"
#include "modules/ledger/ledger.h"
#include "modules/search/word_filter.h"
#include "modules/attachments/attachments.h"
#include "modules/deliberation/deliberation_page_cache.h"
#include "net/router.h"
#include "pubsub/bus.h"
#include "storage/database.h"

namespace sl::deliberation {

using access::Caller;
namespace bj = boost::json;

struct Options {
  int author_delete_window_minutes = 30;  // deliberation.author_delete_window_minutes
  // The sensitive-word list posts are screened against (moderation.sensitive_words_path); null:
  // nothing is screened. hold_sensitive (moderation.sensitive_action = "hold"): a new post with a
  // listed word waits for a moderator ("held") instead of being refused. Edits, department
  // answers and follow-ups are always refused: they never wait.
  const search::WordFilter* words = nullptr;
  bool hold_sensitive = false;
  // Files attached to posts (modules/attachments): their content goes when a post's content is
  // erased. Null: posts take no attachments.
  attachments::AttachmentsService* attachments = nullptr;
  // Bytes of rendered pages of posts kept for anonymous readers (deliberation.page_cache_mb);
  // 0: none (every page is rendered).
  size_t page_cache_bytes = 0;
};

// How a caller speaks in one deliberation, strongest first when several apply.
enum class Part { kNone, kPublic, kMember, kExpert, kStaff, kLeader, kDepartment };
std::string_view part_name(Part p);  // "public", "member", "expert", "staff", "leader", "department"

// What the caller may do in one deliberation, derived from memberships, invitations and the
// deliberation's settings (never from what the client says).
struct Standing {
  bool read = false;
  bool manage = false;   // staff/admin of the host organisation or an ancestor: configure, moderate, assign
  bool oversee = false;  // staff/admin/leader of a participating organisation or an ancestor: drafts, histories, export
  Part part = Part::kNone;
  std::optional<int64_t> author_org_id;  // the department (kDepartment) or the member's organisation (kMember)
  std::vector<int64_t> departments;      // invited departments the caller answers for
};

// For the search module: ids of the deliberations the caller may read, ascending.
Result<std::vector<int64_t>> readable_ids(storage::Conn& c, const Caller& caller);
// NotFound when there is no such deliberation or the caller may not read it (a draft or a
// closed one is not revealed); Ok otherwise.
Status check_readable(storage::Conn& c, const Caller& caller, int64_t id);
// For modules that attach things to a deliberation (quick polls, modules/surveys): its host
// organisation, its state and the caller's standing in it. NotFound (or 401) as check_readable.
struct Place {
  int64_t org_id = 0;
  std::string state;
  Standing standing;
};
Result<Place> place_of(storage::Conn& c, const Caller& caller, int64_t id);
// For the attachments module's "post" scope: may the caller see this post's content (its
// deliberation readable, and the post visible — or hidden and theirs, or they oversee)?
Status check_post_readable(storage::Conn& c, const Caller& caller, int64_t post_id);

// A step of a person's erasure (AccountsService::add_erasure_step): their likes go. Their posts
// stay as the deliberation's record, under a nameless author.
Status erase_person(storage::Conn& c, ledger::Ledger& ledger, const Caller& actor, int64_t person_id);

class DeliberationService {
 public:
  DeliberationService(storage::Database& db, const Clock& clock, ledger::Ledger& ledger, pubsub::Bus& bus, Options opts);

  // ---- deliberations (deliberation_service.cc) ----
  Result<bj::object> create(const Caller& caller, const bj::object& body);
  Result<bj::object> update(const Caller& caller, int64_t id, const bj::object& body);
  Result<bj::object> set_state(const Caller& caller, int64_t id, const std::string& state);
  Result<bj::object> set_phase(const Caller& caller, int64_t id, std::optional<int64_t> phase_id);
  Result<bj::object> get(const Caller& caller, int64_t id);
  // managed_only: only those the caller manages (hosted by an organisation they are staff or
  // admin of, or one below it) — the staff console's list, drafts included.
  Result<bj::object> list(const Caller& caller, std::optional<int64_t> org_id, std::optional<std::string> state,
                          int64_t before, int limit, bool managed_only = false);
  // Counts a visit (围观): one per visitor per day; `visitor` names the person or the anonymous browser.
  Result<bj::object> visit(const Caller& caller, int64_t id, const std::string& visitor);
  // Events with seq > after_seq, oldest first: {"items":[event...], "last_seq":N}.
  Result<std::string> events(const Caller& caller, int64_t id, int64_t after_seq, int limit);
  // The live hub's room check: the latest seq, or NotFound/Forbidden.
  Result<int64_t> live_room(const Caller& caller, int64_t id);
  Result<std::vector<int64_t>> readable_ids(const Caller& caller);

  // ---- posts (deliberation_posts.cc) ----
  Result<bj::object> create_post(const Caller& caller, int64_t deliberation_id, const bj::object& body);
  Result<bj::object> list_posts(const Caller& caller, int64_t deliberation_id, std::optional<int64_t> subtopic_id,
                                bool ascending, int64_t cursor, int limit);
  // The same page as JSON text with its ETag, for the route. Anonymous readers' pages come
  // from the page cache when the deliberation has not changed since (never stale: see
  // deliberation_page_cache.h); others' are rendered.
  Result<std::shared_ptr<const RenderedPage>> posts_page(const Caller& caller, int64_t deliberation_id,
                                                         std::optional<int64_t> subtopic_id, bool ascending,
                                                         int64_t cursor, int limit);
  detail::PageCache::Stats page_cache_stats() const;
  Result<bj::object> get_post(const Caller& caller, int64_t post_id, int64_t replies_after, int replies_limit);
  // The attachments module's "post" scope: may the caller see this post's content (and files)?
  Status may_read_post(const Caller& caller, int64_t post_id);
  Result<bj::object> edit_post(const Caller& caller, int64_t post_id, const bj::object& body);
  Status delete_post(const Caller& caller, int64_t post_id);
  Result<bj::object> post_versions(const Caller& caller, int64_t post_id);
  Result<bj::object> like(const Caller& caller, int64_t post_id, bool on);
  Result<bj::object> hide_post(const Caller& caller, int64_t post_id, const std::string& reason);
  Result<bj::object> restore_post(const Caller& caller, int64_t post_id);
  // A post held for its sensitive words goes out (or, removed, never does).
  Result<bj::object> approve_post(const Caller& caller, int64_t post_id);
  Result<bj::object> held_posts(const Caller& caller, int64_t deliberation_id);
  // Moderation's removal: the content is erased (ledger erasure, reason "moderation").
  Result<bj::object> remove_post(const Caller& caller, int64_t post_id, const std::string& reason);
  Result<bj::object> report_post(const Caller& caller, int64_t post_id, const std::string& reason);
  Result<bj::object> list_reports(const Caller& caller, int64_t deliberation_id, std::optional<std::string> state,
                                  int64_t after, int limit);
  Result<bj::object> dismiss_report(const Caller& caller, int64_t report_id);
  Result<bj::object> ban(const Caller& caller, int64_t deliberation_id, const bj::object& body);
  Status unban(const Caller& caller, int64_t deliberation_id, int64_t person_id);
  Result<bj::object> list_bans(const Caller& caller, int64_t deliberation_id);
  Result<bj::object> my_contributions(const Caller& caller, int64_t before, int limit);

  // ---- points and answers (deliberation_points.cc) ----
  Result<bj::object> create_point(const Caller& caller, int64_t post_id, const bj::object& body);
  Result<bj::object> get_point(const Caller& caller, int64_t point_id);
  Result<bj::object> update_point(const Caller& caller, int64_t point_id, const bj::object& body);
  Result<bj::object> assign_point(const Caller& caller, int64_t point_id, const bj::object& body);
  Result<bj::object> claim_point(const Caller& caller, int64_t point_id, const bj::object& body);
  Result<bj::object> answer_point(const Caller& caller, int64_t point_id, const bj::object& body);
  Result<bj::object> accept_point(const Caller& caller, int64_t point_id);
  Result<bj::object> ask_again(const Caller& caller, int64_t point_id, const bj::object& body);
  Result<bj::object> list_points(const Caller& caller, int64_t deliberation_id, std::optional<std::string> state,
                                 std::optional<int64_t> department_id, int64_t after, int limit);
  // The department console: the caller's departments' points (`todo`, open, claimed, answered, accepted).
  Result<bj::object> my_points(const Caller& caller, const std::string& state, int64_t after, int limit);
  Result<bj::object> response_stats(const Caller& caller, int64_t deliberation_id);

  // ---- export (deliberation_export.cc) ----
  Result<std::string> export_xlsx(const Caller& caller, int64_t deliberation_id);

  const Options& options() const { return opts_; }

 private:
  storage::Database& db_;
  const Clock& clock_;
  ledger::Ledger& ledger_;
  pubsub::Bus& bus_;
  Options opts_;
  std::unique_ptr<detail::PageCache> page_cache_;  // null when opts_.page_cache_bytes is 0
};

void register_routes(net::Router& router, DeliberationService& svc, accounts::AccountsService& accounts);

}  // namespace sl::deliberation
