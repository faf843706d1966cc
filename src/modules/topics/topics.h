// Topic collection (议题征集): an organisation's calls for topics — a theme, a period and who
// may submit (its members, some sectors, departments, party and government bodies, or the
// public) — and one always-open box per organisation (意见箱, kind "box"). People submit a
// topic in one phone screen (title, a few sentences, an optional photo or voice note, area and
// category) and support (附议) others' once each, undoably. While they type and when staff
// screen, similar earlier topics are shown (MinHash over folded character bigrams, so 简 and 繁
// match: topics_similarity.h). Staff screen: accept, decline with a reason the submitter sees,
// ask for more detail (the submitter then edits, and it is pending again), or merge duplicates
// into a survivor (their submitters and supporters carry over; the merged ones point to it).
// An accepted topic becomes a deliberation in one action, pre-filled with its text and a link
// back; its submitters and supporters are told in their inbox. Hot spots rank what is raised
// and supported most over a period, with time decay (hotspots(), formula there).
//
// Access: staff and admins of the organisation or an ancestor screen and manage calls
// (access::Action::kDeliberationManage); its leaders oversee (read everything). A call's
// topics are read by whoever may submit to it, by everyone when the call is public, and by
// those who oversee; a declined topic only by its submitters and those who oversee.
//
// Every change is one transaction with its ledger entries (record types "topic_call", "topic",
// "topic_support"); topics are indexed for search (kind "topic", scope_id = -call id, so the
// deliberation search never finds them) while pending, needing detail or accepted.
//
// Thread-safety: TopicsService keeps no mutable state; it is shared by all threads.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>

#include "core/clock.h"
#include "modules/access/access.h"
#include "modules/accounts/accounts.h"
#include "modules/deliberation/deliberation.h"
#include "modules/ledger/ledger.h"
#include "net/router.h"
#include "storage/database.h"

namespace sl::topics {

using access::Caller;
namespace bj = boost::json;

// The categories a topic may have (the web app shows their labels).
bool valid_category(std::string_view c);

struct TopicFilter {
  std::optional<int64_t> call_id;
  std::optional<int64_t> org_id;  // the organisation and those below it
  std::optional<std::string> state;
  std::optional<std::string> category;
  std::optional<std::string> area;
  std::optional<std::string> q;  // full-text search (search module)
  bool mine = false;             // topics the caller raised or supports
  std::string sort = "new";      // "new" | "supports"
};

struct HotspotQuery {
  int64_t org_id = 0;               // the organisation and those below it
  std::optional<TimeMs> from, to;   // default: the last 30 days up to now
  double half_life_days = 7;        // 0.5..365
  std::optional<std::string> area;  // only this area
  int limit = 20;                   // 1..100 topics
};

class TopicsService {
 public:
  TopicsService(storage::Database& db, const Clock& clock, ledger::Ledger& ledger,
                deliberation::DeliberationService& deliberations);

  // ---- calls ----
  Result<bj::object> create_call(const Caller& caller, const bj::object& body);
  Result<bj::object> update_call(const Caller& caller, int64_t id, const bj::object& body);
  Result<bj::object> get_call(const Caller& caller, int64_t id);
  // The calls (and boxes) the caller may read, newest first; `open_only`: those accepting now.
  Result<bj::object> list_calls(const Caller& caller, std::optional<int64_t> org_id, bool open_only, int64_t after,
                                int limit);

  // ---- topics ----
  // body: call_id, or org_id for that organisation's box (made on first use); title, body,
  // area, category, attachment_ids.
  Result<bj::object> submit(const Caller& caller, const bj::object& body);
  Result<bj::object> get(const Caller& caller, int64_t id);
  Result<bj::object> list(const Caller& caller, const TopicFilter& f, int64_t after, int limit);
  // The submitter edits while pending or asked for detail (then it is pending again).
  Result<bj::object> edit(const Caller& caller, int64_t id, const bj::object& body);
  Result<bj::object> support(const Caller& caller, int64_t id, bool on);
  // Similar readable topics of the same organisation to a draft (call_id or org_id, title, body).
  Result<bj::object> similar_to_draft(const Caller& caller, const bj::object& body);
  // Similar topics to an existing one (the screening desk's candidates).
  Result<bj::object> similar_to(const Caller& caller, int64_t id);

  // ---- screening ----
  // action: "accept" | "decline" (reason required) | "needs_detail" (reason: what to add).
  Result<bj::object> screen(const Caller& caller, int64_t id, const bj::object& body);
  // Merges source_ids into `id` (the survivor).
  Result<bj::object> merge(const Caller& caller, int64_t id, const bj::object& body);
  // Starts a deliberation from the topic (accepting it if not yet): theme, description and
  // public_mode may be given, else come from the topic; open: true also opens it.
  Result<bj::object> to_deliberation(const Caller& caller, int64_t id, const bj::object& body);

  // ---- hot spots ----
  Result<bj::object> hotspots(const Caller& caller, const HotspotQuery& q);

  // The attachments module's "topic" scope: may the caller read this topic?
  Status may_read(const Caller& caller, int64_t id);

 private:
  storage::Database& db_;
  const Clock& clock_;
  ledger::Ledger& ledger_;
  deliberation::DeliberationService& deliberations_;
};

// A step of a person's erasure: their supports go (topics they raised stay, as the record of
// what was raised, under a nameless author).
Status erase_person(storage::Conn& c, ledger::Ledger& ledger, const Caller& actor, int64_t person_id);

void register_routes(net::Router& router, TopicsService& svc, accounts::AccountsService& accounts);

}  // namespace sl::topics
