// End-to-end tests of HttpServer over real loopback TCP with a plain blocking socket client.
#include "net/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "net/file_response.h"
#include "net/static_files.h"

namespace sl::net {
namespace {

using namespace std::chrono_literals;

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& n) const {
    auto it = headers.find(n);
    return it == headers.end() ? "" : it->second;
  }
};

class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }

  void send(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }

  // Reads one response; status 0 if the connection closed or timed out first.
  Response read_response(bool head = false) {
    Response r;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return r;
    }
    std::string head_text = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    size_t line_end = head_text.find("\r\n");
    std::string status_line = head_text.substr(0, line_end);
    r.status = std::stoi(status_line.substr(9, 3));
    size_t pos = line_end == std::string::npos ? head_text.size() : line_end + 2;
    while (pos < head_text.size()) {
      size_t e = head_text.find("\r\n", pos);
      if (e == std::string::npos) e = head_text.size();
      std::string line = head_text.substr(pos, e - pos);
      size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      size_t v = colon + 1;
      while (v < line.size() && line[v] == ' ') ++v;
      r.headers[name] = line.substr(v);
      pos = e + 2;
    }
    size_t len = r.headers.count("content-length") && !head ? std::stoul(r.headers["content-length"]) : 0;
    while (buf_.size() < len) {
      if (!fill()) return Response{};
    }
    r.body = buf_.substr(0, len);
    buf_.erase(0, len);
    return r;
  }

  // True if the server closed the connection (EOF) within the receive timeout.
  bool closed_by_peer() {
    char c;
    ssize_t n = ::recv(fd_, &c, 1, 0);
    return n == 0;
  }

  Response request(const std::string& method, const std::string& target, const std::string& extra_headers = "",
                   const std::string& body = "") {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: test\r\n" + extra_headers;
    if (!body.empty() || method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    send(req);
    return read_response(method == "HEAD");
  }

 private:
  bool fill() {
    char tmp[8192];
    ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

std::string get(const std::string& target) { return "GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n"; }

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_.host = "127.0.0.1";
    cfg_.port = 0;
    cfg_.threads = 2;
    cfg_.worker_threads = 2;
    cfg_.max_body_bytes = 1024;
    cfg_.max_header_bytes = 4096;
    cfg_.shutdown_grace_ms = 3000;
    router_.get("/api/v1/ping", [](HttpRequest&) { return HttpResponse::json(200, R"({"pong":true})"); });
    router_.get("/api/v1/echo/{id}", [](HttpRequest& r) {
      return HttpResponse::json(200, "{\"id\":\"" + std::string(r.path_param("id")) + "\",\"q\":\"" +
                                         r.query_param("q").value_or("") + "\"}");
    });
    router_.get("/api/v1/slow", [this](HttpRequest& r) {
      slow_started_ = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(r.query_param("ms").value_or("100"))));
      slow_thread_ = std::this_thread::get_id();
      return HttpResponse::json(200, R"({"slow":true})");
    }, /*offload=*/true);
    router_.get("/api/v1/inline", [this](HttpRequest&) {
      inline_thread_ = std::this_thread::get_id();
      return HttpResponse::json(200, R"({"inline":true})");
    });
    router_.post("/api/v1/items", [](HttpRequest& r) { return HttpResponse::json(201, "{\"len\":" + std::to_string(r.body.size()) + "}"); });
    router_.get("/api/v1/throw", [](HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); });
    router_.get("/healthz", [](HttpRequest&) { return HttpResponse::json(200, R"({"ok":true})"); });
  }

  void start(StaticFiles* sf = nullptr) {
    server_ = std::make_unique<HttpServer>(cfg_, router_, metrics_, sf);
    server_->set_access_log(false);
    Status st = server_->start();
    ASSERT_TRUE(st.ok()) << st.error().message;
    ASSERT_GT(server_->port(), 0);
  }

  void TearDown() override {
    if (server_) server_->stop();
  }

  ServerConfig cfg_;
  Router router_;
  Metrics metrics_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<bool> slow_started_{false};
  std::thread::id slow_thread_, inline_thread_;
};

