// Result<T> and Error: how every service reports failure without exceptions.
// The HTTP layer maps Error::code to a status and problem+json in one table
// (net/problem.cc); `slug` is the stable machine-readable code clients see.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace sl {

enum class Code {
  kInvalidArgument,     // 400 bad input
  kUnauthenticated,     // 401 no or bad credentials
  kForbidden,           // 403 authenticated but not allowed
  kNotFound,            // 404
  kGone,                // 410 existed, but its content was removed (erasure)
  kConflict,            // 409 unique violation, state conflict
  kPreconditionFailed,  // 412
  kPayloadTooLarge,     // 413
  kUnsupportedMedia,    // 415 content of a type we do not accept (uploads)
  kUnprocessable,       // 422 well-formed but semantically wrong (e.g. roster rows)
  kTooManyRequests,     // 429 throttled
  kRetry,               // transient: serialization failure / busy; retried by storage
  kUnavailable,         // 503 database unreachable
  kInternal,            // 500
};

struct Error {
  Code code = Code::kInternal;
  std::string slug;     // stable, e.g. "login_taken"; defaults from code
  std::string message;  // human readable (zh-CN first; clients may localise by slug)
  std::string details_json;  // optional JSON value with extra fields (e.g. row errors)

  static Error Invalid(std::string slug, std::string msg) { return {Code::kInvalidArgument, std::move(slug), std::move(msg), {}}; }
  static Error Unauthenticated(std::string msg = "需要登录") { return {Code::kUnauthenticated, "unauthenticated", std::move(msg), {}}; }
  static Error Forbidden(std::string msg = "没有权限执行此操作") { return {Code::kForbidden, "forbidden", std::move(msg), {}}; }
  static Error NotFound(std::string slug, std::string msg) { return {Code::kNotFound, std::move(slug), std::move(msg), {}}; }
  static Error Conflict(std::string slug, std::string msg) { return {Code::kConflict, std::move(slug), std::move(msg), {}}; }
  static Error Unprocessable(std::string slug, std::string msg, std::string details = {}) { return {Code::kUnprocessable, std::move(slug), std::move(msg), std::move(details)}; }
  static Error TooMany(std::string slug, std::string msg) { return {Code::kTooManyRequests, std::move(slug), std::move(msg), {}}; }
  static Error Unavailable(std::string msg) { return {Code::kUnavailable, "database_unavailable", std::move(msg), {}}; }
  static Error Retry(std::string msg) { return {Code::kRetry, "retry", std::move(msg), {}}; }
  static Error Internal(std::string msg) { return {Code::kInternal, "internal", std::move(msg), {}}; }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}      // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }
  Error&& take_error() { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : e_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *e_; }
  Error&& take_error() { return std::move(*e_); }

 private:
  std::optional<Error> e_;
};

using Status = Result<void>;

inline Status Ok() { return {}; }

// Propagate an error from an expression returning Result<...>/Status.
#define SL_TRY(expr)                                   \
  do {                                                 \
    auto&& sl_try_r_ = (expr);                         \
    if (!sl_try_r_.ok()) return sl_try_r_.take_error(); \
  } while (0)

#define SL_CONCAT_INNER(a, b) a##b
#define SL_CONCAT(a, b) SL_CONCAT_INNER(a, b)
// SL_ASSIGN(auto x, expr): x = value of expr, or return its error.
#define SL_ASSIGN(lhs, expr) SL_ASSIGN_IMPL(SL_CONCAT(sl_assign_r_, __LINE__), lhs, expr)
#define SL_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                   \
  if (!tmp.ok()) return tmp.take_error(); \
  lhs = std::move(tmp).value()

}  // namespace sl
