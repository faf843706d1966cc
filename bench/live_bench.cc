// Live fan-out load client: many WebSocket viewers of one room in one process.
//
//   sl_bench_live run HOST PORT CONNECTIONS SOURCE_ADDR START_FILE OUT_FILE [ROOM]
//     Opens CONNECTIONS WebSockets to ws://HOST:PORT/api/v1/live from SOURCE_ADDR (e.g.
//     127.0.0.2; spread viewers over several processes and addresses: one process holds at
//     most ~20,000 files here), subscribes each to ROOM ("bench"), prints "ready N" once all
//     are subscribed, then waits for START_FILE to hold "T0 T1" (ms since the epoch). Every
//     event whose publish time (data.sent_us, written by the server's TickPublisher, or
//     "sent_us=" in a post's text, written by `post`) lies in
//     [T0, T1) counts: delivery latency (receive time - publish time), and for each viewer the
//     first and last sequence number and how many it got. Any sequence number that is not the
//     last one + 1 is a gap. Writes the results to OUT_FILE at T1 + 3 s.
//   sl_bench_live post HOST PORT TOKEN DELIBERATION_ID RATE START_FILE
//     Posts into the deliberation RATE times a second through HTTP (bearer TOKEN, 4 connections
//     taking turns), from 1 s before T0 to 0.5 s after T1, each post's text carrying
//     "sent_us=<send time>": the viewers of room deliberation:<id> take that as the publish time.
//   sl_bench_live merge OUT_FILE...
//     Adds up the processes' results: viewers, p50/p99/max latency, and how many viewers got
//     every event of the window in order.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bws = boost::beast::websocket;
using tcp = asio::ip::tcp;

namespace {

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Latency histogram: 100 µs buckets up to 60 s.
constexpr int64_t kBucketUs = 100;
constexpr size_t kBuckets = 600000;

bool number_after(std::string_view s, std::string_view key, int64_t& out) {
  size_t p = s.find(key);
  if (p == std::string_view::npos) return false;
  p += key.size();
  int64_t v = 0;
  bool any = false;
  while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
    v = v * 10 + (s[p] - '0');
    ++p;
    any = true;
  }
  out = v;
  return any;
}

struct Shared {
  int64_t t0_us = INT64_MAX, t1_us = INT64_MAX;
  std::vector<uint32_t> hist = std::vector<uint32_t>(kBuckets + 1, 0);
  int64_t samples = 0, max_us = 0;
  int subscribed = 0, failed = 0, closed = 0;
  int64_t gaps = 0, resyncs = 0, events = 0, duplicates = 0;
  std::string room = "bench";
};

class Viewer : public std::enable_shared_from_this<Viewer> {
 public:
  Viewer(asio::io_context& ioc, Shared& sh) : ws_(ioc), sh_(sh) {}

  void start(const tcp::endpoint& server, const asio::ip::address& source, std::string host) {
    host_ = std::move(host);
    auto& sock = ws_.next_layer();
    beast::error_code ec;
    sock.open(tcp::v4(), ec);
    if (!ec) sock.set_option(tcp::socket::reuse_address(true), ec);
    if (!ec) sock.bind(tcp::endpoint(source, 0), ec);
    if (ec) return fail("bind: " + ec.message());
    sock.async_connect(server, [self = shared_from_this()](beast::error_code e) {
      if (e) return self->fail("connect: " + e.message());
      self->ws_.next_layer().set_option(tcp::no_delay(true));
      self->ws_.async_handshake(self->host_, "/api/v1/live", [self](beast::error_code e2) {
        if (e2) return self->fail("handshake: " + e2.message());
        self->ws_.text(true);
        self->out_ = "{\"op\":\"subscribe\",\"room\":\"" + self->sh_.room + "\"}";
        self->ws_.async_write(asio::buffer(self->out_), [self](beast::error_code e3, size_t) {
          if (e3) return self->fail("subscribe: " + e3.message());
          self->read();
        });
      });
    });
  }

  // (first, last, count) of the events in the window, and whether it saw a gap in it.
  std::tuple<int64_t, int64_t, int64_t> coverage() const { return {first_, last_win_, count_}; }
  bool gap_in_window() const { return gap_in_window_; }
  bool ok() const { return subscribed_ && !failed_; }

 private:
  void fail(const std::string& why) {
    if (failed_) return;
    failed_ = true;
    sh_.failed++;
    if (sh_.failed <= 5) std::cerr << "viewer failed: " << why << "\n";
  }

  // After the handshake (Beast), frames are read straight from the socket and parsed here:
  // cheaper per message than a websocket::stream read, so the load client is not what lags.
  void read() {
    if (rbuf_.size() - used_ < 512) rbuf_.resize(rbuf_.size() * 2);
    ws_.next_layer().async_read_some(
        asio::buffer(rbuf_.data() + used_, rbuf_.size() - used_), [self = shared_from_this()](beast::error_code e, size_t n) {
          if (e) {
            if (!self->failed_) self->sh_.closed++;
            return self->fail("read: " + e.message());
          }
          self->used_ += n;
          if (!self->parse()) return;
          self->read();
        });
  }

