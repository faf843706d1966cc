// WebSocket connections end to end: a real HttpServer on loopback, a real Beast WebSocket
// client (and a raw socket where Beast would refuse to misbehave).
#include "net/websocket.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <thread>

#include "net/server.h"

namespace sl::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bws = boost::beast::websocket;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Echoes text back; a few commands drive the tests.
struct Probe {
  std::mutex mu;
  std::condition_variable cv;
  int opened = 0, closed = 0;
  std::vector<std::string> texts;
  std::set<std::thread::id> threads;
  std::shared_ptr<WsSession> session;

  template <typename P>
  bool wait(P pred, std::chrono::milliseconds d = 5s) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, d, pred);
  }
};

class EchoHandler final : public WsHandler {
 public:
  explicit EchoHandler(std::shared_ptr<Probe> p) : p_(std::move(p)) {}
  void on_open(const std::shared_ptr<WsSession>& s) override {
    std::lock_guard lk(p_->mu);
    p_->opened++;
    p_->session = s;
    session_ = s;
    p_->cv.notify_all();
  }
  void on_text(std::string_view m) override {
    {
      std::lock_guard lk(p_->mu);
      p_->texts.emplace_back(m);
      p_->threads.insert(std::this_thread::get_id());
      p_->cv.notify_all();
    }
    if (m == "close") {
      session_->close(4000, "bye");
      return;
    }
    if (m.rfind("quiet", 0) == 0) return;
    session_->send(std::make_shared<const std::string>(m));
  }
  void on_close() override {
    std::lock_guard lk(p_->mu);
    p_->closed++;
    p_->session.reset();
    session_.reset();
    p_->cv.notify_all();
  }

 private:
  std::shared_ptr<Probe> p_;
  std::shared_ptr<WsSession> session_;
};

class WebSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_.host = "127.0.0.1";
    cfg_.port = 0;
    cfg_.threads = 1;
    cfg_.worker_threads = 2;
    cfg_.shutdown_grace_ms = 3000;
    cfg_.idle_timeout_ms = 2000;
    cfg_.read_timeout_ms = 2000;
    opts_.max_message_bytes = 1024;
    opts_.queue_max_frames = 64;
    opts_.queue_max_bytes = 256 * 1024;
    probe_ = std::make_shared<Probe>();
  }

  void start(bool offload = false) {
    router_.websocket(
        "/api/ws",
        [this](HttpRequest& req) -> HttpResponse {
          if (req.query_param("deny")) return HttpResponse::problem(403, "forbidden", "不行");
          return HttpResponse::accept_websocket(std::make_shared<EchoHandler>(probe_));
        },
        opts_, offload);
    router_.get("/api/v1/ping", [](HttpRequest&) { return HttpResponse::json(200, "{}"); });
    server_ = std::make_unique<HttpServer>(cfg_, router_, metrics_, nullptr);
    server_->set_access_log(false);
    ASSERT_TRUE(server_->start().ok());
  }

  void TearDown() override {
    if (server_) server_->stop();
  }

  // A connected, upgraded Beast client.
  struct Client {
    asio::io_context ioc;
    bws::stream<tcp::socket> ws{ioc};
    bhttp::response<bhttp::string_body> handshake;
    beast::flat_buffer buf;
    std::string read() {
      buf.clear();
      ws.read(buf);
      return beast::buffers_to_string(buf.data());
    }
  };

  std::unique_ptr<Client> connect(const std::string& target = "/api/ws", bool offer_deflate = false) {
    auto c = std::make_unique<Client>();
    c->ws.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->port())));
    if (offer_deflate) {
      bws::permessage_deflate pmd;
      pmd.client_enable = true;
      c->ws.set_option(pmd);
    }
    c->ws.handshake(c->handshake, "127.0.0.1", target);
    return c;
  }

  // A raw TCP connection that has done the upgrade by hand.
  struct Raw {
    asio::io_context ioc;
    tcp::socket s{ioc};
    std::string buf;
    void write(const std::string& bytes) { asio::write(s, asio::buffer(bytes)); }
    // Reads one server frame: (opcode, payload); opcode -1 on EOF.
    std::pair<int, std::string> frame() {
      auto need = [&](size_t n) {
        while (buf.size() < n) {
          char tmp[4096];
          boost::system::error_code ec;
          size_t got = s.read_some(asio::buffer(tmp), ec);
          if (ec) return false;
          buf.append(tmp, got);
        }
        return true;
      };
      if (!need(2)) return {-1, {}};
      int op = static_cast<uint8_t>(buf[0]) & 0x0F;
      uint64_t len = static_cast<uint8_t>(buf[1]) & 0x7F;
      size_t hdr = 2;
      if (len == 126) {
        if (!need(4)) return {-1, {}};
        len = (static_cast<uint64_t>(static_cast<uint8_t>(buf[2])) << 8) | static_cast<uint8_t>(buf[3]);
        hdr = 4;
      }
      if (!need(hdr + len)) return {-1, {}};
      std::string payload = buf.substr(hdr, len);
      buf.erase(0, hdr + len);
      return {op, payload};
    }
    static uint16_t code_of(const std::string& close_payload) {
      return static_cast<uint16_t>((static_cast<uint8_t>(close_payload[0]) << 8) | static_cast<uint8_t>(close_payload[1]));
    }
  };

  std::unique_ptr<Raw> raw_connect(const std::string& extra = "", const std::string& version = "HTTP/1.1") {
    auto r = std::make_unique<Raw>();
    r->s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->port())));
    r->write("GET /api/ws " + version +
             "\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
             extra + "\r\n");
    return r;
  }

  static std::string read_http_head(Raw& r) {
    while (r.buf.find("\r\n\r\n") == std::string::npos) {
      char tmp[4096];
      boost::system::error_code ec;
      size_t n = r.s.read_some(asio::buffer(tmp), ec);
      if (ec) break;
      r.buf.append(tmp, n);
    }
    size_t end = r.buf.find("\r\n\r\n");
    if (end == std::string::npos) return r.buf;
    std::string head = r.buf.substr(0, end + 4);
    r.buf.erase(0, end + 4);
    return head;
  }

  ServerConfig cfg_;
  WsOptions opts_;
  Router router_;
  Metrics metrics_;
  std::unique_ptr<HttpServer> server_;
  std::shared_ptr<Probe> probe_;
};

