#include "app/witness_cli.h"

#include <boost/json.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>

#include "app/http_client.h"
#include "core/clock.h"
#include "core/random.h"
#include "modules/ledger/witness.h"

namespace sl::app {

namespace bj = boost::json;

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

// The platform's ledger API as a LogSource.
class HttpLogSource final : public ledger::LogSource {
 public:
  explicit HttpLogSource(HttpClient& http) : http_(http) {}

  Result<std::string> checkpoint() override {
    SL_ASSIGN(auto r, http_.get("/api/v1/ledger/checkpoint"));
    if (!r.ok()) return reply_error(r, "GET /api/v1/ledger/checkpoint");
    return std::move(r.body);
  }

  Result<std::vector<ledger::Hash>> consistency(uint64_t first, uint64_t second) override {
    std::string target = "/api/v1/ledger/proof/consistency?first=" + std::to_string(first) + "&second=" + std::to_string(second);
    SL_ASSIGN(auto r, http_.get(target));
    if (!r.ok()) return reply_error(r, "GET " + target);
    boost::system::error_code ec;
    auto v = bj::parse(r.body, ec);
    const bj::value* proof = !ec && v.is_object() ? v.as_object().if_contains("proof") : nullptr;
    if (!proof || !proof->is_array()) return Error::Unprocessable("bad_proof", "一致性证明的格式不正确");
    std::vector<ledger::Hash> out;
    for (const auto& h : proof->as_array()) {
      if (!h.is_string()) return Error::Unprocessable("bad_proof", "一致性证明的格式不正确");
      auto hash = ledger::hash_from_base64(h.as_string());
      if (!hash.ok()) return Error::Unprocessable("bad_proof", "一致性证明中有无效的哈希");
      out.push_back(*hash);
    }
    return out;
  }

  Status submit(uint64_t size, std::string_view line) override {
    std::string body = bj::serialize(bj::object{{"size", size}, {"cosignature", line}});
    SL_ASSIGN(auto r, http_.post("/api/v1/ledger/cosignatures", "application/json", body));
    if (!r.ok()) return reply_error(r, "POST /api/v1/ledger/cosignatures");
    return Ok();
  }

 private:
  HttpClient& http_;
};

void say(FILE* to, const SystemClock& clock, const std::string& line) {
  std::fprintf(to, "%s %s\n", format_iso8601(clock.now_ms()).c_str(), line.c_str());
  std::fflush(to);
}

}  // namespace

Status print_witness_key(const std::string& data, const std::string& name) {
  SecureRandom random;
  SL_ASSIGN(auto key, ledger::load_or_create_witness_key(data, name, random));
  std::printf("%s\n", ledger::witness_vkey(key).c_str());
  return Ok();
}

int run_witness(const WitnessOptions& o) {
  SystemClock clock;
  SecureRandom random;
  auto fail = [&](const Error& e) {
    std::fprintf(stderr, "错误 (%s): %s\n", e.slug.c_str(), e.message.c_str());
    return e.code == Code::kInvalidArgument || e.code == Code::kUnprocessable ? 2 : 1;
  };
  auto log_key = ledger::parse_vkey(o.log_key);
  if (!log_key.ok()) return fail(Error::Invalid("bad_log_key", "--log-key 无效: " + log_key.error().message));
  if (log_key->type != ledger::kSigEd25519)
    return fail(Error::Invalid("bad_log_key", "--log-key 须为平台账本的 Ed25519 公钥 (GET /api/v1/ledger/key 的 vkey)"));
  auto key = ledger::load_or_create_witness_key(o.data, o.name, random);
  if (!key.ok()) return fail(key.error());
  auto http = HttpClient::create(o.url);
  if (!http.ok()) return fail(http.error());
  HttpLogSource source(**http);
  ledger::Witness witness(o.data, *log_key, *key, clock);
  if (!o.once) {
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    say(stdout, clock, "见证方 witness " + ledger::witness_vkey(*key) + " follows " + log_key->name + " at " + o.url);
  }

  for (;;) {
    auto r = witness.round(source);
    int code = 0;
    if (r.ok()) {
      say(r->submitted.ok() ? stdout : stderr, clock, r->describe());
      if (!r->submitted.ok()) code = 1;
    } else if (r.error().code == Code::kUnprocessable) {
      say(stderr, clock, "告警 ALARM " + r.error().slug + ": " + r.error().message + " — 未联署 (not cosigned)");
      code = 2;
    } else {
      say(stderr, clock, "错误 error " + r.error().slug + ": " + r.error().message);
      code = r.error().code == Code::kInvalidArgument ? 2 : 1;
      if (r.error().code == Code::kInvalidArgument || r.error().code == Code::kInternal) return code;  // would never pass
    }
    if (o.once) return code;
    for (int waited = 0; waited < o.interval_ms && !g_stop; waited += 100)
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(100, o.interval_ms - waited)));
    if (g_stop) return 0;
  }
}

}  // namespace sl::app
