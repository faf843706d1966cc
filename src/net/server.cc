// HttpServer: the only translation unit that includes Beast and Asio.
//
// Threads: `threads` network threads, each running its own io_context with its own
// SO_REUSEPORT acceptor on the same address (the kernel spreads connections), plus one
// shared asio::thread_pool for handlers that may block (Route::offload). A connection
// lives entirely on the thread that accepted it, so its state needs no locks.
//
// A connection (class Connection) is a reader coroutine plus a callback-driven writer:
//   reader: parse a request (Beast's basic_parser straight into HttpRequest) -> put it in
//           a slot of a bounded ring (pipeline_limit) -> run it inline or post it to the
//           pool -> read the next one while earlier ones are still running.
//   writer: `pump()` serialises every finished slot at the front of the ring, in request
//           order, into one gathered write.
// Timeouts are deadlines checked by one sweep timer per thread, so a request costs no
// timer operations. Graceful stop: close acceptors, cancel reads of idle connections,
// finish queued requests (the last response says `Connection: close`), wait for the grace
// period, then force-close what is left.
#include "net/server.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <list>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include <unistd.h>

#include "net/static_files.h"
#include "net/websocket.h"
#include "net/ws_internal.h"

namespace sl::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr SteadyClock::time_point kNever = SteadyClock::time_point::max();

// Metric labels for requests that match no route.
const std::string kLabelStatic = "static";
const std::string kLabelNotFound = "not_found";
const std::string kLabelMethodNotAllowed = "method_not_allowed";
const std::string kLabelBadRequest = "bad_request";

bool is_api_path(std::string_view p) {
  return p.substr(0, 5) == "/api/" || p == "/api" || p == "/healthz" || p == "/readyz" || p == "/metrics";
}

bool sane_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// 15 characters (fits the small-string buffer): 6 random hex digits chosen per thread,
// then a 36-bit per-thread counter.
void generate_request_id(std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  thread_local uint32_t prefix = [] {
    std::random_device rd;
    return static_cast<uint32_t>(rd());
  }();
  thread_local uint64_t counter = 0;
  uint64_t n = ++counter;
  out.resize(15);
  for (int i = 0; i < 6; ++i) out[static_cast<size_t>(i)] = kHex[(prefix >> (4 * (5 - i))) & 0xf];
  for (int i = 0; i < 9; ++i) out[static_cast<size_t>(6 + i)] = kHex[(n >> (4 * (8 - i))) & 0xf];
}

// "Date:" value, formatted once per second per thread.
std::string_view http_date() {
  thread_local std::time_t cached = 0;
  thread_local char buf[40];
  thread_local size_t len = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached) {
    cached = now;
    std::tm tm{};
    gmtime_r(&now, &tm);
    len = std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  }
  return {buf, len};
}

// ISO-8601 UTC with milliseconds for the access log.
void append_iso8601_now(std::string& out) {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  thread_local std::time_t cached = -1;
  thread_local char buf[32];
  if (secs != cached) {
    cached = secs;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  }
  char tail[8];
  std::snprintf(tail, sizeof(tail), ".%03dZ", static_cast<int>(ms % 1000));
  out += buf;
  out += tail;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof(esc), "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += esc;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_uint(std::string& out, uint64_t v) {
  char buf[24];
  char* end = buf + sizeof(buf);
  char* p = end;
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  out.append(p, static_cast<size_t>(end - p));
}

bool has_crlf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

bool reserved_header(std::string_view name) {
  return iequals(name, "content-length") || iequals(name, "connection") || iequals(name, "transfer-encoding") ||
         iequals(name, "date") || iequals(name, "server") || iequals(name, "x-request-id");
}

bool body_allowed(int status) { return status >= 200 && status != 204 && status != 304; }

// Feeds Beast's HTTP/1.1 parser output straight into an HttpRequest (no beast::fields).
// As soon as the request line is known, a route with its own body limit (uploads) replaces
// the server's limit for this request.
class RequestParser final : public bhttp::basic_parser<true> {
 public:
  RequestParser(HttpRequest& r, const Router& router) : r_(r), router_(router) {}
  bool expect_continue = false;
  int version = 11;
  uint64_t route_body_limit = 0;  // the matched route's own limit; 0: the server's

 private:
  void on_request_impl(bhttp::verb, beast::string_view method, beast::string_view target, int ver,
                       beast::error_code&) override {
    r_.method.assign(method.data(), method.size());
    r_.target.assign(target.data(), target.size());
    version = ver;
    route_body_limit = router_.body_limit(r_.method, r_.target);
    if (route_body_limit > 0) body_limit(route_body_limit);
  }
  void on_response_impl(int, beast::string_view, int, beast::error_code&) override {}
  void on_field_impl(bhttp::field f, beast::string_view name, beast::string_view value, beast::error_code&) override {
    r_.headers.emplace_back(std::string(name.data(), name.size()), std::string(value.data(), value.size()));
    for (char& c : r_.headers.back().first) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    if (f == bhttp::field::expect && iequals({value.data(), value.size()}, "100-continue")) expect_continue = true;
  }
  void on_header_impl(beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& len, beast::error_code&) override {
    if (len) r_.body.reserve(static_cast<size_t>(*len));  // already checked against body_limit
  }
  size_t on_body_impl(beast::string_view s, beast::error_code&) override {
    r_.body.append(s.data(), s.size());
    return s.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, beast::string_view s, beast::error_code&) override {
    r_.body.append(s.data(), s.size());
    return s.size();
  }
  void on_finish_impl(beast::error_code&) override {}

