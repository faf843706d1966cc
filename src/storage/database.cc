// Shared parts of the storage interface: Row accessors, conveniences, backend selection.
#include "storage/database.h"

#include "storage/postgres/postgres_database.h"
#include "storage/sqlite/sqlite_database.h"

namespace sl::storage {

namespace {
const std::string kEmpty;
}

int64_t Row::i64(size_t i) const {
  const Value& v = v_.at(i);
  if (auto* p = std::get_if<int64_t>(&v)) return *p;
  if (auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  if (auto* s = std::get_if<std::string>(&v)) return s->empty() ? 0 : std::stoll(*s);
  return 0;
}

double Row::f64(size_t i) const {
  const Value& v = v_.at(i);
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* p = std::get_if<int64_t>(&v)) return static_cast<double>(*p);
  if (auto* s = std::get_if<std::string>(&v)) return s->empty() ? 0 : std::stod(*s);
  return 0;
}

const std::string& Row::str(size_t i) const {
  const Value& v = v_.at(i);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* b = std::get_if<Blob>(&v)) return b->bytes;
  return kEmpty;
}

std::optional<int64_t> Row::opt_i64(size_t i) const {
  if (is_null(i)) return std::nullopt;
  return i64(i);
}

std::optional<std::string> Row::opt_str(size_t i) const {
  if (is_null(i)) return std::nullopt;
  if (std::holds_alternative<int64_t>(v_.at(i))) return std::to_string(std::get<int64_t>(v_.at(i)));
  return str(i);
}

Result<std::optional<Row>> Conn::query_one(std::string_view sql, const Params& params) {
  SL_ASSIGN(Rows rows, query(sql, params));
  if (rows.empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(rows.front()));
}

Status Conn::exec_script(std::string_view sql) {
  // Split at ';' that ends a line, outside quotes. Our migrations keep to that shape.
  std::string stmt;
  bool in_single = false;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'') in_single = !in_single;
    if (!in_single && c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
      stmt.push_back('\n');
      continue;
    }
    stmt.push_back(c);
    if (!in_single && c == ';') {
      size_t j = i + 1;
      while (j < sql.size() && (sql[j] == ' ' || sql[j] == '\t' || sql[j] == '\r')) ++j;
      if (j >= sql.size() || sql[j] == '\n') {
        if (stmt.find_first_not_of(" \t\r\n;") != std::string::npos) SL_TRY(exec(stmt));
        stmt.clear();
      }
    }
  }
  if (stmt.find_first_not_of(" \t\r\n;") != std::string::npos) SL_TRY(exec(stmt));
  return Ok();
}

Result<std::unique_ptr<Database>> open_database(const DatabaseOptions& opts) {
  if (opts.url.rfind("sqlite:", 0) == 0) return open_sqlite(opts);
  if (opts.url.rfind("postgresql://", 0) == 0 || opts.url.rfind("postgres://", 0) == 0) return open_postgres(opts);
  return Error::Invalid("bad_database_url", "database.url 必须以 sqlite: 或 postgresql:// 开头");
}

}  // namespace sl::storage
