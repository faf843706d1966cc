// Bus: carries live events between the code that commits a change and the live hubs that
// fan it out to viewers. One node uses the in-process LocalBus; a cluster uses Redis pub/sub
// (the scale-out issue). The database is the truth and the bus may drop messages: every
// message carries its room's sequence number, and receivers that see a gap resync from storage.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"

namespace sl::pubsub {

struct Message {
  std::string room;     // e.g. "deliberation:42"
  int64_t seq = 0;      // the room's sequence number of this event (0: not sequenced, e.g. viewer counts)
  std::string payload;  // JSON text of the event, serialised once by the publisher
};

class Bus {
 public:
  using Handler = std::function<void(const Message&)>;
  using Id = uint64_t;
  virtual ~Bus() = default;

  // Hands `m` to every subscriber of m.room. Never waits on the network or on subscribers;
  // call it after the transaction that made the event has committed.
  virtual void publish(Message m) = 0;
  // Handlers run on the publishing (or bus) thread and must only queue work.
  virtual Id subscribe(const std::string& room, Handler h) = 0;
  virtual void unsubscribe(Id id) = 0;

  // ---- cluster buses (Redis); LocalBus keeps the defaults ----
  // A cluster bus's subscription takes effect a moment after subscribe() returns, and
  // messages are lost while the bus is cut off from its broker. The bus calls `fn(room)` (on
  // its own thread) when its subscription to `room` has become effective: the first time, and
  // again after every reconnection. Messages published before that moment may have been
  // missed, so the room's viewers must resync. Set it before anyone subscribes.
  using ReadyHandler = std::function<void(const std::string& room)>;
  virtual void set_ready_handler(ReadyHandler fn) { (void)fn; }
  // true: a subscription is effective when subscribe() returns (no ready calls ever come).
  virtual bool immediate() const { return true; }
  virtual void start() {}
  virtual void stop() {}
  struct Stats {
    bool connected = true;        // the subscriber connection is up (LocalBus: always)
    bool publisher_connected = true;
    int64_t rooms = 0;            // rooms subscribed at the broker
    uint64_t published = 0;       // messages handed to the broker
    uint64_t dropped = 0;         // messages not handed to the broker (queue full, broker down)
    uint64_t received = 0;        // messages from other nodes delivered here
    uint64_t reconnects = 0;      // successful reconnections after a loss (both connections)
    int64_t queued = 0;           // messages waiting for the publisher thread
  };
  virtual Stats stats() const { return {}; }
};

// One process: synchronous in-process fan-out to the room's subscribers.
std::unique_ptr<Bus> make_local_bus();

// A cluster: Redis pub/sub (redis_bus.cc). Local subscribers get a node's own messages
// directly (at once, even while Redis is down); Redis carries them to the other nodes, which
// skip what they published themselves (every Redis message names its origin node).
struct RedisBusOptions {
  std::string url;              // bus.redis_url: redis://[:password@]host[:port][/db]
  std::string channel_prefix = "shangliang:";  // Redis channel = prefix + room
  size_t queue_max = 10000;     // bus.queue_max: messages waiting to be published; more are dropped
  int reconnect_max_ms = 2000;  // longest wait between reconnection attempts (starts at 50 ms)
};
// bad_config for a URL that is not redis://...; connects in start() (and keeps retrying).
Result<std::unique_ptr<Bus>> make_redis_bus(const RedisBusOptions& options);

}  // namespace sl::pubsub
