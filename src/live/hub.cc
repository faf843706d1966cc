// The live hub: rooms, bus subscriptions, fan-out, sequence tracking, presence. See hub.h.
#include "live/hub.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

namespace sl::live {

namespace bj = boost::json;
using Frame = std::shared_ptr<const std::string>;

namespace {

Frame make_frame(std::string s) { return std::make_shared<const std::string>(std::move(s)); }

Frame json_frame(const bj::object& o) { return make_frame(bj::serialize(o)); }

const Frame& pong_frame() {
  static const Frame f = make_frame(R"({"op":"pong"})");
  return f;
}

// Room names are ASCII letters, digits, '_', '-', '.', ':' (checked by parse_room), so they
// need no escaping inside a JSON string.
std::string resync_text(std::string_view room) {
  std::string s = R"({"op":"resync","room":")";
  s += room;
  s += "\"}";
  return s;
}

bool valid_type(std::string_view t) {
  if (t.empty() || t.size() > 40) return false;
  for (char c : t) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return t.front() >= 'a' && t.front() <= 'z';
}

}  // namespace

struct Hub::Room {
  Room(std::string n, std::string t, int64_t i) : name(std::move(n)), type(std::move(t)), id(i) {}
  const std::string name, type;
  const int64_t id;
  pubsub::Bus::Id sub = 0;  // set once, under the hub's lock, before anyone else sees the room
  int pending = 0;          // GUARDED_BY(hub mu_): subscribes being checked keep the room alive
  Frame resync = make_frame(resync_text(name));

  std::mutex mu;
  std::vector<std::shared_ptr<Client>> members;  // GUARDED_BY(mu)
  std::unordered_map<uint64_t, size_t> index;    // GUARDED_BY(mu): client id -> position in members
  bool seq_known = false;                        // GUARDED_BY(mu): a checker has told us the latest seq
  int64_t latest_seq = 0;                        // GUARDED_BY(mu)
  // Messages ahead of a missing seq, waiting for it (GUARDED_BY(mu)); held_since: when the
  // oldest of them arrived.
  std::map<int64_t, std::string> held;
  TimeMs held_since = 0;
  // Cluster buses (GUARDED_BY(mu)): bus_ready: the bus's subscription is known to be effective
  // (always, on a LocalBus); rebase: viewers were just told to resync, so the next sequenced
  // message is taken as the new baseline instead of being checked for a gap.
  bool bus_ready = false;
  bool rebase = false;

  // Presence, GUARDED_BY(mu).
  struct Person {
    size_t connections = 0;
    std::string name;
    uint64_t order = 0;
  };
  std::unordered_map<int64_t, Person> people;
  std::map<uint64_t, int64_t> by_order;  // join order -> person id
  uint64_t next_order = 0;
  size_t anonymous = 0;
  bool presence_dirty = false;
  TimeMs presence_sent_at = 0;
  bool presence_ever_sent = false;
  Frame presence;  // the last presence frame sent
};

Hub::Hub(pubsub::Bus& bus, const Clock& clock, HubOptions options) : bus_(bus), clock_(clock), opts_(options) {
  if (!bus_.immediate()) bus_.set_ready_handler([this](const std::string& room) { bus_ready(room); });
}

Hub::~Hub() {
  stop();
  if (!bus_.immediate()) bus_.set_ready_handler(nullptr);  // waits for a call in progress
  std::vector<pubsub::Bus::Id> subs;
  {
    std::lock_guard lk(mu_);
    for (auto& [name, r] : rooms_) subs.push_back(r->sub);
    rooms_.clear();
  }
  for (auto id : subs) bus_.unsubscribe(id);
}

void Hub::add_room_type(std::string type, RoomChecker check) {
  std::lock_guard lk(mu_);
  types_[std::move(type)].check = std::move(check);
}

void Hub::set_visit_hook(std::string type, VisitHook hook) {
  std::lock_guard lk(mu_);
  types_[std::move(type)].visit = std::move(hook);
}

bool Hub::parse_room(std::string_view room, std::string& type, int64_t& id) {
  size_t colon = room.find(':');
  std::string_view t = room.substr(0, colon);
  if (!valid_type(t)) return false;
  id = 0;
  if (colon != std::string_view::npos) {
    std::string_view digits = room.substr(colon + 1);
    if (digits.empty() || digits.size() > 18 || digits.front() == '0') return false;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (ec != std::errc() || p != digits.data() + digits.size() || id <= 0) return false;
  }
  type.assign(t);
  return true;
}

