// LocalBus: the bus of a single node. publish() calls the room's handlers on the caller's
// thread; handlers only queue work (the live hub's per-session queues), so it never blocks.
#include <mutex>
#include <unordered_map>
#include <vector>

#include "pubsub/bus.h"

namespace sl::pubsub {
namespace {

class LocalBus final : public Bus {
 public:
  void publish(Message m) override {
    std::vector<std::shared_ptr<Handler>> targets;
    {
      std::lock_guard lk(mu_);
      auto it = rooms_.find(m.room);
      if (it == rooms_.end()) return;
      targets.reserve(it->second.size());
      for (auto& [id, h] : it->second) targets.push_back(h);
    }
    for (auto& h : targets) (*h)(m);
  }

  Id subscribe(const std::string& room, Handler h) override {
    std::lock_guard lk(mu_);
    Id id = ++next_;
    rooms_[room].emplace_back(id, std::make_shared<Handler>(std::move(h)));
    room_of_[id] = room;
    return id;
  }

  void unsubscribe(Id id) override {
    std::lock_guard lk(mu_);
    auto r = room_of_.find(id);
    if (r == room_of_.end()) return;
    auto& subs = rooms_[r->second];
    std::erase_if(subs, [id](const auto& p) { return p.first == id; });
    if (subs.empty()) rooms_.erase(r->second);
    room_of_.erase(r);
  }

 private:
  std::mutex mu_;
  Id next_ = 0;
  std::unordered_map<std::string, std::vector<std::pair<Id, std::shared_ptr<Handler>>>> rooms_;
  std::unordered_map<Id, std::string> room_of_;
};

}  // namespace

std::unique_ptr<Bus> make_local_bus() { return std::make_unique<LocalBus>(); }

}  // namespace sl::pubsub