TEST_F(ServerTest, KeepAliveTwoRequestsOnOneConnection) {
  start();
  Client c(server_->port());
  ASSERT_TRUE(c.connected());
  Response a = c.request("GET", "/api/v1/ping");
  Response b = c.request("GET", "/api/v1/echo/7?q=%E5%85%BB+x");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, R"({"pong":true})");
  EXPECT_EQ(a.header("content-type"), "application/json");
  EXPECT_EQ(a.header("server"), "shangliang");
  EXPECT_FALSE(a.header("date").empty());
  EXPECT_EQ(a.header("connection"), "");
  EXPECT_EQ(b.status, 200);
  EXPECT_EQ(b.body, R"({"id":"7","q":"养 x"})");
  EXPECT_NE(a.header("x-request-id"), b.header("x-request-id"));
  EXPECT_FALSE(a.header("x-request-id").empty());
}

TEST_F(ServerTest, PipelinedRequestsAnsweredInOrder) {
  start();
  Client c(server_->port());
  // The first is offloaded and slow; the later inline ones must still come after it.
  c.send(get("/api/v1/slow?ms=150") + get("/api/v1/echo/1") + get("/api/v1/echo/2") + get("/api/v1/nope") +
         get("/api/v1/echo/3"));
  Response r1 = c.read_response();
  Response r2 = c.read_response();
  Response r3 = c.read_response();
  Response r4 = c.read_response();
  Response r5 = c.read_response();
  EXPECT_EQ(r1.body, R"({"slow":true})");
  EXPECT_EQ(r2.body, R"({"id":"1","q":""})");
  EXPECT_EQ(r3.body, R"({"id":"2","q":""})");
  EXPECT_EQ(r4.status, 404);
  EXPECT_EQ(r4.header("content-type"), "application/problem+json");
  EXPECT_EQ(r5.body, R"({"id":"3","q":""})");
}

TEST_F(ServerTest, PipelineDeeperThanLimit) {
  cfg_.pipeline_limit = 2;
  start();
  Client c(server_->port());
  std::string batch;
  for (int i = 0; i < 20; ++i) batch += get("/api/v1/echo/" + std::to_string(i));
  c.send(batch);
  for (int i = 0; i < 20; ++i) {
    Response r = c.read_response();
    ASSERT_EQ(r.status, 200) << i;
    EXPECT_EQ(r.body, "{\"id\":\"" + std::to_string(i) + "\",\"q\":\"\"}");
  }
}

TEST_F(ServerTest, RequestIdEchoedOrGenerated) {
  start();
  Client c(server_->port());
  Response a = c.request("GET", "/api/v1/ping", "X-Request-Id: req-1.A_b\r\n");
  EXPECT_EQ(a.header("x-request-id"), "req-1.A_b");
  Response b = c.request("GET", "/api/v1/ping", "X-Request-Id: bad id<script>\r\n");
  EXPECT_NE(b.header("x-request-id"), "bad id<script>");
  EXPECT_FALSE(b.header("x-request-id").empty());
  Response d = c.request("GET", "/api/v1/ping", "X-Request-Id: " + std::string(129, 'a') + "\r\n");
  EXPECT_NE(d.header("x-request-id").size(), 129u);
  Response e = c.request("GET", "/api/v1/nothing", "X-Request-Id: nf-1\r\n");
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.header("x-request-id"), "nf-1");
}