  // Server frames are unmasked and not fragmented. False when the server closed.
  bool parse() {
    size_t pos = 0;
    while (used_ - pos >= 2) {
      const auto* b = reinterpret_cast<const uint8_t*>(rbuf_.data() + pos);
      int op = b[0] & 0x0F;
      uint64_t len = b[1] & 0x7F;
      size_t hdr = 2;
      if (len == 126) {
        if (used_ - pos < 4) break;
        len = (uint64_t{b[2]} << 8) | b[3];
        hdr = 4;
      } else if (len == 127) {
        if (used_ - pos < 10) break;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | b[2 + i];
        hdr = 10;
      }
      if (used_ - pos < hdr + len) {
        if (hdr + len > rbuf_.size()) rbuf_.resize(hdr + len + 512);
        break;
      }
      std::string_view payload(rbuf_.data() + pos + hdr, static_cast<size_t>(len));
      pos += hdr + static_cast<size_t>(len);
      if (op == 1) {
        on_message(payload);
      } else if (op == 9) {
        pong(payload);
      } else if (op == 8) {
        sh_.closed++;
        fail("closed by the server");
        return false;
      }
    }
    std::memmove(rbuf_.data(), rbuf_.data() + pos, used_ - pos);
    used_ -= pos;
    return true;
  }

  void pong(std::string_view payload) {
    if (writing_) return;  // one at a time; a missed pong is answered by the next ping
    pong_.assign({static_cast<char>(0x8A), static_cast<char>(0x80 | payload.size()), 0, 0, 0, 0});  // zero mask key
    pong_.append(payload);
    writing_ = true;
    asio::async_write(ws_.next_layer(), asio::buffer(pong_), [self = shared_from_this()](beast::error_code, size_t) {
      self->writing_ = false;
    });
  }

  void on_message(std::string_view s) {
    int64_t t = now_us();
    if (s.find("\"op\":\"event\"") != std::string_view::npos) {
      int64_t seq = 0, sent = 0;
      if (!number_after(s, "\"seq\":", seq)) return;
      // The publish time: the bench room's ticks carry "sent_us":N; posts made by `post` carry
      // "sent_us=N" in their text. Events without one still count for gaps and order.
      bool stamped = number_after(s, "\"sent_us\":", sent) || number_after(s, "sent_us=", sent);
      if (!stamped) sent = -1;
      sh_.events++;
      if (last_ != 0 && seq <= last_) {  // already covered by `subscribed` (the protocol says: ignore)
        sh_.duplicates++;
        return;
      }
      bool gap = last_ != 0 && seq != last_ + 1;
      if (gap) sh_.gaps++;
      last_ = seq;
      if (stamped && sent >= sh_.t0_us && sent < sh_.t1_us) {
        if (first_ == 0) first_ = seq;
        else if (gap) gap_in_window_ = true;
        last_win_ = seq;
        count_++;
        int64_t lat = std::max<int64_t>(0, t - sent);
        sh_.hist[static_cast<size_t>(std::min<int64_t>(lat / kBucketUs, kBuckets))]++;
        sh_.samples++;
        sh_.max_us = std::max(sh_.max_us, lat);
      }
    } else if (s.find("\"op\":\"subscribed\"") != std::string_view::npos) {
      int64_t seq = 0;
      number_after(s, "\"seq\":", seq);
      if (!subscribed_) {
        subscribed_ = true;
        sh_.subscribed++;
        last_ = seq;
      }
    } else if (s.find("\"op\":\"resync\"") != std::string_view::npos) {
      sh_.resyncs++;
      if (first_ != 0) gap_in_window_ = true;
    }
  }

  bws::stream<tcp::socket> ws_;
  Shared& sh_;
  std::vector<char> rbuf_ = std::vector<char>(1024);
  size_t used_ = 0;
  std::string host_, out_, pong_;
  bool subscribed_ = false, failed_ = false, gap_in_window_ = false, writing_ = false;
  int64_t last_ = 0, first_ = 0, last_win_ = 0, count_ = 0;
};