  HttpRequest& r_;
  const Router& router_;
};

// The answer to bytes the parser refused (the connection closes after it).
HttpResponse parse_failure(const beast::error_code& ec, const RequestParser& p, const ServerConfig& cfg) {
  if (ec == bhttp::error::header_limit) return HttpResponse::problem(431, "header_too_large", "请求头过大");
  if (ec == bhttp::error::body_limit) {
    uint64_t limit = p.route_body_limit > 0 ? p.route_body_limit : static_cast<uint64_t>(cfg.max_body_bytes);
    return HttpResponse::problem(413, "payload_too_large", "请求内容超过上限（" + std::to_string(limit) + " 字节）");
  }
  return HttpResponse::problem(400, "bad_request", "无法解析的 HTTP 请求：" + ec.message());
}

void prepare_parser(RequestParser& p, const ServerConfig& cfg) {
  p.eager(true);
  p.header_limit(static_cast<std::uint32_t>(std::max(1024, cfg.max_header_bytes)));
  p.body_limit(static_cast<std::uint64_t>(std::max(0, cfg.max_body_bytes)));
}

// Once the parser is done: the request id (the client's if sane), and the target split into
// the decoded path and the raw query. False when the target is not a path (then 400).
bool finish_request(HttpRequest& req) {
  std::string_view rid = req.header("x-request-id");
  if (sane_request_id(rid)) {
    req.request_id.assign(rid);
  } else {
    generate_request_id(req.request_id);
  }
  std::string_view target = req.target;
  if (target.empty() || target.front() != '/') return false;
  size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  if (raw_path.find('%') == std::string_view::npos) {
    req.path.assign(raw_path);
  } else {
    req.path = percent_decode(raw_path, false);
  }
  if (q != std::string_view::npos) req.query.assign(target.substr(q + 1));
  return true;
}

const char* const kBadTargetDetail = "请求目标必须是以 / 开头的路径";

// The answer when the router cannot hand the request to a handler: no route (404, or 405
// with Allow), or a WebSocket route asked without an upgrade (426). nullopt: run the handler.
std::optional<HttpResponse> refusal(const Router& router, const Router::Match& m, HttpRequest& req, bool http10) {
  if (m.route == nullptr) return router.handle(m, req);
  if (m.route->websocket && (http10 || !is_websocket_upgrade(req))) {
    HttpResponse r = HttpResponse::problem(426, "upgrade_required", "该地址只接受 WebSocket 连接", req.path);
    r.set_header("Upgrade", "websocket");
    return r;
  }
  return std::nullopt;
}

// Middleware and handler; an exception becomes a 500 problem.
HttpResponse run_handler(const Router& router, const Router::Match& m, HttpRequest& req) {
  try {
    return router.handle(m, req);
  } catch (const std::exception& e) {
    spdlog::error("handler {} {} threw: {} (request_id={})", req.method, m.route ? m.route->pattern : req.path,
                  e.what(), req.request_id);
  } catch (...) {
    spdlog::error("handler {} {} threw a non-std exception (request_id={})", req.method,
                  m.route ? m.route->pattern : req.path, req.request_id);
  }
  return HttpResponse::problem(500, "internal", "服务器内部错误，请稍后再试", req.path);
}

// A 101 is only for a WebSocket route's accepted upgrade; anything else is a handler bug.
void check_switch(HttpResponse& resp, bool upgrade, std::string_view path) {
  if ((resp.status == 101) != (upgrade && resp.status == 101 && resp.websocket != nullptr)) {
    spdlog::error("handler {} answered 101 without accepting a WebSocket upgrade", path);
    resp = HttpResponse::problem(500, "internal", "服务器内部错误，请稍后再试", path);
  }
}

// Requests outside the API: the web UI's files for GET and HEAD, else 405.
HttpResponse outside_api(StaticFiles* static_files, HttpRequest& req) {
  if (req.method != "GET" && req.method != "HEAD") {
    HttpResponse r = HttpResponse::problem(405, "method_not_allowed", "该地址只支持 GET 和 HEAD", req.path);
    r.set_header("Allow", "GET, HEAD");
    return r;
  }
  if (static_files == nullptr) return HttpResponse::problem(404, "not_found", "未找到", req.path);
  try {
    return static_files->serve(req);
  } catch (const std::exception& e) {
    spdlog::error("static file {} failed: {}", req.path, e.what());
    return HttpResponse::problem(500, "internal", "服务器内部错误，请稍后再试", req.path);
  }
}

class Connection;
struct Worker;

// Everything the server shares between its threads. (HttpServer::Impl derives from it, so
// the connection classes in this file can name it.)
struct ServerCore {
  ServerCore(const ServerConfig& c, Router& r, Metrics& m, StaticFiles* s)
      : cfg(c), router(r), metrics(m), static_files(s) {}

  ServerConfig cfg;
  Router& router;
  Metrics& metrics;
  StaticFiles* static_files;
  std::atomic<bool> access_log{true};
  std::shared_ptr<spdlog::logger> access_logger;

  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<asio::thread_pool> pool;
  int bound_port = 0;

  std::mutex mu;
  std::condition_variable cv;
  bool started = false;        // GUARDED_BY(mu)
  bool stop_started = false;   // GUARDED_BY(mu)
  bool stopped = false;        // GUARDED_BY(mu)
  asio::io_context* signal_ioc = nullptr;  // GUARDED_BY(mu): run()'s signal loop
  std::atomic<int64_t> live_connections{0};
  wsd::WsContext ws_ctx;  // filled by start()