std::shared_ptr<Client> Hub::connect(std::shared_ptr<net::WsSession> session, Viewer viewer) {
  connections_.fetch_add(1);
  return std::make_shared<Client>(++next_client_, std::move(session), std::move(viewer));
}

void Hub::disconnect(Client& c) {
  std::vector<std::pair<std::string, bool>> rooms;
  {
    std::lock_guard lk(c.mu_);
    if (c.gone_) return;
    c.gone_ = true;
    rooms.swap(c.rooms_);
  }
  connections_.fetch_sub(1);
  for (auto& [name, joined] : rooms) {
    std::shared_ptr<Room> r = find_room(name);
    if (!r) continue;
    {
      std::lock_guard lk(r->mu);
      leave_locked(*r, c);
    }
    release_room(r, /*drop_pending=*/false);
  }
}

// Token bucket per client: messages_per_second, bursts of five seconds' worth.
bool Hub::take_token(Client& c) {
  std::lock_guard lk(c.mu_);
  if (c.gone_) return false;
  double rate = std::max(1, opts_.messages_per_second), burst = rate * 5;
  TimeMs now = clock_.now_ms();
  c.tokens_ = c.tokens_ < 0 ? burst : std::min(burst, c.tokens_ + static_cast<double>(now - c.tokens_at_) / 1000.0 * rate);
  c.tokens_at_ = now;
  if (c.tokens_ < 1) return false;
  c.tokens_ -= 1;
  return true;
}

void Hub::receive(Client& c, std::string_view text) {
  if (!take_token(c)) return send_error(c, {}, "rate_limited", "消息过于频繁，请稍后再试");
  boost::system::error_code ec;
  bj::value v = bj::parse(text, ec);
  if (ec || !v.is_object()) return send_error(c, {}, "bad_message", "无法解析的消息（需要 JSON 对象）");
  const bj::object& o = v.as_object();
  const bj::value* op = o.if_contains("op");
  if (!op || !op->is_string()) return send_error(c, {}, "bad_message", "消息缺少 op");
  std::string_view name = op->as_string();
  if (name == "ping") {
    if (c.session_->send(pong_frame()) == net::WsSession::Send::kQueued) frames_sent_.fetch_add(1);
    return;
  }
  if (name != "subscribe" && name != "unsubscribe") return send_error(c, {}, "unknown_op", "不支持的操作");
  const bj::value* room = o.if_contains("room");
  std::string type;
  int64_t id = 0;
  if (!room || !room->is_string() || room->as_string().size() > 64 || !parse_room(room->as_string(), type, id))
    return send_error(c, {}, "invalid_room", "room 必须是房间名，如 deliberation:42");
  std::string room_name(room->as_string());
  if (name == "unsubscribe") return unsubscribe(c, room_name);
  int64_t after_seq = 0;
  if (const bj::value* a = o.if_contains("after_seq"); a && !a->is_null()) {
    if (a->is_int64() && a->as_int64() >= 0) {
      after_seq = a->as_int64();
    } else if (a->is_uint64() && a->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
      after_seq = static_cast<int64_t>(a->as_uint64());
    } else {
      return send_error(c, room_name, "invalid_after_seq", "after_seq 必须是非负整数");
    }
  }
  subscribe(c, room_name, after_seq);
}

std::shared_ptr<Hub::Room> Hub::find_room(const std::string& name) {
  std::lock_guard lk(mu_);
  auto it = rooms_.find(name);
  return it == rooms_.end() ? nullptr : it->second;
}