TEST(WebSocketCodec, AcceptKeyAndUtf8) {
  // RFC 6455 section 1.3.
  EXPECT_EQ(websocket_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_TRUE(valid_utf8("商量 ok"));
  EXPECT_TRUE(valid_utf8("\xF0\x9F\x98\x80"));
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(valid_utf8("\xE5\x95"));          // cut short
  uint8_t h[10];
  EXPECT_EQ(ws::write_header(h, ws::kText, 5), 2u);
  EXPECT_EQ(ws::write_header(h, ws::kText, 300), 4u);
  EXPECT_EQ(ws::write_header(h, ws::kText, 70000), 10u);
}

TEST_F(WebSocketTest, UpgradeEchoAndNoCompression) {
  start();
  auto c = connect("/api/ws", /*offer_deflate=*/true);
  EXPECT_EQ(c->handshake.result_int(), 101);
  EXPECT_EQ(c->handshake[bhttp::field::sec_websocket_extensions], "");  // permessage-deflate refused
  ASSERT_TRUE(probe_->wait([&] { return probe_->opened == 1; }));
  c->ws.text(true);
  c->ws.write(asio::buffer(std::string("你好，商量")));
  EXPECT_EQ(c->read(), "你好，商量");
  std::string big(1000, 'x');
  c->ws.write(asio::buffer(big));
  EXPECT_EQ(c->read(), big);
  EXPECT_EQ(metrics_.open_connections(), 1);
  c->ws.close(bws::close_code::normal);
  ASSERT_TRUE(probe_->wait([&] { return probe_->closed == 1; }));
  ASSERT_TRUE(probe_->wait([&] { return metrics_.open_connections() == 0; }));
}

TEST_F(WebSocketTest, PingIsAnsweredWithPong) {
  start();
  auto c = connect();
  std::atomic<int> pongs{0};
  c->ws.control_callback([&](bws::frame_type kind, beast::string_view payload) {
    if (kind == bws::frame_type::pong && payload == "are you there") pongs++;
  });
  c->ws.ping("are you there");
  c->ws.write(asio::buffer(std::string("after the ping")));
  EXPECT_EQ(c->read(), "after the ping");  // control frames are processed while reading
  EXPECT_EQ(pongs.load(), 1);
}

TEST_F(WebSocketTest, FragmentedMessageIsReassembled) {
  start();
  auto c = connect();
  c->ws.write_some(false, asio::buffer(std::string("商")));
  c->ws.write_some(false, asio::buffer(std::string("量")));
  c->ws.ping("");
  c->ws.write_some(true, asio::buffer(std::string("!")));
  EXPECT_EQ(c->read(), "商量!");
}

TEST_F(WebSocketTest, OversizedMessageClosesWith1009) {
  start();
  auto c = connect();
  std::string big(opts_.max_message_bytes + 1, 'x');
  c->ws.write(asio::buffer(big));
  beast::flat_buffer b;
  boost::system::error_code ec;
  c->ws.read(b, ec);
  EXPECT_EQ(ec, bws::error::closed);
  EXPECT_EQ(c->ws.reason().code, 1009);
  ASSERT_TRUE(probe_->wait([&] { return probe_->closed == 1; }));
  EXPECT_TRUE(probe_->texts.empty());
}

TEST_F(WebSocketTest, ProtocolViolationsClose) {
  start();
  struct Case {
    std::string frame;
    uint16_t code;
  } cases[] = {
      {ws::encode_frame(ws::kText, "unmasked"), 1002},
      {ws::encode_frame(ws::kBinary, "bin", 0x01020304u), 1003},
      {ws::encode_frame(ws::kText, "\xC0\xAF", 0x01020304u), 1007},
      {ws::encode_frame(ws::kContinuation, "x", 0x01020304u), 1002},
      {ws::encode_frame(ws::kPing, std::string(126, 'p'), 0x01020304u), 1002},
  };
  for (const auto& cs : cases) {
    auto r = raw_connect();
    std::string head = read_http_head(*r);
    ASSERT_NE(head.find("101 Switching Protocols"), std::string::npos) << head;
    ASSERT_NE(head.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), std::string::npos) << head;
    r->write(cs.frame);
    auto [op, payload] = r->frame();
    ASSERT_EQ(op, ws::kClose);
    EXPECT_EQ(Raw::code_of(payload), cs.code);
    EXPECT_EQ(r->frame().first, -1);  // and the server closes the socket
  }
}

