// StaticFiles: see static_files.h. Paths are validated segment by segment before they touch
// the file system, and the resolved file must still lie under the canonical root (symlinks).
#include "net/static_files.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <vector>

namespace sl::net {

namespace fs = std::filesystem;

struct StaticFiles::File {
  struct Variant {
    std::shared_ptr<const std::string> data;
    std::string etag;
  };
  Variant identity, br, gz;
};

namespace {

std::string_view extension(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  return name.substr(dot + 1);
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Turns the decoded request path into a relative path below the root, or returns false if
// it could escape or name something we never serve (dot files, NUL, backslashes).
bool safe_relative(std::string_view path, std::string& rel) {
  rel.clear();
  if (path.empty() || path.front() != '/') return false;
  if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos) return false;
  size_t pos = 1;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(pos, slash - pos);
    pos = slash + 1;
    if (seg.empty()) continue;
    if (seg.front() == '.') return false;  // "..", ".", ".env", ".git"
    if (!rel.empty()) rel += '/';
    rel.append(seg);
  }
  return true;
}

std::string etag_of(const std::string& data, std::string_view suffix) {
  uint64_t h = 1469598103934665603ULL;  // FNV-1a 64
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "\"%016llx-%zx", static_cast<unsigned long long>(h), data.size());
  std::string tag(buf, static_cast<size_t>(n));
  tag.append(suffix);
  tag += '"';
  return tag;
}

std::shared_ptr<const std::string> read_file(const fs::path& p) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return nullptr;
  std::ifstream in(p, std::ios::binary);
  if (!in) return nullptr;
  auto data = std::make_shared<std::string>();
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0) return nullptr;
  in.seekg(0, std::ios::beg);
  data->resize(static_cast<size_t>(size));
  if (size > 0 && !in.read(data->data(), size)) return nullptr;
  return data;
}

// q-value of `coding` in an Accept-Encoding header (0 if not acceptable).
double accepts(std::string_view header, std::string_view coding) {
  double star = -1;
  std::string_view rest = header;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    size_t semi = item.find(';');
    std::string_view name = trim(item.substr(0, semi));
    double q = 1.0;
    if (semi != std::string_view::npos) {
      std::string_view params = item.substr(semi + 1);
      size_t qpos = params.find("q=");
      if (qpos != std::string_view::npos) {
        std::string qs(trim(params.substr(qpos + 2)));
        q = std::atof(qs.c_str());
      }
    }
    if (iequals(name, coding)) return q;
    if (name == "*") star = q;
  }
  return star > 0 ? star : 0;
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  std::string_view rest = if_none_match;
  std::string_view want = etag;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (item == "*") return true;
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);  // weak comparison (RFC 9110 13.1.2)
    if (item == want) return true;
  }
  return false;
}

}  // namespace

StaticFiles::StaticFiles(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

StaticFiles::~StaticFiles() = default;

std::string_view StaticFiles::mime_type(std::string_view path) {
  std::string ext(extension(path));
  for (char& c : ext) c = lower(c);
  static const std::array<std::pair<std::string_view, std::string_view>, 18> kTypes = {{
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"woff2", "font/woff2"},
      {"woff", "font/woff"},
      {"json", "application/json"},
      {"webmanifest", "application/manifest+json"},
      {"map", "application/json"},
      {"txt", "text/plain; charset=utf-8"},
      {"wasm", "application/wasm"},
  }};
  for (const auto& [e, t] : kTypes) {
    if (e == ext) return t;
  }
  return "application/octet-stream";
}

std::shared_ptr<const StaticFiles::File> StaticFiles::load(const std::string& rel) const {
  {
    std::shared_lock lock(mu_);
    auto it = cache_.find(rel);
    if (it != cache_.end()) return it->second;
  }
  fs::path full = fs::path(root_) / rel;
  std::error_code ec;
  if (!fs::is_regular_file(full, ec)) return nullptr;
  // Refuse files reached through a symlink pointing outside the root.
  fs::path canon_root = fs::canonical(root_, ec);
  if (ec) return nullptr;
  fs::path canon = fs::canonical(full, ec);
  if (ec) return nullptr;
  std::string r = canon_root.native() + "/";
  if (canon.native().compare(0, r.size(), r) != 0) return nullptr;

  auto file = std::make_shared<File>();
  file->identity.data = read_file(full);
  if (!file->identity.data) return nullptr;
  file->identity.etag = etag_of(*file->identity.data, "");
  fs::path br = full;
  br += ".br";
  if ((file->br.data = read_file(br))) file->br.etag = etag_of(*file->br.data, "-br");
  fs::path gz = full;
  gz += ".gz";
  if ((file->gz.data = read_file(gz))) file->gz.etag = etag_of(*file->gz.data, "-gz");

  size_t total = file->identity.data->size() + (file->br.data ? file->br.data->size() : 0) +
                 (file->gz.data ? file->gz.data->size() : 0);
  if (total > kMaxCachedFileBytes) return file;  // served, not kept
  std::unique_lock lock(mu_);
  auto [it, inserted] = cache_.emplace(rel, file);
  return it->second;
}

HttpResponse StaticFiles::serve(const HttpRequest& req) const {
  std::string rel;
  if (!safe_relative(req.path, rel)) {
    return HttpResponse::problem(404, "not_found", "找不到该文件", req.path);
  }
  bool has_ext = !extension(rel).empty();
  std::shared_ptr<const File> file;
  std::string served = rel;
  if (!rel.empty()) file = load(rel);
  if (!file && !has_ext) {
    // SPA fallback: client-side routes (and directories) get the app shell.
    served = "index.html";
    file = load(served);
  }
  if (!file) {
    std::error_code ec;
    if (!fs::is_regular_file(fs::path(root_) / "index.html", ec)) {
      return HttpResponse::problem(503, "web_ui_not_built",
                                   "网页界面尚未构建：请在 web/ 目录运行 npm run build，或检查 server.web_root（" + root_ + "）",
                                   req.path);
    }
    return HttpResponse::problem(404, "not_found", "找不到该文件", req.path);
  }

  const File::Variant* v = &file->identity;
  const char* encoding = nullptr;
  bool compressed_exists = file->br.data || file->gz.data;
  if (compressed_exists) {
    std::string_view ae = req.header("accept-encoding");
    if (!ae.empty()) {
      if (file->br.data && accepts(ae, "br") > 0) {
        v = &file->br;
        encoding = "br";
      } else if (file->gz.data && (accepts(ae, "gzip") > 0 || accepts(ae, "x-gzip") > 0)) {
        v = &file->gz;
        encoding = "gzip";
      }
    }
  }

  HttpResponse r;
  r.content_type = std::string(mime_type(served));
  r.set_header("ETag", v->etag);
  bool immutable = served.compare(0, 7, "assets/") == 0;
  r.set_header("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (compressed_exists) r.set_header("Vary", "Accept-Encoding");
  std::string_view inm = req.header("if-none-match");
  if (!inm.empty() && etag_matches(inm, v->etag)) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  if (encoding) r.set_header("Content-Encoding", encoding);
  r.status = 200;
  r.shared_body = v->data;
  return r;
}

}  // namespace sl::net