// after_seq is not used here: the client compares it with the seq in `subscribed` and fetches
// the difference itself.
void Hub::subscribe(Client& c, std::string_view room_name, int64_t /*after_seq*/) {
  std::string name(room_name), type;
  int64_t id = 0;
  (void)parse_room(name, type, id);
  RoomType rt;
  {
    std::lock_guard lk(mu_);
    if (auto it = types_.find(type); it != types_.end()) rt = it->second;
  }
  if (!rt.check) return send_error(c, name, "unknown_room", "没有这种房间");

  enum { kNew, kChecking, kWatching, kTooMany, kGone } state = kNew;
  {
    std::lock_guard lk(c.mu_);
    auto it = std::find_if(c.rooms_.begin(), c.rooms_.end(), [&](const auto& e) { return e.first == name; });
    if (c.gone_) state = kGone;
    else if (it != c.rooms_.end()) state = it->second ? kWatching : kChecking;
    else if (c.rooms_.size() >= opts_.max_rooms_per_client) state = kTooMany;
    else c.rooms_.emplace_back(name, false);
  }
  switch (state) {
    case kGone:
    case kChecking:  // its answer is on the way
      return;
    case kTooMany:
      return send_error(c, name, "too_many_rooms",
                        "同时订阅的房间过多（最多 " + std::to_string(opts_.max_rooms_per_client) + " 个）");
    case kWatching:  // subscribing again: say where the room stands
      if (auto r = find_room(name)) {
        std::lock_guard rl(r->mu);
        send_locked(*r, c, json_frame(bj::object{{"op", "subscribed"}, {"room", name}, {"seq", r->latest_seq}}));
      }
      return;
    case kNew:
      break;
  }

  std::shared_ptr<Room> room = acquire_room(name, type, id);
  bool ready_before = false;
  {
    std::lock_guard rl(room->mu);
    ready_before = room->bus_ready;
  }
  Result<int64_t> latest = Error::Internal("房间检查失败");
  try {
    latest = rt.check(c.viewer_.caller, id);
  } catch (const std::exception& e) {
    spdlog::error("live room checker for {} threw: {}", name, e.what());
  }
  bool joined = false;
  if (latest.ok()) {
    std::lock_guard rl(room->mu);
    bool wanted = false;
    {
      std::lock_guard cl(c.mu_);
      for (auto& [n, watching] : c.rooms_) {
        if (n == name && !c.gone_) watching = wanted = true;
      }
    }
    if (wanted) {
      // The room's own number moves with the bus only: events up to *latest may still be on
      // their way to the viewers already here. The newcomer is told the larger of the two and
      // fetches up to it (what then arrives twice it ignores).
      if (!room->seq_known) {
        room->latest_seq = std::max(room->latest_seq, *latest);
        room->seq_known = true;
      }
      int64_t told = std::max(room->latest_seq, *latest);
      room->index[c.id_] = room->members.size();
      room->members.push_back(c.shared_from_this());
      const access::Caller& who = c.viewer_.caller;
      if (who.person_id > 0) {
        auto& p = room->people[who.person_id];
        if (p.connections++ == 0) {
          p.name = c.viewer_.name;
          p.order = room->next_order++;
          room->by_order[p.order] = who.person_id;
        }
      } else {
        room->anonymous++;
      }
      room->presence_dirty = true;
      send_locked(*room, c, json_frame(bj::object{{"op", "subscribed"}, {"room", name}, {"seq", told}}));
      if (room->presence) send_locked(*room, c, room->presence);
      // The bus subscription became effective while the checker ran: what was published
      // between the checker's read and that moment may be missing (bus_ready resynced the
      // viewers already here, not this one).
      if (!ready_before && room->bus_ready) {
        send_locked(*room, c, room->resync);
        resyncs_.fetch_add(1);
      }
      joined = true;
    }
  } else {
    std::lock_guard cl(c.mu_);
    std::erase_if(c.rooms_, [&](const auto& e) { return e.first == name; });
  }
  release_room(room, /*drop_pending=*/true);
  if (!latest.ok()) {
    const Error& e = latest.error();
    std::string_view code = e.code == Code::kNotFound          ? "not_found"
                            : e.code == Code::kForbidden       ? "forbidden"
                            : e.code == Code::kUnauthenticated ? "unauthenticated"
                                                               : "unavailable";
    return send_error(c, name, code, e.message.empty() ? "无法订阅该房间" : e.message);
  }
  if (joined && rt.visit) {
    try {
      rt.visit(c.viewer_, id);
    } catch (const std::exception& e) {
      spdlog::error("live visit hook for {} threw: {}", name, e.what());
    }
  }
}

void Hub::unsubscribe(Client& c, const std::string& name) {
  bool joined = false;
  {
    std::lock_guard lk(c.mu_);
    auto it = std::find_if(c.rooms_.begin(), c.rooms_.end(), [&](const auto& e) { return e.first == name; });
    if (it == c.rooms_.end()) return;
    joined = it->second;
    c.rooms_.erase(it);
  }
  if (!joined) return;  // still being checked: subscribe sees it is no longer wanted
  std::shared_ptr<Room> r = find_room(name);
  if (!r) return;
  {
    std::lock_guard lk(r->mu);
    leave_locked(*r, c);
  }
  release_room(r, /*drop_pending=*/false);
}

std::shared_ptr<Hub::Room> Hub::acquire_room(const std::string& name, const std::string& type, int64_t id) {
  std::lock_guard lk(mu_);
  auto& slot = rooms_[name];
  if (!slot) {
    auto room = std::make_shared<Room>(name, type, id);
    room->bus_ready = bus_.immediate();
    std::weak_ptr<Room> weak = room;
    // Subscribed before the checker reads the latest seq, so nothing committed after that
    // read can be missed.
    room->sub = bus_.subscribe(name, [this, weak](const pubsub::Message& m) {
      if (auto r = weak.lock()) on_message(r, m);
    });
    slot = std::move(room);
  }
  slot->pending++;
  return slot;
}