TEST_F(WebSocketTest, BytesSentRightAfterTheUpgradeAreKept) {
  start();
  auto r = std::make_unique<Raw>();
  r->s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->port())));
  r->write(
      "GET /api/ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n" +
      ws::encode_frame(ws::kText, "early", 0xA1B2C3D4u));
  EXPECT_NE(read_http_head(*r).find("101"), std::string::npos);
  auto [op, payload] = r->frame();
  EXPECT_EQ(op, ws::kText);
  EXPECT_EQ(payload, "early");
}

TEST_F(WebSocketTest, RefusedAndPlainRequests) {
  start();
  // A plain GET: 426 with Upgrade, and the connection stays usable.
  {
    auto r = std::make_unique<Raw>();
    r->s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->port())));
    r->write("GET /api/ws HTTP/1.1\r\nHost: t\r\n\r\n");
    std::string head = read_http_head(*r);
    EXPECT_NE(head.find("426 Upgrade Required"), std::string::npos) << head;
    EXPECT_NE(head.find("Upgrade: websocket"), std::string::npos) << head;
  }
  // HTTP/1.0 cannot upgrade.
  {
    auto r = raw_connect("", "HTTP/1.0");
    EXPECT_NE(read_http_head(*r).find("426"), std::string::npos);
  }
  // The handler refuses: its answer, then the connection closes.
  {
    auto r = std::make_unique<Raw>();
    r->s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_->port())));
    r->write(
        "GET /api/ws?deny=1 HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    std::string head = read_http_head(*r);
    EXPECT_NE(head.find("403"), std::string::npos) << head;
    EXPECT_NE(head.find("Connection: close"), std::string::npos) << head;
  }
  EXPECT_EQ(probe_->opened, 0);
}

TEST_F(WebSocketTest, ApplicationCloseSendsItsCode) {
  start();
  auto c = connect();
  c->ws.write(asio::buffer(std::string("close")));
  beast::flat_buffer b;
  boost::system::error_code ec;
  c->ws.read(b, ec);
  EXPECT_EQ(ec, bws::error::closed);
  EXPECT_EQ(c->ws.reason().code, 4000);
  EXPECT_EQ(std::string(c->ws.reason().reason.c_str()), "bye");
  ASSERT_TRUE(probe_->wait([&] { return probe_->closed == 1; }));
}