  void connection_gone() {
    if (live_connections.fetch_sub(1) == 1) {
      std::lock_guard lock(mu);
      cv.notify_all();
    }
  }
  void log_access(const HttpRequest& req, const std::string& route, int status, double ms, size_t bytes);
  asio::awaitable<void> accept_loop(Worker& w);
  void schedule_sweep(Worker& w);
  void begin_stop(Worker& w);
  void stop();
};

struct Worker {
  explicit Worker(ServerCore& c) : impl(c) {}
  // Queued WebSocket writes hold connections: release them while the io_context still exists.
  ~Worker() { ws.drop_ready(); }
  ServerCore& impl;
  // Declared before the io_context: connections destroyed while it shuts down unlink here.
  std::list<Connection*> connections;  // only touched on this worker's thread
  wsd::WsWorker ws{ioc};               // WebSocket connections of this thread (ws_internal.h)
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer sweep_timer{ioc};
  asio::steady_timer backoff_timer{ioc};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  bool stopping = false;  // only touched on this worker's thread
};

}  // namespace

struct HttpServer::Impl : ServerCore {
  using ServerCore::ServerCore;
};

namespace {

struct Slot {
  HttpRequest req;
  HttpResponse resp;
  const std::string* label = &kLabelNotFound;
  SteadyClock::time_point start;
  bool ready = false;
  bool head = false;
  bool keep_alive = true;
  bool http10 = false;
  // A WebSocket upgrade request (net/websocket.h): the last request read on this connection.
  bool upgrade = false;
  bool ws_offload = false;
  std::shared_ptr<const WsOptions> ws;

  void reset() {
    req.method.clear();
    req.target.clear();
    req.path.clear();
    req.query.clear();
    req.headers.clear();
    if (req.body.capacity() > 65536) std::string().swap(req.body);
    req.body.clear();
    req.request_id.clear();
    req.path_params.clear();
    ready = false;
    head = false;
    keep_alive = true;
    http10 = false;
    upgrade = false;
    ws_offload = false;
    ws.reset();
  }
  void release_response() {
    resp.shared_body.reset();
    resp.websocket.reset();
    resp.file.reset();  // closes the file as soon as it is sent
    if (resp.body.capacity() > 65536) std::string().swap(resp.body);
    resp.headers.clear();
  }
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Worker& w, tcp::socket socket)
      : w_(w), impl_(w.impl), cfg_(w.impl.cfg), socket_(std::move(socket)), space_(w.ioc) {
    beast::error_code ec;
    auto ep = socket_.remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
    for (const auto& proxy : cfg_.trusted_proxies) {
      boost::system::error_code pec;
      auto a = asio::ip::make_address(proxy, pec);
      trusted_peer_ = trusted_peer_ || (!pec && !ec && a == ep.address());
    }
    ring_.resize(static_cast<size_t>(std::max(1, cfg_.pipeline_limit)));
    reg_ = w_.connections.insert(w_.connections.end(), this);
    impl_.live_connections.fetch_add(1);
    impl_.metrics.connection_opened();
  }

  ~Connection() {
    w_.connections.erase(reg_);
    beast::error_code ec;
    socket_.close(ec);
    impl_.metrics.connection_closed();
    impl_.connection_gone();
  }

  void start() {
    asio::co_spawn(socket_.get_executor(), reader(shared_from_this()),
                   asio::bind_cancellation_slot(reader_cancel_.slot(), asio::detached));
  }

  // Called on this connection's thread when the server stops.
  void on_stop() {
    if (closed_) return;
    if (reading_ && !request_started_) {
      // Idle between requests: stop reading; queued responses still go out.
      reader_cancel_.emit(asio::cancellation_type::terminal);
    }
    if (waiting_space_) space_.cancel();
  }

  void check_deadlines(SteadyClock::time_point now) {
    if (closed_) return;
    if (writing_ && now >= write_deadline_) {
      close_socket();
      return;
    }
    if (reading_ && now >= read_deadline_) {
      if (!request_started_ && !lingering_ && count_ > 1) {
        // Idle only because earlier responses are still being computed (count_ includes
        // the slot waiting for the next request): not the client's fault.
        read_deadline_ = now + std::chrono::milliseconds(cfg_.idle_timeout_ms);
        return;
      }
      close_socket();
    }
  }

