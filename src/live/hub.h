// Live hub: the rooms of this node and the WebSocket clients watching them.
//
// A client subscribes to a room ("deliberation:42"); the hub asks the room type's checker
// (add_room_type) whether the caller may watch it and what the room's latest sequence number is.
// While a room has local viewers, the hub holds one bus subscription for it (made for the
// first viewer, dropped with the last). Each bus message is serialised once into an `event`
// frame shared by every viewer's send queue. The hub remembers the latest sequence number it
// has seen per room: a message that skips numbers means the bus dropped some, so every viewer
// of the room is told to `resync` (fetch what it missed from storage). A viewer whose send
// queue overflows gets one `resync` per room it watches instead of an ever longer queue.
// Presence (online count, first 50 signed-in people) goes out at most once per
// presence_interval_ms per room, only when it changed. Messages that arrive ahead of a missing
// number are held (reorder_ms) and sent in order when it comes; only a gap that stays is a
// resync. On a cluster bus (Redis) a subscription takes effect a moment after it is made and
// the bus can be cut off; when the bus says a room's subscription took effect (first time, or
// after a reconnection), the room's viewers resync and the next message sets the new baseline.
// The protocol is docs/api/live.md.
//
// Thread-safety: every method may be called from any thread. Bus handlers run on the
// publisher's thread; they only queue frames. Locks: hub (rooms map) → room → client; never
// the other way.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "modules/access/access.h"  // access::Caller (a plain struct; no link dependency)
#include "net/websocket.h"
#include "pubsub/bus.h"

namespace sl::live {

struct HubOptions {
  int presence_interval_ms = 1000;     // live.presence_interval_ms: presence frames per room at most this often
  size_t presence_people = 50;         // people listed in a presence frame
  size_t max_rooms_per_client = 16;    // live.max_rooms_per_connection
  int messages_per_second = 20;        // client messages allowed per second (burst: 5 seconds' worth)
  // A message that skips sequence numbers is held this long for the missing ones before the
  // room's viewers are told to resync: writes committed together publish from different
  // threads, so seq 7 may reach the hub just before seq 6. At most max_held per room.
  int reorder_ms = 200;
  size_t max_held = 1000;
};

// Who is on the other end of a connection.
struct Viewer {
  access::Caller caller;    // person_id 0: not signed in
  std::string name;         // display name, "" when not signed in
  std::string remote_addr;
};

// May `caller` watch room <type>:<id>? Returns the room's latest sequence number (0 if it has
// none); NotFound or Forbidden refuse. Called on a network or worker thread for every subscribe.
using RoomChecker = std::function<Result<int64_t>(const access::Caller& caller, int64_t id)>;
// Someone started watching <type>:<id> (counting visits). Must not block: queue the work.
using VisitHook = std::function<void(const Viewer& viewer, int64_t id)>;

class Client;

class Hub {
 public:
  Hub(pubsub::Bus& bus, const Clock& clock, HubOptions options = {});
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // Room names are "<type>" or "<type>:<id>" (id > 0; "<type>" is id 0). Register every type
  // before serving.
  void add_room_type(std::string type, RoomChecker check);
  void set_visit_hook(std::string type, VisitHook hook);

  // A connection joins or leaves the hub (the transport calls these: live_routes.cc).
  std::shared_ptr<Client> connect(std::shared_ptr<net::WsSession> session, Viewer viewer);
  void disconnect(Client& client);
  // One text message from the client (subscribe, unsubscribe, ping).
  void receive(Client& client, std::string_view text);

  // Sends the presence frames that are due. The background thread (start) calls it often;
  // tests call it with a FakeClock.
  void flush_presence();
  // Gives up on gaps held longer than reorder_ms: the room's viewers resync, and the held
  // messages go out in order. The background thread calls it with flush_presence.
  void flush_held();
  void start();  // the presence thread
  void stop();

  struct Stats {
    int64_t connections = 0;
    int64_t rooms = 0;
    uint64_t frames_sent = 0;  // frames handed to send queues
    uint64_t resyncs = 0;      // resync frames sent (gaps and overflows)
    uint64_t bus_readies = 0;  // cluster bus: room subscriptions that became effective (first time or after a reconnection)
  };
  Stats stats() const;

  // Parses "<type>[:<id>]"; false for anything else.
  static bool parse_room(std::string_view room, std::string& type, int64_t& id);

 private:
  struct Room;
  struct RoomType {
    RoomChecker check;
    VisitHook visit;
  };

  void subscribe(Client& c, std::string_view room, int64_t after_seq);
  void unsubscribe(Client& c, const std::string& room);
  void on_message(const std::shared_ptr<Room>& room, const pubsub::Message& m);
  // The cluster bus's subscription to `room` took effect (Bus::set_ready_handler): its viewers resync.
  void bus_ready(const std::string& room);
  void deliver_locked(Room& r, int64_t seq, const std::string& payload);  // under the room's lock
  bool take_token(Client& c);
  std::shared_ptr<Room> find_room(const std::string& name);
  // acquire_room keeps the room alive while a subscribe is checked; release_room drops that
  // (drop_pending) and/or ends the room if nobody is left.
  std::shared_ptr<Room> acquire_room(const std::string& name, const std::string& type, int64_t id);
  void release_room(const std::shared_ptr<Room>& room, bool drop_pending);
  // Under the room's lock:
  void leave_locked(Room& r, Client& c);
  void send_locked(Room& r, Client& c, std::shared_ptr<const std::string> frame);
  void overflowed(Client& c);
  void send_error(Client& c, std::string_view room, std::string_view code, std::string_view message);

  pubsub::Bus& bus_;
  const Clock& clock_;
  const HubOptions opts_;

  mutable std::mutex mu_;
  std::map<std::string, RoomType, std::less<>> types_;           // GUARDED_BY(mu_)
  std::unordered_map<std::string, std::shared_ptr<Room>> rooms_;  // GUARDED_BY(mu_)
  std::atomic<int64_t> connections_{0};
  std::atomic<uint64_t> frames_sent_{0}, resyncs_{0}, bus_readies_{0};
  std::atomic<uint64_t> next_client_{0};

  std::thread thread_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // GUARDED_BY(stop_mu_)
};

// One connection as the hub sees it.
class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(uint64_t id, std::shared_ptr<net::WsSession> session, Viewer viewer)
      : id_(id), session_(std::move(session)), viewer_(std::move(viewer)) {}
  uint64_t id() const { return id_; }
  const Viewer& viewer() const { return viewer_; }

 private:
  friend class Hub;
  const uint64_t id_;
  const std::shared_ptr<net::WsSession> session_;
  const Viewer viewer_;
  std::mutex mu_;
  // GUARDED_BY(mu_): rooms watched (true) or being checked (false), in subscription order.
  std::vector<std::pair<std::string, bool>> rooms_;
  bool gone_ = false;               // GUARDED_BY(mu_)
  double tokens_ = -1;              // GUARDED_BY(mu_): message rate bucket (-1: full)
  TimeMs tokens_at_ = 0;            // GUARDED_BY(mu_)
};

}  // namespace sl::live
