// WebSocket connections (RFC 6455, server side) after the HTTP connection has written its 101.
//
// Framing is done here rather than with beast::websocket::stream so that a message shared by
// thousands of sessions is written as is (a 2-10 byte header per session, the payload never
// copied) and a session's queued messages go out in one gathered write.
//
// A connection has two halves:
//   WsQueue (the WsSession the application holds): the bounded queue of outgoing messages,
//     locked, fed from any thread. It does not own the socket, so the application may keep it
//     after the connection is gone (sends then return kClosed).
//   WsConnection: the socket, the reader coroutine (frames → messages → handler), the writer
//     (queue → gathered write), control frames, deadlines and the closing handshake. It lives
//     on its network thread only.
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>

#include "net/ws_internal.h"

namespace sl::net {

// ---------------------------------------------------------------------------------------
// Handshake helpers and the frame codec

namespace {

bool header_has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view t = value.substr(0, comma);
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    if (iequals(t, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

bool valid_key(std::string_view key) {
  // 16 random bytes in base64: 22 characters and "==".
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (char c : key.substr(0, 22)) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool is_websocket_upgrade(const HttpRequest& req) {
  return req.method == "GET" && header_has_token(req.header("upgrade"), "websocket") &&
         header_has_token(req.header("connection"), "upgrade") && req.header("sec-websocket-version") == "13" &&
         valid_key(req.header("sec-websocket-key"));
}

std::string websocket_accept_key(std::string_view client_key) {
  static constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  std::string in;
  in.reserve(client_key.size() + kGuid.size());
  in.append(client_key);
  in.append(kGuid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(in.data()), in.size(), digest);
  unsigned char out[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  int n = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return false;  // overlong, range
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;                                                  // surrogates
    i += len;
  }
  return true;
}

namespace ws {

size_t write_header(uint8_t* out, Opcode op, uint64_t len) {
  out[0] = static_cast<uint8_t>(0x80 | op);
  if (len < 126) {
    out[1] = static_cast<uint8_t>(len);
    return 2;
  }
  if (len <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<uint8_t>(len >> 8);
    out[3] = static_cast<uint8_t>(len);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<uint8_t>(len >> (8 * (7 - i)));
  return 10;
}

std::string encode_frame(Opcode op, std::string_view payload, std::optional<uint32_t> mask, bool fin) {
  uint8_t h[14];
  size_t n = write_header(h, op, payload.size());
  if (!fin) h[0] &= 0x7F;
  if (mask) {
    h[1] |= 0x80;
    for (int i = 0; i < 4; ++i) h[n + static_cast<size_t>(i)] = static_cast<uint8_t>(*mask >> (8 * (3 - i)));
    n += 4;
  }
  std::string out(reinterpret_cast<const char*>(h), n);
  out.append(payload);
  if (mask) {
    for (size_t i = 0; i < payload.size(); ++i) out[n + i] = static_cast<char>(out[n + i] ^ static_cast<char>(h[n - 4 + i % 4]));
  }
  return out;
}

}  // namespace ws

// ---------------------------------------------------------------------------------------
// Connections

namespace wsd {

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr SteadyClock::time_point kNever = SteadyClock::time_point::max();
constexpr size_t kReadChunk = 1024;      // initial read buffer; grows for large messages only
constexpr size_t kBatchFrames = 64;      // messages per gathered write
constexpr size_t kMaxInbox = 16;         // offloaded messages waiting: stop reading beyond this

std::atomic<uint64_t> g_next_id{0};

// Close codes (RFC 6455 section 7.4.1).
constexpr uint16_t kNormal = 1000, kGoingAway = 1001, kProtocolError = 1002, kUnsupported = 1003,
                   kInvalidData = 1007, kTooBig = 1009, kInternalError = 1011;

bool valid_close_code(uint16_t c) {
  return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1011) || (c >= 3000 && c <= 4999);
}

std::string close_payload(uint16_t code, std::string_view reason) {
  std::string p;
  p += static_cast<char>(code >> 8);
  p += static_cast<char>(code & 0xFF);
  // At most 123 bytes of reason, cut on a character boundary.
  size_t n = std::min<size_t>(reason.size(), 123);
  while (n > 0 && n < reason.size() && (static_cast<unsigned char>(reason[n]) & 0xC0) == 0x80) --n;
  p.append(reason.substr(0, n));
  return p;
}

}  // namespace

// The application's handle: the bounded outgoing queue.
class WsQueue final : public WsSession {
 public:
  WsQueue(WsWorker& worker, const WsOptions& o, std::string remote)
      : worker_(worker), max_frames_(std::max<size_t>(1, o.queue_max_frames)),
        max_bytes_(std::max<size_t>(1, o.queue_max_bytes)), id_(++g_next_id), remote_(std::move(remote)) {}

  Send send(std::shared_ptr<const std::string> text) override;
  void close(uint16_t code, std::string_view reason) override;
  uint64_t id() const override { return id_; }
  const std::string& remote_addr() const override { return remote_; }

  // Connection side (network thread), all under mu.
  std::mutex mu;
  std::deque<std::shared_ptr<const std::string>> frames;  // GUARDED_BY(mu)
  size_t bytes = 0;                                       // GUARDED_BY(mu)
  bool writer_pending = false;  // GUARDED_BY(mu): the writer will look at the queue again
  bool closed = false;          // GUARDED_BY(mu): nothing more is accepted
  std::weak_ptr<WsConnection> conn;  // GUARDED_BY(mu)
  std::optional<std::pair<uint16_t, std::string>> close_request;  // GUARDED_BY(mu): from close()

 private:
  WsWorker& worker_;
  const size_t max_frames_, max_bytes_;
  const uint64_t id_;
  const std::string remote_;
};

class WsConnection : public std::enable_shared_from_this<WsConnection> {
 public:
  WsConnection(WsWorker& w, const WsContext& ctx, tcp::socket socket, std::string remote,
               std::shared_ptr<WsHandler> handler, std::shared_ptr<const WsOptions> options, bool offload)
      : w_(w), ctx_(ctx), socket_(std::move(socket)), handler_(std::move(handler)), opts_(std::move(options)),
        offload_(offload), resume_(w.ioc()) {
    queue_ = std::make_shared<WsQueue>(w, *opts_, std::move(remote));
    reg_ = w_.add(this);
    if (ctx_.opened) ctx_.opened();
    if (ctx_.metrics) ctx_.metrics->connection_opened();
    last_recv_ = SteadyClock::now();
  }

  ~WsConnection() {
    w_.remove(reg_);
    {
      std::lock_guard lk(queue_->mu);
      queue_->closed = true;
      queue_->frames.clear();
      queue_->bytes = 0;
    }
    beast_close();
    if (ctx_.metrics) ctx_.metrics->connection_closed();
    if (ctx_.gone) ctx_.gone();
  }

  void start(std::string_view leftover) {
    {
      std::lock_guard lk(queue_->mu);
      queue_->conn = weak_from_this();
    }
    rbuf_.resize(std::max(kReadChunk, leftover.size() + kReadChunk));
    std::memcpy(rbuf_.data(), leftover.data(), leftover.size());
    rend_ = leftover.size();
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);  // for the writer's immediate attempt (flush)
    if (!call_handler([&] { handler_->on_open(queue_); })) return;
    asio::co_spawn(socket_.get_executor(), reader(shared_from_this()), asio::detached);
  }

  // Writes whatever is queued (control frames first), unless a write is under way.
  void flush() {
    while (write_batch()) {
    }
  }

  // Takes a batch from the queue and writes it; true when it was written at once and the
  // queue should be looked at again.
  bool write_batch() {
    if (writing_ || socket_closed_) return false;
    inflight_.clear();
    std::optional<std::pair<uint16_t, std::string>> close_request;
    {
      std::lock_guard lk(queue_->mu);
      if (queue_->close_request) close_request.swap(queue_->close_request);
      while (!queue_->frames.empty() && inflight_.size() < kBatchFrames) {
        queue_->bytes -= queue_->frames.front()->size();
        inflight_.push_back(std::move(queue_->frames.front()));
        queue_->frames.pop_front();
      }
      queue_->writer_pending = !inflight_.empty();
    }
    if (close_request) {
      start_close(close_request->first, close_request->second);
      return false;  // start_close flushes again
    }
    if (inflight_.empty() && ctrl_.empty()) return false;
    bufs_.clear();
    ctrl_inflight_.swap(ctrl_);
    ctrl_.clear();
    close_in_batch_ = close_queued_ && !close_written_;
    if (!ctrl_inflight_.empty()) bufs_.emplace_back(ctrl_inflight_.data(), ctrl_inflight_.size());
    headers_.resize(inflight_.size() * 10);
    for (size_t i = 0; i < inflight_.size(); ++i) {
      uint8_t* h = headers_.data() + i * 10;
      size_t hn = ws::write_header(h, ws::kText, inflight_[i]->size());
      bufs_.emplace_back(h, hn);
      bufs_.emplace_back(inflight_[i]->data(), inflight_[i]->size());
    }
    writing_ = true;
    // Usually the whole batch fits in the socket's send buffer: write it now (the socket is
    // non-blocking), and only wait for the socket when it does not.
    boost::system::error_code ec;
    size_t total = 0;
    for (const auto& b : bufs_) total += b.size();
    size_t n = socket_.write_some(bufs_, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      ec = {};
      n = 0;
    }
    if (ec || n == total) return written(ec);
    size_t skip = 0;
    while (n >= bufs_[skip].size()) n -= bufs_[skip++].size();
    bufs_.erase(bufs_.begin(), bufs_.begin() + static_cast<std::ptrdiff_t>(skip));
    bufs_.front() += n;
    write_deadline_ = SteadyClock::now() + std::chrono::milliseconds(opts_->idle_timeout_ms);
    asio::async_write(socket_, bufs_, [self = shared_from_this()](boost::system::error_code ec2, size_t) {
      if (self->written(ec2)) self->flush();
    });
    return false;
  }

  void check_deadlines(SteadyClock::time_point now) {
    if (socket_closed_) return;
    if ((writing_ && now >= write_deadline_) || (close_queued_ && now >= close_deadline_) ||
        now - last_recv_ >= std::chrono::milliseconds(opts_->idle_timeout_ms)) {
      close_socket();
      return;
    }
    if (!ping_outstanding_ && !close_queued_ && now - last_recv_ >= std::chrono::milliseconds(opts_->ping_interval_ms)) {
      ping_outstanding_ = true;
      ctrl_ += ws::encode_frame(ws::kPing, {});
      flush();
    }
  }

  void go_away() { start_close(kGoingAway, "服务器正在重启，请稍后重连"); }

  void close_socket() {
    if (socket_closed_) return;
    socket_closed_ = true;
    {
      std::lock_guard lk(queue_->mu);
      queue_->closed = true;
      queue_->frames.clear();
      queue_->bytes = 0;
      queue_->conn.reset();
    }
    beast_close();
    resume_.cancel();
    notify_close();
  }

 private:
  enum class Parse { kNeedMore, kFrame, kStop };

  void beast_close() {
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  template <typename F>
  bool call_handler(F&& f) {
    try {
      f();
      return true;
    } catch (const std::exception& e) {
      spdlog::error("websocket handler threw: {}", e.what());
    } catch (...) {
      spdlog::error("websocket handler threw a non-std exception");
    }
    fail(kInternalError, "服务器内部错误");
    return false;
  }

  void notify_close() {
    if (handler_closed_) return;
    if (busy_) {  // an offloaded message is being handled; on_close follows it
      close_after_busy_ = true;
      return;
    }
    handler_closed_ = true;
    try {
      handler_->on_close();
    } catch (const std::exception& e) {
      spdlog::error("websocket on_close threw: {}", e.what());
    }
  }

  // Sends a close frame; the socket closes when the peer answers (or after close_timeout_ms).
  void start_close(uint16_t code, std::string_view reason) {
    if (socket_closed_ || close_queued_) return;
    close_queued_ = true;
    close_deadline_ = SteadyClock::now() + std::chrono::milliseconds(opts_->close_timeout_ms);
    {
      std::lock_guard lk(queue_->mu);
      queue_->closed = true;
      queue_->frames.clear();
      queue_->bytes = 0;
    }
    ctrl_ += ws::encode_frame(ws::kClose, close_payload(code, reason));
    notify_close();
    flush();
  }

  // Fails the connection: a close frame with `code`, then FIN; what the peer still sends is
  // read and dropped until it closes too (or close_timeout_ms), so our close frame is not
  // lost to a reset caused by unread bytes.
  void fail(uint16_t code, std::string_view reason) {
    failing_ = true;
    draining_ = true;
    if (close_written_) {
      shutdown_send();
      return;
    }
    start_close(code, reason);
  }

  void shutdown_send() {
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
  }

  // A batch is written (or failed); true when the writer should look at the queue again.
  bool written(boost::system::error_code ec) {
    writing_ = false;
    write_deadline_ = kNever;
    inflight_.clear();
    ctrl_inflight_.clear();
    if (ec) {
      close_socket();
      return false;
    }
    if (close_in_batch_) {
      close_written_ = true;
      if (close_received_) {
        close_socket();
        return false;
      }
      if (failing_) {
        shutdown_send();
        return false;
      }
    }
    return true;
  }

  static asio::awaitable<void> reader(std::shared_ptr<WsConnection> self) {
    try {
      co_await self->read_loop();
    } catch (const std::exception& e) {
      spdlog::error("websocket reader failed: {}", e.what());
      self->close_socket();
    }
  }

  asio::awaitable<void> read_loop() {
    for (;;) {
      for (;;) {
        Parse p = parse_one();
        if (p == Parse::kStop) co_return;
        if (p == Parse::kNeedMore) break;
      }
      while (inbox_.size() >= kMaxInbox && !socket_closed_) {
        resume_.expires_at(kNever);
        co_await resume_.async_wait(kTuple);
      }
      if (socket_closed_) co_return;
      if (rpos_ > 0) {  // keep the unparsed bytes at the front
        std::memmove(rbuf_.data(), rbuf_.data() + rpos_, rend_ - rpos_);
        rend_ -= rpos_;
        rpos_ = 0;
      }
      if (rend_ == 0 && rbuf_.size() > 16 * kReadChunk) {  // a large message is gone: give the memory back
        std::vector<char>(kReadChunk).swap(rbuf_);
      }
      if (rbuf_.size() - rend_ < kReadChunk / 2) rbuf_.resize(std::max(rbuf_.size() * 2, rend_ + kReadChunk));
      auto [ec, n] = co_await socket_.async_read_some(asio::buffer(rbuf_.data() + rend_, rbuf_.size() - rend_), kTuple);
      if (ec) {
        close_socket();
        co_return;
      }
      rend_ += n;
      last_recv_ = SteadyClock::now();
      ping_outstanding_ = false;
    }
  }

  Parse parse_one() {
    if (socket_closed_) return Parse::kStop;
    if (draining_) {  // failed: the stream is no longer parsed
      rpos_ = rend_ = 0;
      return Parse::kNeedMore;
    }
    size_t avail = rend_ - rpos_;
    if (avail < 2) return Parse::kNeedMore;
    const auto* b = reinterpret_cast<const uint8_t*>(rbuf_.data() + rpos_);
    bool fin = (b[0] & 0x80) != 0;
    uint8_t rsv = b[0] & 0x70;
    uint8_t op = b[0] & 0x0F;
    bool masked = (b[1] & 0x80) != 0;
    uint64_t len = b[1] & 0x7F;
    size_t hdr = 2;
    if (len == 126) {
      if (avail < 4) return Parse::kNeedMore;
      len = (uint64_t{b[2]} << 8) | b[3];
      hdr = 4;
    } else if (len == 127) {
      if (avail < 10) return Parse::kNeedMore;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | b[2 + i];
      hdr = 10;
    }
    if (rsv != 0 || !masked) return protocol_error("帧格式错误");
    bool control = op >= 8;
    if (control) {
      if (op != ws::kClose && op != ws::kPing && op != ws::kPong) return protocol_error("未知的控制帧");
      if (!fin || len > 125) return protocol_error("控制帧格式错误");
    } else {
      if (op != ws::kContinuation && op != ws::kText && op != ws::kBinary) return protocol_error("未知的数据帧");
      if (op == ws::kContinuation && !in_message_) return protocol_error("没有可续接的消息");
      if (op != ws::kContinuation && in_message_) return protocol_error("上一条消息尚未结束");
      if (op == ws::kBinary) {
        fail(kUnsupported, "只接受文本消息");
        return Parse::kNeedMore;
      }
      if (len > opts_->max_message_bytes || msg_.size() + len > opts_->max_message_bytes) {
        fail(kTooBig, "消息过大");
        return Parse::kNeedMore;
      }
    }
    size_t total = hdr + 4 + static_cast<size_t>(len);
    if (avail < total) {
      if (rbuf_.size() - rpos_ < total) {
        std::memmove(rbuf_.data(), rbuf_.data() + rpos_, avail);
        rend_ = avail;
        rpos_ = 0;
        rbuf_.resize(total + kReadChunk);
      }
      return Parse::kNeedMore;
    }
    uint8_t key[4];
    std::memcpy(key, b + hdr, 4);
    char* payload = rbuf_.data() + rpos_ + hdr + 4;
    for (size_t i = 0; i < len; ++i) payload[i] = static_cast<char>(payload[i] ^ static_cast<char>(key[i % 4]));
    std::string_view data(payload, static_cast<size_t>(len));
    rpos_ += total;

    switch (op) {
      case ws::kPing:
        if (!close_queued_) {
          ctrl_ += ws::encode_frame(ws::kPong, data);
          flush();
        }
        return Parse::kFrame;
      case ws::kPong:
        return Parse::kFrame;
      case ws::kClose:
        return on_close_frame(data);
      default:
        break;
    }
    if (close_queued_) return Parse::kFrame;  // closing: data is no longer delivered
    if (op == ws::kText && fin) {
      if (!valid_utf8(data)) return invalid_data();
      deliver(std::string(data));
      return socket_closed_ ? Parse::kStop : Parse::kFrame;
    }
    msg_.append(data);
    in_message_ = !fin;
    if (fin) {
      if (!valid_utf8(msg_)) return invalid_data();
      std::string m;
      m.swap(msg_);
      deliver(std::move(m));
      if (socket_closed_) return Parse::kStop;
    }
    return Parse::kFrame;
  }

  Parse protocol_error(std::string_view why) {
    fail(kProtocolError, why);
    return Parse::kNeedMore;  // the reader drains until the peer closes
  }

  Parse invalid_data() {
    fail(kInvalidData, "消息不是合法的 UTF-8 文本");
    return Parse::kNeedMore;
  }

  Parse on_close_frame(std::string_view data) {
    close_received_ = true;
    uint16_t code = kNormal;
    if (data.size() == 1) {
      code = kProtocolError;
    } else if (data.size() >= 2) {
      code = static_cast<uint16_t>((static_cast<uint8_t>(data[0]) << 8) | static_cast<uint8_t>(data[1]));
      if (!valid_close_code(code) || !valid_utf8(data.substr(2))) code = kProtocolError;
    }
    if (close_written_) {  // the answer to our close: the handshake is complete
      close_socket();
      return Parse::kStop;
    }
    if (!close_queued_) {
      start_close(code, {});
    }
    // Our close frame is queued or being written; written() closes the socket.
    return Parse::kStop;
  }

  void deliver(std::string msg) {
    if (handler_closed_) return;
    if (!offload_) {
      call_handler([&] { handler_->on_text(msg); });
      return;
    }
    inbox_.push_back(std::move(msg));
    if (!busy_) run_next();
  }

  // Offloaded routes: messages run one at a time on the worker pool, in order.
  void run_next() {
    busy_ = false;
    if (close_after_busy_) {
      close_after_busy_ = false;
      notify_close();
    }
    if (handler_closed_) inbox_.clear();
    if (inbox_.size() < kMaxInbox) resume_.cancel();
    if (inbox_.empty() || ctx_.pool == nullptr) return;
    busy_ = true;
    std::string msg = std::move(inbox_.front());
    inbox_.pop_front();
    asio::post(*ctx_.pool, [self = shared_from_this(), msg = std::move(msg)]() mutable {
      bool ok = true;
      try {
        self->handler_->on_text(msg);
      } catch (const std::exception& e) {
        spdlog::error("websocket handler threw: {}", e.what());
        ok = false;
      }
      auto ex = self->socket_.get_executor();
      asio::post(ex, [self = std::move(self), ok] {
        if (!ok) {
          self->busy_ = false;
          self->fail(kInternalError, "服务器内部错误");
        }
        self->run_next();
      });
    });
  }

  WsWorker& w_;
  const WsContext& ctx_;
  tcp::socket socket_;
  std::shared_ptr<WsHandler> handler_;
  std::shared_ptr<const WsOptions> opts_;
  const bool offload_;
  std::shared_ptr<WsQueue> queue_;
  std::list<WsConnection*>::iterator reg_;

  // reading
  std::vector<char> rbuf_;
  size_t rpos_ = 0, rend_ = 0;
  std::string msg_;  // a fragmented message being reassembled
  bool in_message_ = false;
  std::deque<std::string> inbox_;  // offloaded messages waiting
  bool busy_ = false;               // an offloaded message is being handled
  asio::steady_timer resume_;       // the reader waits here while the inbox is full
  SteadyClock::time_point last_recv_;
  bool ping_outstanding_ = false;

  // writing
  std::vector<std::shared_ptr<const std::string>> inflight_;
  std::vector<uint8_t> headers_;
  std::string ctrl_, ctrl_inflight_;  // encoded control frames waiting / being written
  std::vector<asio::const_buffer> bufs_;
  bool writing_ = false;
  SteadyClock::time_point write_deadline_ = kNever;

  // closing
  bool close_queued_ = false, close_in_batch_ = false, close_written_ = false, close_received_ = false;
  bool failing_ = false, draining_ = false, socket_closed_ = false, handler_closed_ = false, close_after_busy_ = false;
  SteadyClock::time_point close_deadline_ = kNever;

  friend class WsWorker;
};

WsSession::Send WsQueue::send(std::shared_ptr<const std::string> text) {
  if (!text) return Send::kClosed;
  std::shared_ptr<WsConnection> wake;
  {
    std::lock_guard lk(mu);
    if (closed) return Send::kClosed;
    if (frames.size() >= max_frames_ || bytes + text->size() > max_bytes_) {
      frames.clear();
      bytes = 0;
      return Send::kOverflow;
    }
    bytes += text->size();
    frames.push_back(std::move(text));
    if (!writer_pending) {
      writer_pending = true;
      wake = conn.lock();
    }
  }
  if (wake) worker_.wake(std::move(wake));
  return Send::kQueued;
}

void WsQueue::close(uint16_t code, std::string_view reason) {
  std::shared_ptr<WsConnection> wake;
  {
    std::lock_guard lk(mu);
    if (closed) return;
    closed = true;
    frames.clear();
    bytes = 0;
    close_request.emplace(code, std::string(reason));
    wake = conn.lock();
  }
  if (wake) worker_.wake(std::move(wake));
}

// ---------------------------------------------------------------------------------------
// WsWorker

void WsWorker::sweep(SteadyClock::time_point now) {
  // check_deadlines may close sockets but never destroys a connection synchronously (the
  // pending read's completion still holds it), so iterating is safe.
  for (WsConnection* c : connections_) c->check_deadlines(now);
}

void WsWorker::go_away() {
  for (WsConnection* c : connections_) c->go_away();
}

void WsWorker::close_all() {
  for (WsConnection* c : connections_) c->close_socket();
}

void WsWorker::drop_ready() {
  std::vector<std::shared_ptr<WsConnection>> v;
  {
    std::lock_guard lk(mu_);
    v.swap(ready_);
  }
}

void WsWorker::wake(std::shared_ptr<WsConnection> c) {
  bool post = false;
  {
    std::lock_guard lk(mu_);
    ready_.push_back(std::move(c));
    if (!posted_) {
      posted_ = true;
      post = true;
    }
  }
  if (post) asio::post(ioc_, [this] { drain(); });
}

void WsWorker::drain() {
  std::vector<std::shared_ptr<WsConnection>> v;
  {
    std::lock_guard lk(mu_);
    v.swap(ready_);
    posted_ = false;
  }
  for (auto& c : v) c->flush();
}

void start_websocket(WsWorker& worker, const WsContext& ctx, tcp::socket socket, std::string_view leftover,
                     std::string remote, std::shared_ptr<WsHandler> handler, std::shared_ptr<const WsOptions> options,
                     bool offload) {
  auto c = std::make_shared<WsConnection>(worker, ctx, std::move(socket), std::move(remote), std::move(handler),
                                          std::move(options), offload);
  c->start(leftover);
}

}  // namespace wsd
}  // namespace sl::net