  void close_socket() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    if (waiting_space_) space_.cancel();
  }

 private:
  enum class ReadResult { kRequest, kClosed, kBad };

  Slot& slot_at(size_t i) { return *ring_[(head_ + i) % ring_.size()]; }

  Slot& push_slot() {
    size_t idx = (head_ + count_) % ring_.size();
    if (!ring_[idx]) ring_[idx] = std::make_unique<Slot>();
    ++count_;
    ring_[idx]->reset();
    return *ring_[idx];
  }

  static asio::awaitable<void> reader(std::shared_ptr<Connection> self) {
    // Stop-time cancellation should end the current read, not throw from the next await.
    co_await asio::this_coro::throw_if_cancelled(false);
    try {
      co_await self->read_loop();
    } catch (const std::exception& e) {
      spdlog::error("connection reader failed: {}", e.what());
      self->reading_ = false;
      self->reader_done_ = true;
      self->close_socket();
    }
  }

  asio::awaitable<void> read_loop() {
    for (;;) {
      while (count_ >= ring_.size() && !closed_ && !w_.stopping) {
        waiting_space_ = true;
        space_.expires_at(kNever);
        co_await space_.async_wait(kTuple);
        waiting_space_ = false;
      }
      if (closed_ || w_.stopping) break;
      Slot& s = push_slot();
      ReadResult r = co_await read_request(s);
      if (r == ReadResult::kClosed) {
        --count_;  // the slot was never used
        break;
      }
      if (r == ReadResult::kBad) {
        s.keep_alive = false;
        linger_ = true;
        complete(s);
        break;
      }
      dispatch(s);
      if (!s.keep_alive) break;
    }
    reading_ = false;
    reader_done_ = true;
    pump();
  }

  void bad_request(Slot& s, HttpResponse resp) {
    s.resp = std::move(resp);
    s.label = &kLabelBadRequest;
    if (s.req.request_id.empty()) generate_request_id(s.req.request_id);
    s.req.remote_addr = remote_;
    s.start = SteadyClock::now();
  }

  asio::awaitable<ReadResult> read_request(Slot& s) {
    RequestParser p(s.req, impl_.router);
    prepare_parser(p, cfg_);
    bool sent_continue = false;
    size_t body_progress = 0;
    request_started_ = false;
    read_deadline_ = SteadyClock::now() + std::chrono::milliseconds(cfg_.idle_timeout_ms);
    for (;;) {
      if (buffer_.size() > 0) {
        if (!request_started_) {
          request_started_ = true;
          read_deadline_ = SteadyClock::now() + std::chrono::milliseconds(cfg_.read_timeout_ms);
        }
        beast::error_code ec;
        size_t n = p.put(buffer_.data(), ec);
        buffer_.consume(n);
        if (!ec) {
          if (p.is_done()) break;
          if (n > 0) continue;
        } else if (ec != bhttp::error::need_more) {
          bad_request(s, parse_failure(ec, p, cfg_));
          co_return ReadResult::kBad;
        }
      }
      if (p.expect_continue && p.is_header_done() && !sent_continue && count_ == 1 && !writing_) {
        // The client waits for this before sending the body (curl does for large bodies).
        sent_continue = true;
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        writing_ = true;
        write_deadline_ = SteadyClock::now() + std::chrono::milliseconds(cfg_.read_timeout_ms);
        auto [wec, wn] = co_await asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()), kTuple);
        writing_ = false;
        write_deadline_ = kNever;
        if (wec) co_return ReadResult::kClosed;
      }
      reading_ = true;
      size_t want = kReadSize;
      if (p.is_header_done()) {
        // Large bodies: fewer, bigger reads.
        auto remaining = p.content_length_remaining();
        if (remaining) want = static_cast<size_t>(std::clamp<std::uint64_t>(*remaining, kReadSize, 65536));
      }
      auto [ec, n] = co_await socket_.async_read_some(buffer_.prepare(want), kTuple);
      reading_ = false;
      if (ec) {
        if (ec == asio::error::eof) peer_closed_ = true;
        if (ec == asio::error::eof && request_started_) {
          beast::error_code pec;
          p.put_eof(pec);
          if (!pec && p.is_done()) break;
        }
        co_return ReadResult::kClosed;
      }
      buffer_.commit(n);
      if (p.route_body_limit > 0 && p.is_header_done()) {
        // A large upload may take longer than read_timeout_ms: while it keeps arriving
        // (16 KiB per period at least), the deadline moves on.
        body_progress += n;
        if (body_progress >= kUploadProgressBytes) {
          body_progress = 0;
          read_deadline_ = SteadyClock::now() + std::chrono::milliseconds(cfg_.read_timeout_ms);
        }
      }
    }
    request_started_ = false;

    HttpRequest& req = s.req;
    s.http10 = p.version < 11;
    s.keep_alive = p.keep_alive() && !w_.stopping;
    s.head = req.method == "HEAD";
    req.remote_addr = client_address(req);
    if (!finish_request(req)) {
      bad_request(s, HttpResponse::problem(400, "bad_request", kBadTargetDetail));
      co_return ReadResult::kBad;
    }
    s.start = SteadyClock::now();
    co_return ReadResult::kRequest;
  }


  void dispatch(Slot& s) {
    HttpRequest& req = s.req;
    if (is_api_path(req.path)) {
      Router::Match m = impl_.router.match(req);
      if (auto refused = refusal(impl_.router, m, req, s.http10)) {
        s.label = m.route != nullptr        ? &m.route->pattern
                  : m.method_not_allowed ? &kLabelMethodNotAllowed
                                         : &kLabelNotFound;
        s.resp = std::move(*refused);
      } else if (m.offload()) {
        s.label = &m.route->pattern;
        mark_upgrade(s, m);
        offload(s, std::move(m));
        return;
      } else {
        mark_upgrade(s, m);
        s.label = &m.route->pattern;
        s.resp = run_handler(impl_.router, m, req);
      }
    } else {
      bool get = req.method == "GET" || req.method == "HEAD";
      s.label = !get ? &kLabelMethodNotAllowed : impl_.static_files != nullptr ? &kLabelStatic : &kLabelNotFound;
      s.resp = outside_api(impl_.static_files, req);
    }
    complete(s);
  }

  // An upgrade request is the last one this connection reads: after it, the connection
  // either becomes a WebSocket (101) or closes.
  void mark_upgrade(Slot& s, const Router::Match& m) {
    if (!m.route->websocket) return;
    s.upgrade = true;
    s.keep_alive = false;
    s.ws = m.route->websocket;
    s.ws_offload = m.offload();
  }

  void offload(Slot& s, Router::Match m) {
    auto self = shared_from_this();
    asio::post(*impl_.pool, [self = std::move(self), &s, m = std::move(m)]() mutable {
      s.resp = run_handler(self->impl_.router, m, s.req);
      // Back to the connection's thread; the pool thread keeps no reference afterwards.
      auto ex = self->socket_.get_executor();
      asio::post(ex, [self = std::move(self), &s]() { self->complete(s); });
    });
  }

  void complete(Slot& s) {
    check_switch(s.resp, s.upgrade, s.req.path);
    auto now = SteadyClock::now();
    double secs = std::chrono::duration<double>(now - s.start).count();
    impl_.metrics.observe(s.req.method, *s.label, s.resp.status, secs);
    if (impl_.access_log.load(std::memory_order_relaxed)) {
      impl_.log_access(s.req, *s.label, s.resp.status, secs * 1000.0, s.resp.body_size());
    }
    s.ready = true;
    pump();
  }

  void serialize_head(Slot& s, bool close) {
    const HttpResponse& r = s.resp;
    out_ += "HTTP/1.1 ";
    append_uint(out_, static_cast<uint64_t>(r.status));
    out_ += ' ';
    out_ += reason_phrase(r.status);
    out_ += "\r\nServer: shangliang\r\nDate: ";
    out_ += http_date();
    if (body_allowed(r.status)) {
      if (!r.content_type.empty() && !has_crlf(r.content_type)) {
        out_ += "\r\nContent-Type: ";
        out_ += r.content_type;
      }
      out_ += "\r\nContent-Length: ";
      append_uint(out_, r.body_size());
    }
    out_ += "\r\nX-Request-Id: ";
    out_ += s.req.request_id;
    for (const auto& [name, value] : r.headers) {
      if (name.empty() || has_crlf(name) || has_crlf(value) || reserved_header(name)) continue;
      // Content-Type comes from the field unless the handler left it empty.
      if (!r.content_type.empty() && iequals(name, "content-type")) continue;
      out_ += "\r\n";
      out_ += name;
      out_ += ": ";
      out_ += value;
    }
    if (switching(s)) {
      out_ += "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ";
      out_ += websocket_accept_key(s.req.header("sec-websocket-key"));
    } else if (close) {
      out_ += "\r\nConnection: close";
    } else if (s.http10) {
      out_ += "\r\nConnection: keep-alive";
    }
    out_ += "\r\n\r\n";
  }

  static bool switching(const Slot& s) { return s.upgrade && s.resp.status == 101 && s.resp.websocket; }

  // Writes every finished response at the front of the ring, in request order.
  void pump() {
    if (writing_ || closed_) return;
    if (count_ == 0 || !slot_at(0).ready) {
      if (reader_done_ && count_ == 0) finish();
      return;
    }
    out_.clear();
    bufs_.clear();
    struct Piece {
      size_t offset, len;      // in out_, when body == nullptr
      std::string_view body;   // a large body referenced in place
    };
    std::array<Piece, 64> pieces;
    size_t npieces = 0;
    size_t n = 0;
    bool close = false;
    size_t head_start = 0;
    while (n < count_ && npieces + 3 <= pieces.size()) {
      Slot& s = slot_at(n);
      if (!s.ready) break;
      close = !s.keep_alive || (w_.stopping && reader_done_ && n + 1 == count_);
      serialize_head(s, close);
      ++n;
      if (s.resp.file && !s.head && body_allowed(s.resp.status) && s.resp.file->length > 0) {
        // A file body follows this head: it ends the batch, and on_written streams it.
        file_ = s.resp.file;
        file_sent_ = 0;
        break;
      }
      std::string_view body = (s.head || !body_allowed(s.resp.status)) ? std::string_view() : s.resp.payload();
      if (body.size() <= kInlineBodyBytes) {
        out_.append(body);
      } else {
        pieces[npieces++] = Piece{head_start, out_.size() - head_start, {}};
        pieces[npieces++] = Piece{0, 0, body};
        head_start = out_.size();
      }
      if (close) break;
    }
    if (out_.size() > head_start) pieces[npieces++] = Piece{head_start, out_.size() - head_start, {}};
    bool to_websocket = close && switching(slot_at(n - 1));
    for (size_t i = 0; i < npieces; ++i) {
      const Piece& p = pieces[i];
      if (p.body.empty()) {
        bufs_.emplace_back(out_.data() + p.offset, p.len);
      } else {
        bufs_.emplace_back(p.body.data(), p.body.size());
      }
    }
    writing_ = true;
    write_deadline_ = SteadyClock::now() + std::chrono::milliseconds(std::max(cfg_.read_timeout_ms, 1000));
    asio::async_write(socket_, bufs_,
                      [self = shared_from_this(), n, close, to_websocket](beast::error_code ec, size_t) {
                        self->on_written(ec, n, close, to_websocket);
                      });
  }

  // Writes the next chunk of the file body of the last response in the batch.
  void write_file_chunk(size_t n, bool close) {
    const FileBody& f = *file_;
    size_t want = static_cast<size_t>(std::min<uint64_t>(f.length - file_sent_, kFileChunkBytes));
    if (file_buf_.size() < want) file_buf_.resize(kFileChunkBytes);
    ssize_t got = ::pread(f.fd, file_buf_.data(), want, static_cast<off_t>(f.offset + file_sent_));
    if (got <= 0) {
      // The file shrank or failed under us: the promised length cannot be kept; close.
      spdlog::error("file body read failed at {} of {} bytes", file_sent_, f.length);
      file_.reset();
      close_socket();
      return;
    }
    file_sent_ += static_cast<uint64_t>(got);
    writing_ = true;
    write_deadline_ = SteadyClock::now() + std::chrono::milliseconds(std::max(cfg_.read_timeout_ms, 1000));
    asio::async_write(socket_, asio::buffer(file_buf_.data(), static_cast<size_t>(got)),
                      [self = shared_from_this(), n, close](beast::error_code ec, size_t) {
                        self->on_written(ec, n, close, /*to_websocket=*/false);
                      });
  }

  void on_written(beast::error_code ec, size_t n, bool close, bool to_websocket) {
    writing_ = false;
    write_deadline_ = kNever;
    if (!ec && file_ && file_sent_ < file_->length) {
      write_file_chunk(n, close);
      return;
    }
    if (file_) {
      file_.reset();
      std::vector<char>().swap(file_buf_);
    }
    if (to_websocket && !ec) {
      become_websocket(slot_at(n - 1));
      return;
    }
    for (size_t i = 0; i < n; ++i) {
      slot_at(0).release_response();
      head_ = (head_ + 1) % ring_.size();
      --count_;
    }
    if (waiting_space_) space_.cancel();
    if (ec) {
      close_socket();
      return;
    }
    if (close) {
      finish();
      return;
    }
    pump();
  }

  // The 101 is written: hand the socket (and any bytes read after the request) to a WebSocket
  // connection on this thread; this HTTP connection is done.
  void become_websocket(Slot& s) {
    auto handler = std::move(s.resp.websocket);
    auto options = s.ws;
    bool offload = s.ws_offload;
    std::string remote = remote_;
    auto data = buffer_.data();
    std::string leftover(static_cast<const char*>(data.data()), data.size());
    closed_ = true;
    wsd::start_websocket(w_.ws, impl_.ws_ctx, std::move(socket_), leftover, std::move(remote), std::move(handler),
                         std::move(options), offload);
    if (w_.stopping) w_.ws.go_away();  // the server began stopping meanwhile: say goodbye at once
  }

  // Everything answered and nothing more will be read: close (lingering after an error
  // response, so unread request bytes do not turn our answer into a reset).
  void finish() {
    if (closed_ || finishing_) return;
    finishing_ = true;
    if (!linger_ || peer_closed_) {
      close_socket();
      return;
    }
    asio::co_spawn(socket_.get_executor(), linger(shared_from_this()), asio::detached);
  }

  static asio::awaitable<void> linger(std::shared_ptr<Connection> self) {
    beast::error_code ec;
    self->socket_.shutdown(tcp::socket::shutdown_send, ec);
    self->lingering_ = true;
    self->read_deadline_ = SteadyClock::now() + std::chrono::seconds(2);
    size_t drained = 0;
    char scratch[4096];
    while (!self->closed_ && drained < (4u << 20)) {
      self->reading_ = true;
      auto [rec, n] = co_await self->socket_.async_read_some(asio::buffer(scratch), kTuple);
      self->reading_ = false;
      if (rec) break;
      drained += n;
    }
    self->close_socket();
  }

  static constexpr size_t kReadSize = 4096;
  // The client's address: the peer's, or from a trusted proxy the X-Real-IP it sets (when that
  // is an IP address; anything else is ignored).
  std::string client_address(const HttpRequest& req) const {
    if (!trusted_peer_) return remote_;
    std::string_view real = req.header("x-real-ip");
    if (real.empty() || real.size() > 64) return remote_;
    boost::system::error_code ec;
    auto a = asio::ip::make_address(std::string(real), ec);
    return ec ? remote_ : a.to_string();
  }

  static constexpr size_t kInlineBodyBytes = 4096;
  static constexpr size_t kFileChunkBytes = 65536;
  static constexpr size_t kUploadProgressBytes = 16384;

  Worker& w_;
  ServerCore& impl_;
  const ServerConfig& cfg_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::string remote_;
  bool trusted_peer_ = false;  // the peer is one of server.trusted_proxies
  std::vector<std::unique_ptr<Slot>> ring_;
  size_t head_ = 0;
  size_t count_ = 0;
  asio::steady_timer space_;  // the reader waits here while the ring is full
  asio::cancellation_signal reader_cancel_;
  std::list<Connection*>::iterator reg_;
  std::string out_;
  std::vector<asio::const_buffer> bufs_;
  std::shared_ptr<const FileBody> file_;  // the file body being streamed, if any
  uint64_t file_sent_ = 0;
  std::vector<char> file_buf_;
  SteadyClock::time_point read_deadline_ = kNever;
  SteadyClock::time_point write_deadline_ = kNever;
  bool reading_ = false;          // an async read is pending
  bool request_started_ = false;  // bytes of the next request have arrived
  bool waiting_space_ = false;
  bool writing_ = false;
  bool reader_done_ = false;
  bool closed_ = false;
  bool finishing_ = false;
  bool linger_ = false;
  bool lingering_ = false;
  bool peer_closed_ = false;
};

}  // namespace