TEST_F(ServerTest, BodyOverLimitIs413ThenClose) {
  start();
  Client c(server_->port());
  Response ok = c.request("POST", "/api/v1/items", "Content-Type: application/json\r\n", std::string(1000, 'x'));
  EXPECT_EQ(ok.status, 201);
  EXPECT_EQ(ok.body, "{\"len\":1000}");
  Response big = c.request("POST", "/api/v1/items", "Content-Type: application/json\r\n", std::string(5000, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.header("content-type"), "application/problem+json");
  EXPECT_NE(big.body.find("payload_too_large"), std::string::npos);
  EXPECT_EQ(big.header("connection"), "close");
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(ServerTest, LargeBodyAndExpectContinue) {
  cfg_.max_body_bytes = 1 << 20;
  start();
  Client c(server_->port());
  Response big = c.request("POST", "/api/v1/items", "", std::string(600000, 'z'));
  EXPECT_EQ(big.status, 201);
  EXPECT_EQ(big.body, "{\"len\":600000}");
  c.send("POST /api/v1/items HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  Response cont = c.read_response();
  EXPECT_EQ(cont.status, 100);
  c.send("hello");
  Response done = c.read_response();
  EXPECT_EQ(done.status, 201);
  EXPECT_EQ(done.body, "{\"len\":5}");
}

TEST_F(ServerTest, ChunkedBodyOverLimitIs413) {
  start();
  Client c(server_->port());
  std::string chunk(800, 'y');
  char size_hex[16];
  std::snprintf(size_hex, sizeof(size_hex), "%zx", chunk.size());
  c.send("POST /api/v1/items HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(size_hex) + "\r\n" +
         chunk + "\r\n" + size_hex + "\r\n" + chunk + "\r\n0\r\n\r\n");
  Response r = c.read_response();
  EXPECT_EQ(r.status, 413);
}

TEST_F(ServerTest, HeaderTooLargeIs431AndMalformedIs400) {
  start();
  {
    Client c(server_->port());
    Response r = c.request("GET", "/api/v1/ping", "X-Big: " + std::string(8000, 'h') + "\r\n");
    EXPECT_EQ(r.status, 431);
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    Client c(server_->port());
    c.send("GARBAGE\r\n\r\n");
    Response r = c.read_response();
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.header("content-type"), "application/problem+json");
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    Client c(server_->port());
    c.send("GET http://evil/x HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_EQ(c.read_response().status, 400);
  }
}

TEST_F(ServerTest, OffloadedAndInlineHandlersRunWhereExpected) {
  start();
  Client c(server_->port());
  Response a = c.request("GET", "/api/v1/inline");
  Response b = c.request("GET", "/api/v1/slow?ms=1");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, R"({"inline":true})");
  EXPECT_EQ(b.status, 200);
  EXPECT_EQ(b.body, R"({"slow":true})");
  EXPECT_NE(slow_thread_, std::thread::id());
  EXPECT_NE(inline_thread_, std::thread::id());
  EXPECT_NE(slow_thread_, inline_thread_);  // the pool, not the network thread

  router_.set_offload_all(true);
  Response d = c.request("GET", "/api/v1/inline");
  EXPECT_EQ(d.status, 200);
  EXPECT_NE(inline_thread_, std::this_thread::get_id());
}

TEST_F(ServerTest, NotFoundMethodNotAllowedHeadAndErrors) {
  start();
  Client c(server_->port());
  Response nf = c.request("GET", "/api/v1/missing");
  EXPECT_EQ(nf.status, 404);
  EXPECT_NE(nf.body.find("\"status\":404"), std::string::npos);
  Response na = c.request("DELETE", "/api/v1/ping");
  EXPECT_EQ(na.status, 405);
  EXPECT_EQ(na.header("allow"), "GET, HEAD");
  Response head = c.request("HEAD", "/api/v1/ping");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), "13");
  EXPECT_TRUE(head.body.empty());
  // The connection is still in sync after a HEAD (no body was sent).
  Response after = c.request("GET", "/api/v1/ping");
  EXPECT_EQ(after.body, R"({"pong":true})");
  Response boom = c.request("GET", "/api/v1/throw");
  EXPECT_EQ(boom.status, 500);
  EXPECT_EQ(boom.header("content-type"), "application/problem+json");
  Response health = c.request("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  Response ui = c.request("GET", "/some/page");  // no StaticFiles configured
  EXPECT_EQ(ui.status, 404);

  std::string m = metrics_.render();
  EXPECT_NE(m.find("method=\"GET\",route=\"/api/v1/ping\",code=\"2xx\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("method=\"HEAD\",route=\"/api/v1/ping\",code=\"2xx\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("method=\"DELETE\",route=\"method_not_allowed\",code=\"4xx\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("method=\"GET\",route=\"not_found\",code=\"4xx\"} 2"), std::string::npos) << m;
  EXPECT_NE(m.find("method=\"GET\",route=\"/api/v1/throw\",code=\"5xx\"} 1"), std::string::npos) << m;
}

TEST_F(ServerTest, ServesStaticFilesOutsideApi) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("sl_server_static_" + std::to_string(::getpid()));
  fs::create_directories(root / "assets");
  std::ofstream(root / "index.html") << "<html>app</html>";
  std::ofstream(root / "assets" / "a-1.js") << "js!";
  StaticFiles sf(root.string());
  start(&sf);
  Client c(server_->port());
  Response idx = c.request("GET", "/deliberations/4");
  EXPECT_EQ(idx.status, 200);
  EXPECT_EQ(idx.body, "<html>app</html>");
  EXPECT_EQ(idx.header("content-type"), "text/html; charset=utf-8");
  Response js = c.request("GET", "/assets/a-1.js");
  EXPECT_EQ(js.body, "js!");
  EXPECT_EQ(js.header("cache-control"), "public, max-age=31536000, immutable");
  Response nm = c.request("GET", "/assets/a-1.js", "If-None-Match: " + js.header("etag") + "\r\n");
  EXPECT_EQ(nm.status, 304);
  EXPECT_EQ(nm.header("content-length"), "");
  Response head = c.request("HEAD", "/assets/a-1.js");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), "3");
  Response api = c.request("GET", "/api/v1/none");  // /api never falls back to the UI
  EXPECT_EQ(api.status, 404);
  Response post = c.request("POST", "/somewhere");
  EXPECT_EQ(post.status, 405);
  server_->stop();
  fs::remove_all(root);
}