// The last viewer leaving (with no subscribe being checked) ends the room and its bus subscription.
void Hub::release_room(const std::shared_ptr<Room>& room, bool drop_pending) {
  pubsub::Bus::Id sub = 0;
  {
    std::lock_guard lk(mu_);
    if (drop_pending) room->pending--;
    if (room->pending > 0) return;
    std::lock_guard rl(room->mu);
    if (!room->members.empty()) return;
    auto it = rooms_.find(room->name);
    if (it == rooms_.end() || it->second != room) return;
    rooms_.erase(it);
    sub = room->sub;
  }
  if (sub) bus_.unsubscribe(sub);
}

void Hub::leave_locked(Room& r, Client& c) {
  auto it = r.index.find(c.id_);
  if (it == r.index.end()) return;
  size_t pos = it->second;
  r.index.erase(it);
  if (pos + 1 != r.members.size()) {
    r.members[pos] = std::move(r.members.back());
    r.index[r.members[pos]->id_] = pos;
  }
  r.members.pop_back();
  const access::Caller& who = c.viewer_.caller;
  if (who.person_id > 0) {
    auto p = r.people.find(who.person_id);
    if (p != r.people.end() && --p->second.connections == 0) {
      r.by_order.erase(p->second.order);
      r.people.erase(p);
    }
  } else if (r.anonymous > 0) {
    r.anonymous--;
  }
  r.presence_dirty = true;
}

void Hub::on_message(const std::shared_ptr<Room>& room, const pubsub::Message& m) {
  if (m.room != room->name) return;
  std::lock_guard lk(room->mu);
  Room& r = *room;
  if (m.seq > 0) {
    if (r.seq_known) {
      if (r.rebase && m.seq > r.latest_seq) {
        r.rebase = false;
        r.latest_seq = m.seq - 1;
      }
      if (m.seq <= r.latest_seq) return;  // a duplicate, or older than what viewers were told
      if (m.seq != r.latest_seq + 1) {
        // Ahead of a missing number: usually a write committed with this one and published a
        // moment later from another thread. Held until it comes (or flush_held gives up).
        if (r.held.size() < opts_.max_held) {
          if (r.held.empty()) r.held_since = clock_.now_ms();
          r.held.emplace(m.seq, m.payload);
          return;
        }
        // Too much waiting: the bus lost something. Every viewer fetches what it missed.
        for (auto& c : r.members) send_locked(r, *c, r.resync);
        resyncs_.fetch_add(r.members.size());
        for (auto& [seq, payload] : r.held) deliver_locked(r, seq, payload);
        r.held.clear();
        if (m.seq <= r.latest_seq) return;
      }
      deliver_locked(r, m.seq, m.payload);
      // What waited for this one follows in order.
      while (!r.held.empty() && r.held.begin()->first <= r.latest_seq + 1) {
        auto it = r.held.begin();
        if (it->first == r.latest_seq + 1) deliver_locked(r, it->first, it->second);
        r.held.erase(it);
      }
      if (!r.held.empty()) r.held_since = clock_.now_ms();
      return;
    }
    r.latest_seq = std::max(r.latest_seq, m.seq);
  }
  deliver_locked(r, m.seq, m.payload);
}

void Hub::deliver_locked(Room& r, int64_t seq, const std::string& payload) {
  if (seq > 0 && r.seq_known) r.latest_seq = seq;
  if (r.members.empty()) return;
  // Serialised once; the payload is the publisher's event JSON, embedded as is.
  std::string text;
  text.reserve(payload.size() + r.name.size() + 48);
  text += R"({"op":"event","room":")";
  text += r.name;
  text += R"(","seq":)";
  text += std::to_string(seq);
  text += R"(,"event":)";
  text += payload.empty() ? std::string_view("null") : std::string_view(payload);
  text += '}';
  Frame frame = make_frame(std::move(text));
  // Membership only changes under the room's lock, which we hold.
  for (auto& c : r.members) send_locked(r, *c, frame);
}

void Hub::flush_held() {
  TimeMs now = clock_.now_ms();
  std::vector<std::shared_ptr<Room>> rooms;
  {
    std::lock_guard lk(mu_);
    rooms.reserve(rooms_.size());
    for (auto& [name, r] : rooms_) rooms.push_back(r);
  }
  for (auto& room : rooms) {
    std::lock_guard lk(room->mu);
    Room& r = *room;
    if (r.held.empty() || now - r.held_since < opts_.reorder_ms) continue;
    // The missing ones did not come: the bus lost them. Every viewer fetches what it missed;
    // what was held goes out after the resync, in order.
    for (auto& c : r.members) send_locked(r, *c, r.resync);
    resyncs_.fetch_add(r.members.size());
    for (auto& [seq, payload] : r.held) deliver_locked(r, seq, payload);
    r.held.clear();
  }
}