// ---------------------------------------------------------------------------------------
// Impl

void ServerCore::log_access(const HttpRequest& req, const std::string& route, int status, double ms,
                                  size_t bytes) {
  thread_local std::string line;
  line.clear();
  line += "{\"ts\":\"";
  append_iso8601_now(line);
  line += "\",\"request_id\":";
  append_json_string(line, req.request_id);
  line += ",\"method\":";
  append_json_string(line, req.method);
  line += ",\"path\":";
  append_json_string(line, req.path);
  line += ",\"route\":";
  append_json_string(line, route);
  line += ",\"status\":";
  append_uint(line, static_cast<uint64_t>(status));
  char buf[32];
  std::snprintf(buf, sizeof(buf), ",\"duration_ms\":%.3f", ms);
  line += buf;
  line += ",\"bytes\":";
  append_uint(line, bytes);
  line += ",\"remote\":";
  append_json_string(line, req.remote_addr);
  line += '}';
  access_logger->log(spdlog::level::info, spdlog::string_view_t(line.data(), line.size()));
}

asio::awaitable<void> ServerCore::accept_loop(Worker& w) {
  for (;;) {
    auto [ec, socket] = co_await w.acceptor.async_accept(kTuple);
    if (w.stopping || !w.acceptor.is_open()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      if (ec == asio::error::no_descriptors || ec.value() == ENFILE || ec == asio::error::no_buffer_space ||
          ec == asio::error::no_memory) {
        // Out of file descriptors: back off instead of spinning on a ready listen socket.
        static std::atomic<int64_t> last_warn{0};
        int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(SteadyClock::now().time_since_epoch()).count();
        if (last_warn.exchange(now_s) != now_s) spdlog::warn("accept failed: {}; backing off", ec.message());
        w.backoff_timer.expires_after(std::chrono::milliseconds(50));
        co_await w.backoff_timer.async_wait(kTuple);
      }
      continue;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<Connection>(w, std::move(socket))->start();
  }
}

void ServerCore::schedule_sweep(Worker& w) {
  int base = std::min(cfg.read_timeout_ms, cfg.idle_timeout_ms) / 4;
  auto interval = std::chrono::milliseconds(std::clamp(base, 5, 1000));
  w.sweep_timer.expires_after(interval);
  w.sweep_timer.async_wait([this, &w](beast::error_code ec) {
    if (ec) return;
    auto now = SteadyClock::now();
    // check_deadlines may close sockets but never destroys a Connection synchronously
    // (completions are posted), so iterating the list is safe.
    for (Connection* c : w.connections) c->check_deadlines(now);
    w.ws.sweep(now);
    schedule_sweep(w);
  });
}

void ServerCore::begin_stop(Worker& w) {
  w.stopping = true;
  beast::error_code ec;
  w.acceptor.close(ec);
  w.backoff_timer.cancel();
  for (Connection* c : w.connections) c->on_stop();
  w.ws.go_away();
}

void ServerCore::stop() {
  {
    std::unique_lock lock(mu);
    if (!started || stop_started) {
      cv.wait(lock, [&] { return stopped || !started; });
      stopped = true;
      if (signal_ioc) signal_ioc->stop();
      cv.notify_all();
      return;
    }
    stop_started = true;
  }
  for (auto& w : workers) asio::post(w->ioc, [this, wp = w.get()] { begin_stop(*wp); });
  {
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::milliseconds(std::max(0, cfg.shutdown_grace_ms)),
                [&] { return live_connections.load() == 0; });
  }
  if (live_connections.load() != 0) {
    spdlog::warn("shutdown grace period over; closing {} connection(s)", live_connections.load());
    for (auto& w : workers) {
      asio::post(w->ioc, [wp = w.get()] {
        for (Connection* c : wp->connections) c->close_socket();
        wp->ws.close_all();
      });
    }
  }
  pool->stop();
  pool->join();
  for (auto& w : workers) {
    asio::post(w->ioc, [wp = w.get()] {
      wp->sweep_timer.cancel();
      wp->work.reset();
    });
  }
  // Let the network threads drain for a moment, then stop them outright.
  for (auto& w : workers) {
    for (int i = 0; i < 50 && !w->ioc.stopped(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    w->ioc.stop();
    if (w->thread.joinable()) w->thread.join();
  }
  std::lock_guard lock(mu);
  stopped = true;
  if (signal_ioc) signal_ioc->stop();
  cv.notify_all();
}

// ---------------------------------------------------------------------------------------
// HttpServer

HttpServer::HttpServer(const ServerConfig& cfg, Router& router, Metrics& metrics, StaticFiles* static_files)
    : impl_(std::make_unique<Impl>(cfg, router, metrics, static_files)) {}

HttpServer::~HttpServer() {
  bool need_stop;
  {
    std::lock_guard lock(impl_->mu);
    need_stop = impl_->started && !impl_->stopped;
  }
  if (need_stop) impl_->stop();
  impl_->pool.reset();
  impl_->workers.clear();
}

void HttpServer::set_access_log(bool on) { impl_->access_log.store(on); }

Status HttpServer::start() {
  Impl& im = *impl_;
  {
    std::lock_guard lock(im.mu);
    if (im.started) return Error{Code::kInternal, "already_started", "服务器已经启动", {}};
  }
  const ServerConfig& cfg = im.cfg;
  beast::error_code ec;
  tcp::endpoint endpoint;
  auto addr = asio::ip::make_address(cfg.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(addr, static_cast<unsigned short>(cfg.port));
  } else {
    asio::io_context tmp;
    tcp::resolver resolver(tmp);
    auto results = resolver.resolve(cfg.host, std::to_string(cfg.port), ec);
    if (ec || results.empty()) {
      return Error{Code::kUnavailable, "bind_failed", "无法解析监听地址 " + cfg.host + "：" + ec.message(), {}};
    }
    endpoint = results.begin()->endpoint();
  }

  int threads = std::max(1, cfg.threads);
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < threads; ++i) {
    auto w = std::make_unique<Worker>(im);
    auto fail = [&](const char* what) -> Status {
      return Error{Code::kUnavailable, "bind_failed",
                   "无法监听 " + cfg.host + ":" + std::to_string(endpoint.port()) + "（" + what + "）：" + ec.message(), {}};
    };
    w->acceptor.open(endpoint.protocol(), ec);
    if (ec) return fail("open");
    w->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (ec) return fail("SO_REUSEADDR");
    using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
    w->acceptor.set_option(reuse_port(true), ec);
    if (ec) return fail("SO_REUSEPORT");
    w->acceptor.bind(endpoint, ec);
    if (ec) return fail("bind");
    w->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("listen");
    if (i == 0) endpoint.port(w->acceptor.local_endpoint().port());  // port 0: the rest share it
    workers.push_back(std::move(w));
  }
  im.bound_port = endpoint.port();
  im.workers = std::move(workers);

  // The application may configure the "access" logger (sinks, async); otherwise one JSON
  // object per line on stdout.
  im.access_logger = spdlog::get("access");
  if (!im.access_logger) {
    im.access_logger = std::make_shared<spdlog::logger>("access", std::make_shared<spdlog::sinks::stdout_sink_mt>());
    im.access_logger->set_pattern("%v");
    try {
      spdlog::register_logger(im.access_logger);
    } catch (const spdlog::spdlog_ex&) {  // another server registered it meanwhile
      im.access_logger = spdlog::get("access");
    }
  }

  for (const Route& r : im.router.routes()) {
    im.metrics.register_route(r.method, r.pattern);
    if (r.method == "GET") im.metrics.register_route("HEAD", r.pattern);
  }
  for (const char* m : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    for (const std::string* label : {&kLabelStatic, &kLabelNotFound, &kLabelMethodNotAllowed, &kLabelBadRequest}) {
      im.metrics.register_route(m, *label);
    }
  }

  im.pool = std::make_unique<asio::thread_pool>(static_cast<size_t>(std::max(1, cfg.worker_threads)));
  im.ws_ctx.metrics = &im.metrics;
  im.ws_ctx.pool = im.pool.get();
  im.ws_ctx.opened = [&im] { im.live_connections.fetch_add(1); };
  im.ws_ctx.gone = [&im] { im.connection_gone(); };
  for (auto& w : im.workers) {
    Worker* wp = w.get();
    wp->work.emplace(wp->ioc.get_executor());
    asio::co_spawn(wp->ioc, im.accept_loop(*wp), asio::detached);
    im.schedule_sweep(*wp);
    wp->thread = std::thread([wp] {
      for (;;) {
        try {
          wp->ioc.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("network thread: unexpected exception: {}", e.what());
        }
      }
    });
  }
  std::lock_guard lock(im.mu);
  im.started = true;
  return Ok();
}

int HttpServer::port() const { return impl_->bound_port; }

void HttpServer::run(bool install_signal_handlers) {
  Impl& im = *impl_;
  {
    std::lock_guard lock(im.mu);
    if (!im.started || im.stopped) return;
  }
  if (install_signal_handlers) {
    asio::io_context sig_ioc(1);
    asio::signal_set signals(sig_ioc, SIGINT, SIGTERM);
    signals.async_wait([this](beast::error_code ec, int signo) {
      if (ec) return;
      spdlog::info("signal {} received: shutting down", signo);
      stop();
    });
    {
      std::lock_guard lock(im.mu);
      if (im.stopped) return;
      im.signal_ioc = &sig_ioc;
    }
    sig_ioc.run();
    std::lock_guard lock(im.mu);
    im.signal_ioc = nullptr;
  }
  std::unique_lock lock(im.mu);
  im.cv.wait(lock, [&] { return im.stopped; });
}

void HttpServer::stop() { impl_->stop(); }

}  // namespace sl::net

