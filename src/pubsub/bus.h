// Bus: carries live events between the code that commits a change and the live hubs that
// fan it out to viewers. One node uses the in-process LocalBus; a cluster uses Redis pub/sub
// (the scale-out issue). The database is the truth and the bus may drop messages: every
// message carries its room's sequence number, and receivers that see a gap resync from storage.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

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
};

// One process: synchronous in-process fan-out to the room's subscribers.
std::unique_ptr<Bus> make_local_bus();

}  // namespace sl::pubsub