void Hub::bus_ready(const std::string& name) {
  std::shared_ptr<Room> room = find_room(name);
  if (!room) return;
  std::lock_guard lk(room->mu);
  Room& r = *room;
  r.bus_ready = true;
  // Whatever was published before the subscription took effect (first subscription, or a
  // reconnection after the bus was cut off) may be lost: every viewer fetches from storage.
  for (auto& c : r.members) send_locked(r, *c, r.resync);
  resyncs_.fetch_add(r.members.size());
  bus_readies_.fetch_add(1, std::memory_order_relaxed);
  r.held.clear();
  r.rebase = true;
}

void Hub::send_locked(Room&, Client& c, Frame frame) {
  switch (c.session_->send(std::move(frame))) {
    case net::WsSession::Send::kQueued:
      frames_sent_.fetch_add(1, std::memory_order_relaxed);
      break;
    case net::WsSession::Send::kOverflow:
      overflowed(c);
      break;
    case net::WsSession::Send::kClosed:
      break;
  }
}

// The client's send queue was full and has been emptied: one resync per watched room tells
// it to fetch what it lost, instead of the queue growing without bound.
void Hub::overflowed(Client& c) {
  std::vector<std::string> rooms;
  {
    std::lock_guard lk(c.mu_);
    for (const auto& [name, joined] : c.rooms_)
      if (joined) rooms.push_back(name);
  }
  for (const auto& name : rooms) {
    if (c.session_->send(make_frame(resync_text(name))) == net::WsSession::Send::kQueued) {
      frames_sent_.fetch_add(1, std::memory_order_relaxed);
      resyncs_.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void Hub::send_error(Client& c, std::string_view room, std::string_view code, std::string_view message) {
  bj::object o{{"op", "error"}};
  if (!room.empty()) o["room"] = room;
  o["code"] = code;
  o["message"] = message;
  if (c.session_->send(json_frame(o)) == net::WsSession::Send::kQueued) frames_sent_.fetch_add(1);
}

void Hub::flush_presence() {
  TimeMs now = clock_.now_ms();
  std::vector<std::shared_ptr<Room>> rooms;
  {
    std::lock_guard lk(mu_);
    rooms.reserve(rooms_.size());
    for (auto& [name, r] : rooms_) rooms.push_back(r);
  }
  for (auto& r : rooms) {
    std::lock_guard lk(r->mu);
    if (!r->presence_dirty || r->members.empty()) continue;
    if (r->presence_ever_sent && now - r->presence_sent_at < opts_.presence_interval_ms) continue;
    bj::array people;
    for (const auto& [order, pid] : r->by_order) {
      if (people.size() >= opts_.presence_people) break;
      const auto& p = r->people.at(pid);
      people.push_back(bj::object{{"id", pid}, {"name", p.name}});
    }
    bj::object o{{"op", "presence"},
                 {"room", r->name},
                 {"online", static_cast<int64_t>(r->people.size() + r->anonymous)},
                 {"people", std::move(people)}};
    r->presence = json_frame(o);
    r->presence_dirty = false;
    r->presence_sent_at = now;
    r->presence_ever_sent = true;
    for (auto& c : r->members) send_locked(*r, *c, r->presence);
  }
}

void Hub::start() {
  std::lock_guard lk(stop_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  int tick = std::clamp(std::min(opts_.presence_interval_ms / 4, opts_.reorder_ms / 2), 10, 250);
  thread_ = std::thread([this, tick] {
    std::unique_lock lk(stop_mu_);
    while (!stopping_) {
      lk.unlock();
      flush_held();
      flush_presence();
      lk.lock();
      stop_cv_.wait_for(lk, std::chrono::milliseconds(tick), [this] { return stopping_; });
    }
  });
}

void Hub::stop() {
  {
    std::lock_guard lk(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Hub::Stats Hub::stats() const {
  Stats s;
  s.connections = connections_.load();
  {
    std::lock_guard lk(mu_);
    s.rooms = static_cast<int64_t>(rooms_.size());
  }
  s.frames_sent = frames_sent_.load();
  s.resyncs = resyncs_.load();
  s.bus_readies = bus_readies_.load();
  return s;
}

}  // namespace sl::live