namespace sl::net {

std::vector<HttpResponse> serve_bytes(std::string_view bytes, const ServerConfig& cfg, const Router& router,
                                      std::string_view remote_addr) {
  std::vector<HttpResponse> out;
  size_t pos = 0;
  while (pos < bytes.size()) {
    HttpRequest req;
    RequestParser p(req, router);
    prepare_parser(p, cfg);
    beast::error_code ec;
    while (pos < bytes.size() && !p.is_done()) {
      size_t n = p.put(asio::buffer(bytes.data() + pos, bytes.size() - pos), ec);
      pos += n;
      if (ec == bhttp::error::need_more) {
        ec = {};
        break;  // the bytes end inside this request
      }
      if (ec) break;
      if (n == 0) break;
    }
    if (!ec && !p.is_done()) {
      p.put_eof(ec);  // the peer closed: a body that runs to EOF ends here; anything else is dropped
      if (ec || !p.is_done()) break;
    }
    if (ec) {
      out.push_back(parse_failure(ec, p, cfg));
      break;
    }
    bool http10 = p.version < 11;
    bool keep_alive = p.keep_alive();
    req.remote_addr.assign(remote_addr);
    if (!finish_request(req)) {
      out.push_back(HttpResponse::problem(400, "bad_request", kBadTargetDetail));
      break;
    }
    bool upgrade = false;
    if (is_api_path(req.path)) {
      Router::Match m = router.match(req);
      if (auto refused = refusal(router, m, req, http10)) {
        out.push_back(std::move(*refused));
      } else {
        upgrade = m.route->websocket != nullptr;
        HttpResponse resp = run_handler(router, m, req);
        check_switch(resp, upgrade, req.path);
        out.push_back(std::move(resp));
      }
    } else {
      out.push_back(outside_api(nullptr, req));
    }
    if (upgrade || !keep_alive) break;
  }
  return out;
}

}  // namespace sl::net