// A reader that does not read: its queue stays within the bound (the one shared message object
// is never referenced by more than the queue and one write batch), the sender sees kOverflow,
// and once the client reads again it finds the message sent after the overflow.
TEST_F(WebSocketTest, SlowReaderOverflowsAndMemoryStaysBounded) {
  opts_.queue_max_frames = 32;
  opts_.queue_max_bytes = 1 << 30;
  start();
  auto c = connect();
  ASSERT_TRUE(probe_->wait([&] { return probe_->session != nullptr; }));
  std::shared_ptr<WsSession> s;
  {
    std::lock_guard lk(probe_->mu);
    s = probe_->session;
  }
  auto frame = std::make_shared<const std::string>(std::string(64 * 1024, 'm'));
  int overflows = 0, queued = 0;
  long max_refs = 0;
  for (int i = 0; i < 20000 && overflows < 3; ++i) {
    auto r = s->send(frame);
    if (r == WsSession::Send::kOverflow) overflows++;
    if (r == WsSession::Send::kQueued) queued++;
    max_refs = std::max(max_refs, frame.use_count());
    if (i % 64 == 0) std::this_thread::sleep_for(1ms);
  }
  EXPECT_GE(overflows, 1);
  // ours + the queue (32) + one write batch (at most 64) + a wake in flight.
  EXPECT_LE(max_refs, 1 + 32 + 64 + 1);
  ASSERT_EQ(s->send(std::make_shared<const std::string>("resync")), WsSession::Send::kQueued);
  // The client reads again: what was not dropped, then the resync.
  int got = 0;
  for (;;) {
    std::string m = c->read();
    if (m == "resync") break;
    EXPECT_EQ(m.size(), frame->size());
    ++got;
  }
  EXPECT_LT(got, queued);  // some were dropped
  s.reset();
}

TEST_F(WebSocketTest, OffloadedRouteRunsMessagesOnThePoolInOrder) {
  start(/*offload=*/true);
  auto c = connect();
  for (int i = 0; i < 50; ++i) c->ws.write(asio::buffer("m" + std::to_string(i)));
  for (int i = 0; i < 50; ++i) EXPECT_EQ(c->read(), "m" + std::to_string(i));
  std::lock_guard lk(probe_->mu);
  ASSERT_EQ(probe_->texts.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(probe_->texts[static_cast<size_t>(i)], "m" + std::to_string(i));
}

TEST_F(WebSocketTest, SilentPeerIsPingedThenDropped) {
  opts_.ping_interval_ms = 100;
  opts_.idle_timeout_ms = 600;
  cfg_.idle_timeout_ms = 200;  // sweep often
  cfg_.read_timeout_ms = 200;
  start();
  // A raw client that never answers: it sees a ping, then the connection ends.
  auto r = raw_connect();
  read_http_head(*r);
  auto [op, payload] = r->frame();
  EXPECT_EQ(op, ws::kPing);
  ASSERT_TRUE(probe_->wait([&] { return probe_->closed == 1; }));
  // A client that answers the pings stays, although it sends nothing else.
  auto talker = raw_connect();
  read_http_head(*talker);
  auto until = std::chrono::steady_clock::now() + 1000ms;  // longer than idle_timeout_ms
  int pings = 0;
  while (std::chrono::steady_clock::now() < until) {
    auto [fop, fpayload] = talker->frame();
    ASSERT_EQ(fop, ws::kPing);
    ++pings;
    talker->write(ws::encode_frame(ws::kPong, fpayload, 0x11223344u));
  }
  EXPECT_GE(pings, 2);
  talker->write(ws::encode_frame(ws::kText, "still here", 0x11223344u));
  auto [top, tpayload] = talker->frame();
  while (top == ws::kPing) std::tie(top, tpayload) = talker->frame();
  EXPECT_EQ(top, ws::kText);
  EXPECT_EQ(tpayload, "still here");
}

TEST_F(WebSocketTest, StopSaysGoingAway) {
  start();
  auto c = connect();
  ASSERT_TRUE(probe_->wait([&] { return probe_->opened == 1; }));
  std::thread stopper([&] { server_->stop(); });
  beast::flat_buffer b;
  boost::system::error_code ec;
  c->ws.read(b, ec);  // Beast answers the close frame, completing the handshake
  EXPECT_EQ(ec, bws::error::closed);
  EXPECT_EQ(c->ws.reason().code, 1001);
  stopper.join();
  EXPECT_EQ(probe_->closed, 1);
  EXPECT_EQ(metrics_.open_connections(), 0);
}

}  // namespace
}  // namespace sl::net