TEST_F(ServerTest, StopLetsSlowOffloadedRequestFinish) {
  start();
  Client idle(server_->port());
  ASSERT_EQ(idle.request("GET", "/api/v1/ping").status, 200);  // now an idle keep-alive connection
  Client c(server_->port());
  c.send(get("/api/v1/slow?ms=400"));
  for (int i = 0; i < 200 && !slow_started_; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(slow_started_);
  auto t0 = std::chrono::steady_clock::now();
  std::thread stopper([&] { server_->stop(); });
  Response r = c.read_response();
  stopper.join();
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"slow":true})");
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_TRUE(idle.closed_by_peer());  // idle keep-alive connections are closed at once
  EXPECT_LT(elapsed, 2500ms);          // did not wait for the whole grace period
  Client late(server_->port());
  EXPECT_FALSE(late.connected());  // no longer accepting
}

TEST_F(ServerTest, IdleConnectionTimesOut) {
  cfg_.idle_timeout_ms = 150;
  start();
  Client c(server_->port());
  ASSERT_EQ(c.request("GET", "/api/v1/ping").status, 200);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST_F(ServerTest, PartialRequestTimesOut) {
  cfg_.read_timeout_ms = 150;
  start();
  Client c(server_->port());
  c.send("GET /api/v1/ping HTTP/1.1\r\nHost: t\r\n");  // never finished
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST_F(ServerTest, AccessLogIsJsonWithoutSecrets) {
  std::ostringstream out;
  spdlog::drop("access");
  auto logger = std::make_shared<spdlog::logger>("access", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  logger->set_pattern("%v");
  spdlog::register_logger(logger);
  start();
  server_->set_access_log(true);
  Client c(server_->port());
  c.request("GET", "/api/v1/echo/5?token=SECRET1", "Cookie: sl_session=SECRET2\r\nAuthorization: Bearer SECRET3\r\nX-Request-Id: log-1\r\n");
  server_->set_access_log(false);
  c.request("GET", "/api/v1/ping", "X-Request-Id: log-2\r\n");
  spdlog::drop("access");
  std::string line = out.str();
  EXPECT_NE(line.find("\"request_id\":\"log-1\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"method\":\"GET\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"path\":\"/api/v1/echo/5\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"route\":\"/api/v1/echo/{id}\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"status\":200"), std::string::npos) << line;
  EXPECT_NE(line.find("\"remote\":\"127.0.0.1\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"duration_ms\":"), std::string::npos) << line;
  EXPECT_NE(line.find("\"ts\":\"20"), std::string::npos) << line;
  EXPECT_EQ(line.find("SECRET"), std::string::npos) << line;
  EXPECT_EQ(line.find("log-2"), std::string::npos) << line;  // switched off
}

TEST_F(ServerTest, StartFailsWhenPortTaken) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  cfg_.port = ntohs(addr.sin_port);
  HttpServer s(cfg_, router_, metrics_, nullptr);
  Status st = s.start();
  EXPECT_FALSE(st.ok());
  if (!st.ok()) {
    EXPECT_EQ(st.error().slug, "bind_failed");
  }
  ::close(fd);
}

TEST_F(ServerTest, Http10AndConnectionClose) {
  start();
  {
    Client c(server_->port());
    c.send("GET /api/v1/ping HTTP/1.0\r\n\r\n");
    Response r = c.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    Client c(server_->port());
    c.send("GET /api/v1/ping HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    Response r = c.read_response();
    EXPECT_EQ(r.header("connection"), "close");
    EXPECT_TRUE(c.closed_by_peer());
  }
}

TEST_F(ServerTest, RouteBodyLimitReplacesTheServerLimit) {
  // The server takes 1 KiB; one upload route takes 64 KiB, and only that route.
  router_.post("/api/v1/uploads", [](HttpRequest& r) { return HttpResponse::json(201, "{\"len\":" + std::to_string(r.body.size()) + "}"); });
  router_.set_body_limit("POST", "/api/v1/uploads", 65536);
  EXPECT_THROW(router_.set_body_limit("POST", "/api/v1/nothing", 1), std::invalid_argument);
  EXPECT_EQ(router_.body_limit("POST", "/api/v1/uploads?name=x"), 65536u);
  EXPECT_EQ(router_.body_limit("POST", "/api/v1/items"), 0u);
  EXPECT_EQ(router_.body_limit("GET", "/api/v1/uploads"), 0u);
  start();
  {
    Client c(server_->port());
    Response big = c.request("POST", "/api/v1/uploads?name=a", "", std::string(60000, 'u'));
    EXPECT_EQ(big.status, 201);
    EXPECT_EQ(big.body, "{\"len\":60000}");
    Response other = c.request("POST", "/api/v1/items", "", std::string(2000, 'i'));
    EXPECT_EQ(other.status, 413);
  }
  {
    Client c(server_->port());
    Response too_big = c.request("POST", "/api/v1/uploads", "", std::string(70000, 'u'));
    EXPECT_EQ(too_big.status, 413);
    EXPECT_NE(too_big.body.find("65536"), std::string::npos) << too_big.body;
  }
}

TEST_F(ServerTest, FileBodiesStreamWithRanges) {
  // 3 MiB of a repeating pattern: larger than any single write chunk.
  auto dir = std::filesystem::temp_directory_path() / ("sl-file-body-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / "blob").string();
  std::string data;
  for (int i = 0; i < 3 * 1024 * 1024; ++i) data += static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  std::ofstream(path, std::ios::binary) << data;
  router_.get("/api/v1/file", [path](HttpRequest& r) {
    FileServe f{path, "application/octet-stream", "\"abc\"", "attachment; filename=\"b\"", "private, no-cache"};
    auto resp = serve_file(r, f);
    return resp.ok() ? std::move(*resp) : HttpResponse::problem(resp.error());
  });
  start();
  Client c(server_->port());
  ASSERT_EQ(c.request("GET", "/api/v1/ping").status, 200);
  auto open_files = [] {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;
  };
  const size_t baseline = open_files();
  Response whole = c.request("GET", "/api/v1/file");
  ASSERT_EQ(whole.status, 200);
  EXPECT_EQ(whole.header("content-length"), std::to_string(data.size()));
  EXPECT_TRUE(whole.body == data) << "streamed body differs";
  EXPECT_EQ(whole.header("accept-ranges"), "bytes");
  EXPECT_EQ(whole.header("etag"), "\"abc\"");
  EXPECT_EQ(whole.header("x-content-type-options"), "nosniff");
  // On the same connection: a range, a HEAD, a 304 and an unsatisfiable range, in order.
  c.send("GET /api/v1/file HTTP/1.1\r\nHost: t\r\nRange: bytes=1000000-1999999\r\n\r\n"
         "GET /api/v1/file HTTP/1.1\r\nHost: t\r\nIf-None-Match: \"abc\"\r\n\r\n"
         "GET /api/v1/file HTTP/1.1\r\nHost: t\r\nRange: bytes=-10\r\n\r\n"
         "GET /api/v1/file HTTP/1.1\r\nHost: t\r\nRange: bytes=99999999-\r\n\r\n");
  Response part = c.read_response();
  Response not_modified = c.read_response();
  Response tail = c.read_response();
  Response bad = c.read_response();
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.header("content-range"), "bytes 1000000-1999999/" + std::to_string(data.size()));
  EXPECT_TRUE(part.body == data.substr(1000000, 1000000));
  EXPECT_EQ(not_modified.status, 304);
  EXPECT_EQ(tail.status, 206);
  EXPECT_EQ(tail.body, data.substr(data.size() - 10));
  EXPECT_EQ(bad.status, 416);
  EXPECT_EQ(bad.header("content-range"), "bytes */" + std::to_string(data.size()));
  Response head = c.request("HEAD", "/api/v1/file");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), std::to_string(data.size()));
  Response after = c.request("GET", "/api/v1/ping");
  EXPECT_EQ(after.body, R"({"pong":true})");  // the HEAD sent no body: the stream is in step
  // Every file is closed once its response is sent, even while the connection stays open.
  for (int i = 0; i < 200 && open_files() != baseline; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(open_files(), baseline);
  std::filesystem::remove_all(dir);
}

// serve_bytes: the connection's parsing and routing without a socket (the fuzz targets use it).
TEST(ServeBytesTest, AnswersLikeAConnection) {
  Router router;
  router.get("/api/v1/ping", [](HttpRequest&) { return HttpResponse::json(200, R"({"pong":true})"); });
  router.post("/api/v1/echo", [](HttpRequest& req) { return HttpResponse::json(200, req.body); });
  ServerConfig cfg;
  cfg.max_header_bytes = 1024;
  cfg.max_body_bytes = 16;

  // Pipelined requests, a chunked body, in order.
  auto r = serve_bytes("GET /api/v1/ping HTTP/1.1\r\nHost: t\r\n\r\n"
                       "POST /api/v1/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "2\r\n[1\r\n1\r\n]\r\n0\r\n\r\n"
                       "GET /api/v1/nothing HTTP/1.1\r\nHost: t\r\n\r\n"
                       "DELETE /api/v1/ping HTTP/1.1\r\nHost: t\r\n\r\n",
                       cfg, router);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].body, R"({"pong":true})");
  EXPECT_EQ(r[1].body, "[1]");
  EXPECT_EQ(r[2].status, 404);
  EXPECT_EQ(r[3].status, 405);
  EXPECT_EQ(r[3].header("allow"), "GET, HEAD");

  // What the parser refuses ends the connection: nothing after it is answered.
  r = serve_bytes("NOT HTTP\r\n\r\nGET /api/v1/ping HTTP/1.1\r\n\r\n", cfg, router);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 400);
  EXPECT_EQ(r[0].content_type, "application/problem+json");
  r = serve_bytes("GET /api/v1/ping HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n", cfg, router);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 431);
  r = serve_bytes("POST /api/v1/echo HTTP/1.1\r\nContent-Length: 17\r\n\r\n" + std::string(17, 'x'), cfg, router);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 413);
  r = serve_bytes("GET api/v1/ping HTTP/1.1\r\n\r\n", cfg, router);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 400);

  // Connection: close stops reading; an unfinished request gets no answer; outside /api: 404.
  r = serve_bytes("GET /api/v1/ping HTTP/1.1\r\nConnection: close\r\n\r\nGET /api/v1/ping HTTP/1.1\r\n\r\n", cfg, router);
  EXPECT_EQ(r.size(), 1u);
  r = serve_bytes("GET /api/v1/ping HTTP/1.1\r\n\r\nPOST /api/v1/echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", cfg, router);
  EXPECT_EQ(r.size(), 1u);
  r = serve_bytes("GET /index.html HTTP/1.1\r\n\r\nPUT /index.html HTTP/1.1\r\n\r\n", cfg, router);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].status, 404);
  EXPECT_EQ(r[1].status, 405);
}

}  // namespace
}  // namespace sl::net