int run(int argc, char** argv) {
  if (argc < 8) {
    std::cerr << "usage: sl_bench_live run HOST PORT CONNECTIONS SOURCE_ADDR START_FILE OUT_FILE [ROOM]\n";
    return 2;
  }
  std::string host = argv[2];
  auto port = static_cast<unsigned short>(std::stoi(argv[3]));
  int n = std::stoi(argv[4]);
  auto source = asio::ip::make_address(argv[5]);
  std::string start_file = argv[6], out_file = argv[7];
  Shared sh;
  if (argc > 8) sh.room = argv[8];

  asio::io_context ioc(1);
  tcp::endpoint server(asio::ip::make_address(host), port);
  std::vector<std::shared_ptr<Viewer>> viewers;
  viewers.reserve(static_cast<size_t>(n));
  // Open at most `kInFlight` handshakes at a time.
  constexpr int kInFlight = 200;
  int started = 0;
  asio::steady_timer pacer(ioc);
  std::function<void()> pace = [&] {
    while (started < n && started - sh.subscribed - sh.failed < kInFlight) {
      auto v = std::make_shared<Viewer>(ioc, sh);
      v->start(server, source, host);
      viewers.push_back(v);
      ++started;
    }
    if (sh.subscribed + sh.failed >= n) {
      std::cout << "ready " << sh.subscribed << " failed " << sh.failed << std::endl;
      return;
    }
    pacer.expires_after(std::chrono::milliseconds(5));
    pacer.async_wait([&](beast::error_code) { pace(); });
  };
  pace();

  // Wait for "T0 T1" in the start file, then for the window to pass.
  asio::steady_timer clock(ioc);
  bool written = false;
  std::function<void()> tick = [&] {
    if (sh.t0_us == INT64_MAX) {
      std::ifstream f(start_file);
      int64_t t0 = 0, t1 = 0;
      if (f >> t0 >> t1 && t1 > t0) {
        sh.t0_us = t0 * 1000;
        sh.t1_us = t1 * 1000;
      }
    } else if (!written && now_us() > sh.t1_us + 3'000'000) {
      written = true;
      std::map<std::tuple<int64_t, int64_t, int64_t>, int> cover;
      int gappy = 0;
      for (auto& v : viewers) {
        if (!v->ok()) continue;
        if (v->gap_in_window()) gappy++;
        else cover[v->coverage()]++;
      }
      std::ofstream o(out_file);
      o << "viewers " << sh.subscribed << "\nfailed " << sh.failed << "\nclosed " << sh.closed << "\nevents " << sh.events
        << "\ngaps " << sh.gaps << "\nduplicates " << sh.duplicates << "\nresyncs " << sh.resyncs << "\ngappy " << gappy << "\nsamples " << sh.samples
        << "\nmax_us " << sh.max_us << "\n";
      for (auto& [t, count] : cover)
        o << "cover " << std::get<0>(t) << " " << std::get<1>(t) << " " << std::get<2>(t) << " " << count << "\n";
      for (size_t b = 0; b <= kBuckets; ++b)
        if (sh.hist[b]) o << "h " << b << " " << sh.hist[b] << "\n";
      o.close();
      ioc.stop();
      return;
    }
    clock.expires_after(std::chrono::milliseconds(100));
    clock.async_wait([&](beast::error_code) { tick(); });
  };
  tick();
  ioc.run();
  return 0;
}

