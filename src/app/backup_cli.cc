#include "app/backup_cli.h"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/clock.h"
#include "core/encoding.h"
#include "storage/database.h"

#ifndef SL_VERSION
#define SL_VERSION "0.0.0"
#endif

namespace sl::app {
namespace {

namespace fs = std::filesystem;
namespace bj = boost::json;

constexpr const char* kFormat = "shangliang-backup/1";

struct DbFacts {
  int64_t schema_version = 0;
  int64_t ledger_tree_size = 0;
  int64_t ledger_checkpoint_size = 0;
};

bool is_sqlite(const std::string& url) { return url.rfind("sqlite:", 0) == 0; }

Result<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Error::Invalid("backup_unreadable", "无法读取文件: " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<std::string> file_sha256(const fs::path& p) {
  SL_ASSIGN(std::string bytes, read_file(p));
  return sha256_hex(bytes);
}

bool non_empty_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec) && !fs::is_empty(p, ec);
}

// Is `p` inside (or equal to) `dir`? Both made absolute and normal first.
bool inside(const fs::path& p, const fs::path& dir) {
  auto a = fs::weakly_canonical(fs::absolute(p)).string();
  auto d = fs::weakly_canonical(fs::absolute(dir)).string();
  if (a == d) return true;
  if (!d.empty() && d.back() != '/') d += '/';
  return a.rfind(d, 0) == 0;
}

bool same_path(const fs::path& a, const fs::path& b) {
  return fs::weakly_canonical(fs::absolute(a)) == fs::weakly_canonical(fs::absolute(b));
}

// Runs a program (no shell) and waits; its output goes to ours.
Status run_program(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return Error::Internal("fork 失败");
  if (pid == 0) {
    execvp(args[0], args.data());
    std::fprintf(stderr, "无法执行 %s\n", args[0]);
    _exit(127);
  }
  int st = 0;
  while (waitpid(pid, &st, 0) < 0) {
    if (errno != EINTR) return Error::Internal("waitpid 失败");
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return Ok();
  return Error::Unprocessable("tool_failed", argv[0] + " 失败 (exit " +
                                                 std::to_string(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st)) + ")");
}

// pg_dump / pg_restore: on PATH (Debian's wrappers in /usr/bin), else PostgreSQL 15's own.
std::string pg_tool(const std::string& name) {
  for (const char* dir : {"/usr/bin", "/usr/lib/postgresql/15/bin", "/usr/local/bin"}) {
    fs::path p = fs::path(dir) / name;
    if (access(p.c_str(), X_OK) == 0) return p.string();
  }
  return name;
}

Result<DbFacts> read_facts(storage::Conn& c) {
  DbFacts f;
  SL_ASSIGN(auto v, c.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  if (v) f.schema_version = v->i64(0);
  SL_ASSIGN(auto n, c.query_one("SELECT COUNT(*) FROM ledger_entries"));
  if (n) f.ledger_tree_size = n->i64(0);
  SL_ASSIGN(auto k, c.query_one("SELECT COALESCE(MAX(size), 0) FROM ledger_checkpoints"));
  if (k) f.ledger_checkpoint_size = k->i64(0);
  return f;
}

// SQLite facts on a raw handle, inside whatever read transaction it has open.
Result<DbFacts> sqlite_facts(sqlite3* db) {
  auto one = [db](const char* sql) -> Result<int64_t> {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK)
      return Error::Unprocessable("backup_sqlite", std::string("SQLite: ") + sqlite3_errmsg(db));
    int64_t v = 0;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
  };
  DbFacts f;
  SL_ASSIGN(f.schema_version, one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  SL_ASSIGN(f.ledger_tree_size, one("SELECT COUNT(*) FROM ledger_entries"));
  SL_ASSIGN(f.ledger_checkpoint_size, one("SELECT COALESCE(MAX(size), 0) FROM ledger_checkpoints"));
  return f;
}

// One read transaction on the live database: the facts, then the whole file through the
// backup API in a single step, so the copy is exactly that snapshot whatever the server writes.
Result<DbFacts> backup_sqlite(const std::string& src_path, const fs::path& dest) {
  if (!fs::exists(src_path)) return Error::NotFound("backup_no_database", "数据库文件不存在: " + src_path);
  sqlite3* src = nullptr;
  sqlite3* dst = nullptr;
  auto close_all = [&] {
    if (src) sqlite3_close(src);
    if (dst) sqlite3_close(dst);
  };
  auto fail = [&](sqlite3* h, const std::string& what) -> Error {
    std::string msg = what + ": " + (h ? sqlite3_errmsg(h) : "?");
    close_all();
    return Error::Unprocessable("backup_sqlite", "SQLite 备份失败 — " + msg);
  };
  // Read-write (never written): a read-only handle cannot always join a WAL database.
  if (sqlite3_open_v2(src_path.c_str(), &src, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) return fail(src, "open");
  sqlite3_busy_timeout(src, 10000);
  if (sqlite3_exec(src, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) return fail(src, "begin");
  auto facts = sqlite_facts(src);  // the first read fixes the snapshot the backup copies
  if (!facts.ok()) {
    close_all();
    return facts.take_error();
  }
  if (sqlite3_open_v2(dest.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
    return fail(dst, "create");
  sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
  if (!b) return fail(dst, "backup_init");
  int rc = sqlite3_backup_step(b, -1);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) return fail(dst, "backup_step");
  sqlite3_exec(src, "COMMIT", nullptr, nullptr, nullptr);
  // The copy is one self-contained file (no -wal beside it).
  if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr) != SQLITE_OK)
    return fail(dst, "journal_mode");
  close_all();
  return *facts;
}

// The transaction that reads the facts exports its snapshot, and pg_dump dumps that snapshot
// while the transaction stays open.
Result<DbFacts> backup_postgres(const std::string& url, const fs::path& dest) {
  storage::DatabaseOptions o;
  o.url = url;
  o.pool_size = 1;
  SL_ASSIGN(auto db, storage::open_database(o));
  DbFacts facts;
  Status s = db->read([&](storage::Conn& c) -> Status {
    SL_ASSIGN(auto snap, c.query_one("SELECT pg_export_snapshot()"));
    if (!snap) return Error::Internal("pg_export_snapshot 无结果");
    SL_ASSIGN(facts, read_facts(c));
    return run_program({pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                        "--snapshot=" + snap->str(0), "--file=" + dest.string(), "--dbname=" + url});
  });
  db->close();
  SL_TRY(s);
  return facts;
}

// Copies regular files under `from` to `to`, skipping `skip` paths; appends manifest rows.
Status copy_tree(const fs::path& from, const fs::path& to, const std::string& prefix, const std::vector<fs::path>& skip,
                 const fs::path& backup_root, bj::array& files) {
  std::error_code ec;
  if (!fs::is_directory(from, ec)) return Ok();
  for (auto it = fs::recursive_directory_iterator(from, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const fs::path& p = it->path();
    if (it->is_directory()) {
      if (inside(p, backup_root)) it.disable_recursion_pending();  // never back up the backup
      continue;
    }
    if (!it->is_regular_file()) continue;
    bool skipped = false;
    for (const auto& s : skip) skipped = skipped || same_path(p, s);
    if (skipped || inside(p, backup_root)) continue;
    fs::path rel = fs::relative(p, from);
    fs::path out = to / rel;
    fs::create_directories(out.parent_path());
    fs::copy_file(p, out, fs::copy_options::overwrite_existing, ec);
    if (ec) return Error::Unprocessable("backup_copy", "无法复制 " + p.string() + ": " + ec.message());
    SL_ASSIGN(std::string sum, file_sha256(out));
    files.push_back(bj::object{{"path", prefix + "/" + rel.generic_string()},
                               {"size", static_cast<int64_t>(fs::file_size(out))},
                               {"sha256", sum}});
  }
  if (ec) return Error::Unprocessable("backup_copy", "无法读取目录 " + from.string() + ": " + ec.message());
  return Ok();
}

Status write_atomically(const fs::path& p, const std::string& text) {
  fs::path tmp = p;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return Error::Unprocessable("backup_write", "无法写入 " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, p, ec);
  if (ec) return Error::Unprocessable("backup_write", "无法写入 " + p.string());
  return Ok();
}

fs::path uploads_dir(const Config& cfg) {
  return cfg.attachments.dir.empty() ? fs::path(cfg.data_dir) / "uploads" : fs::path(cfg.attachments.dir);
}

}  // namespace

namespace {

bool is_archive_name(const std::string& p) {
  auto ends = [&p](std::string_view suf) { return p.size() > suf.size() && p.compare(p.size() - suf.size(), suf.size(), suf) == 0; };
  return ends(".tar") || ends(".tar.gz") || ends(".tgz");
}

// A private scratch directory (mode 0700: it holds the keys for a moment).
Result<fs::path> scratch_dir(const fs::path& near) {
  std::string tmpl = (near / ".shangliang-backup-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) return Error::Invalid("backup_target", "无法创建临时目录于 " + near.string());
  return fs::path(tmpl);
}

Status backup_into(const Config& cfg, const fs::path& root);

}  // namespace

// DIR, or FILE.tar / FILE.tar.gz / FILE.tgz: the same directory, packed with tar.
Status run_backup(const Config& cfg, const std::string& target) {
  if (!is_archive_name(target)) return backup_into(cfg, fs::absolute(target));
  fs::path file = fs::absolute(target);
  if (fs::exists(file)) return Error::Conflict("backup_target_not_empty", "备份文件已存在: " + file.string());
  SL_ASSIGN(fs::path tmp, scratch_dir(file.parent_path()));
  Status s = backup_into(cfg, tmp);
  if (s.ok()) {
    std::string flags = target.ends_with(".tar") ? "-cf" : "-czf";
    s = run_program({"tar", flags, file.string(), "-C", tmp.string(), "."});
    if (s.ok()) std::printf("打包为 (archived as): %s\n", file.c_str());
  }
  std::error_code ec;
  fs::remove_all(tmp, ec);
  return s;
}

namespace {

Status backup_into(const Config& cfg, const fs::path& root) {
  if (non_empty_dir(root)) return Error::Conflict("backup_target_not_empty", "备份目录不是空的: " + root.string());
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return Error::Invalid("backup_target", "无法创建备份目录 " + root.string() + ": " + ec.message());

  bj::object db_info;
  bj::array files;
  std::vector<fs::path> skip;
  DbFacts facts;
  std::string db_file;
  if (is_sqlite(cfg.database.url)) {
    std::string path = cfg.database.url.substr(7);
    db_file = "database.sqlite";
    SL_ASSIGN(facts, backup_sqlite(path, root / db_file));
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) skip.push_back(fs::path(path + suffix));
    db_info["dialect"] = "sqlite";
  } else {
    db_file = "database.pgdump";
    SL_ASSIGN(facts, backup_postgres(cfg.database.url, root / db_file));
    db_info["dialect"] = "postgresql";
  }
  db_info["file"] = db_file;
  db_info["schema_version"] = facts.schema_version;
  db_info["ledger_tree_size"] = facts.ledger_tree_size;
  db_info["ledger_checkpoint_size"] = facts.ledger_checkpoint_size;
  SL_ASSIGN(std::string db_sum, file_sha256(root / db_file));
  files.push_back(bj::object{{"path", db_file},
                             {"size", static_cast<int64_t>(fs::file_size(root / db_file))},
                             {"sha256", db_sum}});

  // Then the files: keys, uploads and whatever else lives in data_dir.
  SL_TRY(copy_tree(cfg.data_dir, root / "data", "data", skip, root, files));
  fs::path up = uploads_dir(cfg);
  bool external_uploads = !inside(up, cfg.data_dir);
  if (external_uploads) SL_TRY(copy_tree(up, root / "uploads", "uploads", skip, root, files));

  bj::object manifest{{"format", kFormat},
                      {"version", SL_VERSION},
                      {"created_at", format_iso8601(SystemClock().now_ms())},
                      {"database", db_info},
                      {"external_uploads", external_uploads},
                      {"files", files}};
  SL_TRY(write_atomically(root / "manifest.json", bj::serialize(manifest) + "\n"));
  std::printf("备份完成 (backup written): %s\n数据库: %s, 迁移版本 %lld, 账本 %lld 条 (checkpoint %lld), 文件 %zu 个\n",
              root.c_str(), db_info["dialect"].as_string().c_str(), static_cast<long long>(facts.schema_version),
              static_cast<long long>(facts.ledger_tree_size), static_cast<long long>(facts.ledger_checkpoint_size),
              files.size());
  return Ok();
}

}  // namespace

namespace {
Status restore_from(const Config& cfg, const fs::path& root, bool force);
}  // namespace

Status run_restore(const Config& cfg, const std::string& source, bool force) {
  fs::path src = fs::absolute(source);
  if (!fs::is_regular_file(src)) return restore_from(cfg, src, force);
  SL_ASSIGN(fs::path tmp, scratch_dir(src.parent_path()));
  Status s = run_program({"tar", "-xf", src.string(), "-C", tmp.string()});
  if (s.ok()) s = restore_from(cfg, tmp, force);
  std::error_code ec;
  fs::remove_all(tmp, ec);
  return s;
}

namespace {

Status restore_from(const Config& cfg, const fs::path& root, bool force) {
  SL_ASSIGN(std::string text, read_file(root / "manifest.json"));
  boost::system::error_code jec;
  bj::value mv = bj::parse(text, jec);
  if (jec || !mv.is_object() || !mv.as_object().contains("format") ||
      mv.as_object().at("format") != bj::value(kFormat))
    return Error::Invalid("backup_manifest", "不是商量的备份 (manifest.json 无法识别): " + root.string());
  const bj::object& m = mv.as_object();
  const bj::object& dbi = m.at("database").as_object();
  std::string dialect(dbi.at("dialect").as_string());
  std::string db_file(dbi.at("file").as_string());
  int64_t schema_version = dbi.at("schema_version").to_number<int64_t>();
  int64_t tree_size = dbi.at("ledger_tree_size").to_number<int64_t>();

  // 1. Every file intact.
  for (const auto& fv : m.at("files").as_array()) {
    const auto& f = fv.as_object();
    std::string rel(f.at("path").as_string());
    if (rel.find("..") != std::string::npos || (!rel.empty() && rel[0] == '/'))
      return Error::Invalid("backup_manifest", "manifest.json 中的路径无效: " + rel);
    auto sum = file_sha256(root / rel);
    if (!sum.ok() || *sum != f.at("sha256").as_string())
      return Error::Unprocessable("backup_corrupt", "备份文件缺失或已损坏 (checksum): " + rel);
  }

  // 2. The target: same dialect, and empty unless --force.
  bool target_sqlite = is_sqlite(cfg.database.url);
  if ((dialect == "sqlite") != target_sqlite)
    return Error::Invalid("backup_dialect", "备份的数据库是 " + dialect + "，目标 database.url 不是同一种数据库");
  fs::path data_dir = fs::absolute(cfg.data_dir);
  std::string sqlite_path = target_sqlite ? cfg.database.url.substr(7) : "";
  if (!force) {
    bool db_in_data = target_sqlite && inside(sqlite_path, data_dir);
    // data_dir holding only the (absent) database does not count; anything else does.
    std::error_code ec;
    if (non_empty_dir(data_dir)) {
      for (const auto& e : fs::directory_iterator(data_dir, ec)) {
        if (db_in_data && fs::absolute(e.path()) == fs::absolute(fs::path(sqlite_path).parent_path())) continue;
        return Error::Conflict("restore_target_not_empty", "目标 data_dir 不是空的 (用 --force 覆盖): " + data_dir.string());
      }
    }
    if (target_sqlite && fs::exists(sqlite_path))
      return Error::Conflict("restore_target_not_empty", "目标数据库文件已存在 (用 --force 覆盖): " + sqlite_path);
  }
  std::unique_ptr<storage::Database> pg;
  if (!target_sqlite) {
    storage::DatabaseOptions o;
    o.url = cfg.database.url;
    o.pool_size = 1;
    SL_ASSIGN(pg, storage::open_database(o));
    SL_ASSIGN(auto tables, pg->read_value<int64_t>([](storage::Conn& c) -> Result<int64_t> {
      SL_ASSIGN(auto r, c.query_one("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"));
      return r ? r->i64(0) : 0;
    }));
    if (tables > 0 && !force) {
      pg->close();
      return Error::Conflict("restore_target_not_empty", "目标 PostgreSQL 数据库已有数据表 (用 --force 覆盖)");
    }
    if (tables > 0) {
      SL_TRY(pg->write([](storage::Conn& c) -> Status {
        SL_TRY(c.exec("DROP SCHEMA public CASCADE"));
        SL_TRY(c.exec("CREATE SCHEMA public"));
        return Ok();
      }));
    }
  }

  // 3. Files first (keys, uploads), then the database.
  auto copy_back = [&](const std::string& prefix, const fs::path& dest) -> Status {
    for (const auto& fv : m.at("files").as_array()) {
      std::string rel(fv.as_object().at("path").as_string());
      if (rel.rfind(prefix + "/", 0) != 0) continue;
      fs::path out = dest / rel.substr(prefix.size() + 1);
      std::error_code ec;
      fs::create_directories(out.parent_path(), ec);
      fs::copy_file(root / rel, out, fs::copy_options::overwrite_existing, ec);
      if (ec) return Error::Unprocessable("restore_copy", "无法写入 " + out.string() + ": " + ec.message());
    }
    return Ok();
  };
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  SL_TRY(copy_back("data", data_dir));
  if (m.contains("external_uploads") && m.at("external_uploads").as_bool()) SL_TRY(copy_back("uploads", uploads_dir(cfg)));

  if (target_sqlite) {
    fs::path dest(sqlite_path);
    if (dest.has_parent_path()) fs::create_directories(dest.parent_path(), ec);
    fs::path tmp = dest;
    tmp += ".restore-tmp";
    fs::copy_file(root / db_file, tmp, fs::copy_options::overwrite_existing, ec);
    if (ec) return Error::Unprocessable("restore_copy", "无法写入 " + tmp.string() + ": " + ec.message());
    for (const char* suffix : {"-wal", "-shm", "-journal"}) fs::remove(sqlite_path + suffix, ec);
    fs::rename(tmp, dest, ec);
    if (ec) return Error::Unprocessable("restore_copy", "无法写入 " + dest.string() + ": " + ec.message());
  } else {
    SL_TRY(run_program({pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                        "--dbname=" + cfg.database.url, (root / db_file).string()}));
  }

  // 4. What came back is what the manifest describes.
  storage::DatabaseOptions o;
  o.url = cfg.database.url;
  o.pool_size = 1;
  if (pg) pg->close();
  SL_ASSIGN(auto db, storage::open_database(o));
  SL_ASSIGN(DbFacts got, db->read_value<DbFacts>([](storage::Conn& c) { return read_facts(c); }));
  db->close();
  if (got.schema_version != schema_version || got.ledger_tree_size != tree_size)
    return Error::Unprocessable("restore_mismatch", "恢复后的数据库与备份清单不符 (迁移版本或账本条数)");
  std::printf("恢复完成 (restored): 迁移版本 %lld, 账本 %lld 条\n下一步: shangliang ledger verify --data %s\n",
              static_cast<long long>(got.schema_version), static_cast<long long>(got.ledger_tree_size),
              data_dir.c_str());
  return Ok();
}

}  // namespace

}  // namespace sl::app
