// BlobStore: see blob_store.h.
#include "modules/attachments/blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

namespace sl::attachments {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTempPrefix = ".tmp-";

Error io_error(const std::string& what, int err) {
  return Error::Internal("附件存储失败：" + what + "：" + std::strerror(err));
}

Status fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("打开目录 " + dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("同步目录 " + dir, err);
  return Ok();
}

std::string temp_suffix() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  uint64_t v = rng();
  for (int i = 0; i < 16; ++i) s += kHex[(v >> (4 * i)) & 0xf];
  return s;
}

}  // namespace

BlobStore::BlobStore(std::string dir) : dir_(std::move(dir)) {
  while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
}

Status BlobStore::init() {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Error::Internal("无法创建附件目录 " + dir_ + "：" + ec.message());
  return Ok();
}

bool BlobStore::valid_sha(std::string_view sha) {
  if (sha.size() != 64) return false;
  for (char c : sha)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string BlobStore::path_of(std::string_view sha) const {
  std::string p = dir_;
  p += '/';
  p.append(sha.substr(0, 2));
  p += '/';
  p.append(sha);
  return p;
}

bool BlobStore::has(std::string_view sha, uint64_t size) const {
  struct stat st {};
  if (::stat(path_of(sha).c_str(), &st) != 0) return false;
  return S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) == size;
}

Result<bool> BlobStore::put(std::string_view sha, std::string_view bytes) {
  if (!valid_sha(sha)) return Error::Internal("invalid blob name");
  if (has(sha, bytes.size())) return false;
  std::string shard = dir_ + "/" + std::string(sha.substr(0, 2));
  if (::mkdir(shard.c_str(), 0755) != 0 && errno != EEXIST) return io_error("创建目录 " + shard, errno);
  std::string final_path = path_of(sha);
  std::string temp = shard + "/" + std::string(kTempPrefix) + std::string(sha.substr(0, 16)) + "-" + temp_suffix();
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("创建临时文件", errno);
  auto fail = [&](const std::string& what, int err) -> Error {
    ::close(fd);
    ::unlink(temp.c_str());
    return io_error(what, err);
  };
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("写入", errno);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("同步文件", errno);
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return io_error("关闭文件", err);
  }
  if (::rename(temp.c_str(), final_path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return io_error("重命名", err);
  }
  if (Status synced = fsync_dir(shard); !synced.ok()) {
    ::unlink(final_path.c_str());
    return synced.take_error();
  }
  return true;
}

Status BlobStore::remove(std::string_view sha) {
  if (!valid_sha(sha)) return Error::Internal("invalid blob name");
  if (::unlink(path_of(sha).c_str()) != 0 && errno != ENOENT) return io_error("删除文件", errno);
  return Ok();
}

Result<std::vector<BlobStore::Entry>> BlobStore::list(TimeMs stale_before_ms, int& stale_removed) const {
  std::vector<Entry> out;
  std::error_code ec;
  fs::directory_iterator shards(dir_, ec);
  if (ec) return Error::Internal("无法读取附件目录 " + dir_ + "：" + ec.message());
  for (const auto& shard : shards) {
    std::string shard_name = shard.path().filename().string();
    if (shard_name.size() != 2 || !shard.is_directory(ec)) continue;
    fs::directory_iterator files(shard.path(), ec);
    if (ec) continue;
    for (const auto& f : files) {
      std::string name = f.path().filename().string();
      struct stat st {};
      if (::lstat(f.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      TimeMs mtime = static_cast<TimeMs>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
      if (name.compare(0, kTempPrefix.size(), kTempPrefix) == 0) {
        if (mtime < stale_before_ms && ::unlink(f.path().c_str()) == 0) ++stale_removed;
        continue;
      }
      if (!valid_sha(name) || name.compare(0, 2, shard_name) != 0) continue;
      out.push_back(Entry{name, mtime});
    }
  }
  return out;
}

std::mutex& BlobStore::lock(std::string_view sha) {
  size_t i = 0;
  if (valid_sha(sha)) {
    auto hex = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    i = static_cast<size_t>(hex(sha[0]) * 16 + hex(sha[1]));
  }
  return stripes_[i % stripes_.size()];
}

}  // namespace sl::attachments
