#include "modules/ledger/tiles.h"

namespace sl::ledger {

namespace {

std::string three_digits(uint64_t v) {
  std::string s = std::to_string(v);
  return std::string(3 - s.size(), '0') + s;
}

std::string encode_index(uint64_t n) {
  std::string out = three_digits(n % 1000);
  for (n /= 1000; n > 0; n /= 1000) out = "x" + three_digits(n % 1000) + "/" + out;
  return out;
}

std::string with_width(std::string path, int partial_width) {
  if (partial_width > 0 && partial_width < kTileWidth) path += ".p/" + std::to_string(partial_width);
  return path;
}

bool valid_width(int w) { return w >= 0 && w <= kTileWidth; }

// Parses a canonical decimal (no sign, no leading zeros) into [0, max].
bool parse_decimal(std::string_view s, int max, int& out) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v > max) return false;
  out = v;
  return true;
}

// floor(size / 256^level) (0 once 256^level exceeds every uint64_t).
uint64_t div_pow256(uint64_t size, int level) { return level >= 8 ? 0 : size >> (8 * level); }

}  // namespace

std::string tile_path(int level, uint64_t index, int partial_width) {
  if (level < 0 || level > kMaxTileLevel || !valid_width(partial_width)) return {};
  return with_width("tile/" + std::to_string(level) + "/" + encode_index(index), partial_width);
}

std::string entries_path(uint64_t index, int partial_width) {
  if (!valid_width(partial_width)) return {};
  return with_width("tile/entries/" + encode_index(index), partial_width);
}

Result<TileRef> parse_tile_path(std::string_view path) {
  auto bad = [](std::string msg) { return Error::Invalid("bad_tile_path", std::move(msg)); };
  if (!path.starts_with("tile/")) return bad("tile path must start with tile/");
  std::string_view rest = path.substr(5);
  TileRef ref{false, 0, 0, kTileWidth};
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return bad("tile path has no index");
  std::string_view level = rest.substr(0, slash);
  rest.remove_prefix(slash + 1);
  if (level == "entries") {
    ref.entries = true;
  } else if (!parse_decimal(level, kMaxTileLevel, ref.level)) {
    return bad("tile level must be 0..63 without leading zeros");
  }
  // Optional ".p/<W>" suffix.
  size_t dot = rest.find(".p/");
  if (dot != std::string_view::npos) {
    int w = 0;
    if (!parse_decimal(rest.substr(dot + 3), kTileWidth - 1, w) || w == 0) return bad("partial width must be 1..255");
    ref.width = w;
    rest = rest.substr(0, dot);
  }
  // Index: "x" + 3 digits + "/" repeated, then 3 digits.
  uint64_t n = 0;
  while (true) {
    bool last = rest.size() == 3;
    if (!last && (rest.size() < 5 || rest[0] != 'x' || rest[4] != '/')) return bad("malformed tile index");
    std::string_view digits = last ? rest : rest.substr(1, 3);
    uint64_t group = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return bad("malformed tile index");
      group = group * 10 + uint64_t(c - '0');
    }
    if (n > (UINT64_MAX - group) / 1000) return bad("tile index overflows");
    n = n * 1000 + group;
    if (last) break;
    rest.remove_prefix(5);
  }
  ref.index = n;
  // Canonical form only (e.g. no "x000/" leading groups).
  std::string canonical = ref.entries ? entries_path(ref.index, ref.width) : tile_path(ref.level, ref.index, ref.width);
  if (canonical != path) return bad("non-canonical tile path");
  return ref;
}

uint64_t full_tile_count(int level, uint64_t size) {
  if (level < 0) return 0;
  return div_pow256(size, level + 1);
}

int partial_tile_width(int level, uint64_t size) {
  if (level < 0) return 0;
  return int(div_pow256(size, level) % kTileWidth);
}

}  // namespace sl::ledger