// Posts into a deliberation at RATE posts a second through HTTP, from 1 s before T0 to 0.5 s
// after T1 (START_FILE), each with "sent_us=<now>" in its text. Four connections take turns
// (post k goes out on connection k % 4 at its own scheduled time), so a slow commit does not
// hold back the next post's send time.
int post(int argc, char** argv) {
  if (argc < 8) {
    std::cerr << "usage: sl_bench_live post HOST PORT TOKEN DELIBERATION_ID RATE START_FILE\n";
    return 2;
  }
  std::string host = argv[2];
  auto port = static_cast<unsigned short>(std::stoi(argv[3]));
  std::string token = argv[4], target = std::string("/api/v1/deliberations/") + argv[5] + "/posts";
  double rate = std::stod(argv[6]);
  std::string start_file = argv[7];
  int64_t t0 = 0, t1 = 0;
  for (;;) {
    std::ifstream f(start_file);
    if (f >> t0 >> t1 && t1 > t0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  constexpr int kLanes = 4;
  const auto period = static_cast<int64_t>(1e6 / rate);
  std::atomic<int64_t> ok{0}, bad{0}, worst_us{0};
  auto lane = [&](int k) {
    asio::io_context ioc;
    tcp::endpoint server(asio::ip::make_address(host), port);
    std::unique_ptr<beast::tcp_stream> stream;
    beast::flat_buffer buf;
    for (int64_t at = (t0 - 1000) * 1000 + k * period; at < (t1 + 500) * 1000; at += kLanes * period) {
      int64_t wait = at - now_us();
      if (wait > 0) std::this_thread::sleep_for(std::chrono::microseconds(wait));
      int64_t sent = now_us();
      namespace http = beast::http;
      http::request<http::string_body> req{http::verb::post, target, 11};
      req.set(http::field::host, host);
      req.set(http::field::authorization, "Bearer " + token);
      req.set(http::field::content_type, "application/json");
      req.body() = "{\"body\":\"实时推送测试 sent_us=" + std::to_string(sent) + "\"}";
      req.prepare_payload();
      http::response<http::string_body> res;
      beast::error_code ec;
      for (int attempt = 0; attempt < 2; ++attempt) {
        if (!stream) {
          stream = std::make_unique<beast::tcp_stream>(ioc);
          stream->connect(server, ec);
          if (ec) break;
          stream->socket().set_option(tcp::no_delay(true));
        }
        http::write(*stream, req, ec);
        if (!ec) http::read(*stream, buf, res, ec);
        if (!ec) break;
        stream.reset();
        buf.clear();
      }
      int64_t took = now_us() - sent, w = worst_us.load();
      while (took > w && !worst_us.compare_exchange_weak(w, took)) {
      }
      if (!ec && res.result_int() == 201) {
        ok++;
      } else if (bad++ < 3) {
        std::cerr << "post failed: " << (ec ? ec.message() : std::to_string(res.result_int()) + " " + res.body()) << "\n";
      }
    }
  };
  std::vector<std::thread> lanes;
  for (int k = 0; k < kLanes; ++k) lanes.emplace_back(lane, k);
  for (auto& t : lanes) t.join();
  std::cout << "posted " << ok.load() << " failed " << bad.load() << " slowest_ms " << worst_us.load() / 1000.0 << std::endl;
  return bad.load() == 0 ? 0 : 1;
}

int merge(int argc, char** argv) {
  std::vector<uint64_t> hist(kBuckets + 1, 0);
  std::map<std::string, int64_t> totals;
  int64_t max_us = 0;
  std::map<std::tuple<int64_t, int64_t, int64_t>, int64_t> cover;
  for (int i = 2; i < argc; ++i) {
    std::ifstream f(argv[i]);
    std::string line;
    while (std::getline(f, line)) {
      std::istringstream in(line);
      std::string key;
      in >> key;
      if (key == "h") {
        size_t b;
        uint64_t c;
        in >> b >> c;
        hist[b] += c;
      } else if (key == "cover") {
        int64_t a, b, c, n;
        in >> a >> b >> c >> n;
        cover[{a, b, c}] += n;
      } else if (key == "max_us") {
        int64_t v;
        in >> v;
        max_us = std::max(max_us, v);
      } else {
        int64_t v;
        in >> v;
        totals[key] += v;
      }
    }
  }
  uint64_t total = 0;
  for (auto c : hist) total += c;
  auto pct = [&](double p) {
    uint64_t want = static_cast<uint64_t>(p * static_cast<double>(total)), acc = 0;
    for (size_t b = 0; b <= kBuckets; ++b) {
      acc += hist[b];
      if (acc > want) return static_cast<double>((b + 1) * kBucketUs) / 1000.0;  // upper edge, ms
    }
    return 0.0;
  };
  int64_t first = INT64_MAX, last = 0;
  for (auto& [t, n] : cover) {
    if (std::get<0>(t) > 0) first = std::min(first, std::get<0>(t));
    last = std::max(last, std::get<1>(t));
  }
  int64_t expected = last >= first ? last - first + 1 : 0, complete = 0;
  for (auto& [t, n] : cover)
    if (std::get<0>(t) == first && std::get<1>(t) == last && std::get<2>(t) == expected) complete += n;
  std::printf("viewers=%lld failed=%lld closed=%lld\n", static_cast<long long>(totals["viewers"]),
              static_cast<long long>(totals["failed"]), static_cast<long long>(totals["closed"]));
  std::printf("window: events %lld..%lld (%lld each); viewers with all of them in order: %lld of %lld\n",
              static_cast<long long>(first == INT64_MAX ? 0 : first), static_cast<long long>(last),
              static_cast<long long>(expected), static_cast<long long>(complete),
              static_cast<long long>(totals["viewers"]));
  std::printf("gaps=%lld duplicates=%lld resyncs=%lld viewers_with_a_gap_in_the_window=%lld events_received=%lld\n",
              static_cast<long long>(totals["gaps"]), static_cast<long long>(totals["duplicates"]),
              static_cast<long long>(totals["resyncs"]),
              static_cast<long long>(totals["gappy"]), static_cast<long long>(totals["events"]));
  std::printf("latency over %llu deliveries: p50=%.1f ms p99=%.1f ms p99.9=%.1f ms max=%.1f ms\n",
              static_cast<unsigned long long>(total), pct(0.50), pct(0.99), pct(0.999),
              static_cast<double>(max_us) / 1000.0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "run") return run(argc, argv);
  if (mode == "merge") return merge(argc, argv);
  if (mode == "post") return post(argc, argv);
  std::cerr << "usage: sl_bench_live run ... | post ... | merge FILE...\n";
  return 2;
}
