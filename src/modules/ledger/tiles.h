// C2SP tlog-tiles (c2sp.org/tlog-tiles): tile and entry-bundle paths.
//
// A tile at level L, index N holds the Merkle tree hashes of level 8*L (subtrees of 256^L
// leaves) with indices [N*256, N*256 + width): a full tile has 256 of them, a partial tile
// (the right edge of a tree) 1..255. The entry bundle N holds entries [N*256, N*256 + width).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sl::ledger {

inline constexpr int kTileWidth = 256;   // hashes in a full tile
inline constexpr int kTileHeight = 8;    // tree levels per tile level
inline constexpr int kMaxTileLevel = 63;

// "tile/<L>/<N>[.p/<W>]": L decimal 0..63, N as zero-padded 3-digit elements, all but the last
// prefixed with "x" (1234067 -> "x001/x234/067"), ".p/<W>" only for a partial tile of width
// W in 1..255 (partial_width 0, or 256, means a full tile). Returns "" for an invalid level or
// width.
std::string tile_path(int level, uint64_t index, int partial_width = 0);
// "tile/entries/<N>[.p/<W>]".
std::string entries_path(uint64_t index, int partial_width = 0);

struct TileRef {
  bool entries;   // true: an entry bundle (level is then 0)
  int level;
  uint64_t index;
  int width;      // 256 for full
};

// Parses "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]" (the part of a URL path from
// "tile/" on). Rejects every non-canonical spelling: leading zeros in L or W, a missing or
// extra "x" element, elements that are not exactly 3 digits, W of 0 or >= 256, L > 63, an
// index that overflows 64 bits, and anything else that tile_path would not produce.
Result<TileRef> parse_tile_path(std::string_view path);

// For a tree of `size` leaves: the number of full tiles at `level` (floor(size / 256^(L+1)))
// and the width of the partial tile there (floor(size / 256^L) mod 256; 0 if there is none).
uint64_t full_tile_count(int level, uint64_t size);
int partial_tile_width(int level, uint64_t size);

}  // namespace sl::ledger
