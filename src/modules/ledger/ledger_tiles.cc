// C2SP tlog-tiles serving (c2sp.org/tlog-tiles): with the signed checkpoint, the hash tiles and
// entry bundles let anyone mirror the whole log and recompute its root from the entries alone.
//
// A tile's bytes are fully determined by its path: hash tile L/N[.p/W] holds the level-8L
// hashes N*256 .. N*256+W-1, entry bundle entries/N[.p/W] the entries N*256 .. N*256+W-1. So
// any tile whose hashes (or entries) all lie below the latest checkpoint's size is served,
// full or partial, and may be cached forever; anything else is 404 until a checkpoint covers
// it. Level-8L hashes are the complete-subtree nodes the checkpointer stores in ledger_nodes.
#include "modules/common/route_util.h"
#include "modules/ledger/ledger.h"
#include "modules/ledger/ledger_store.h"
#include "modules/ledger/tiles.h"

namespace sl::ledger {

using net::HttpRequest;
using net::HttpResponse;
using storage::Conn;

namespace {

// Longest canonical path: "63/x018/x446/x744/x073/x709/x551/615.p/255" is 42 characters.
constexpr size_t kMaxTilePathChars = 64;

// Complete nodes at tree level 8*tile_level in a tree of `size` leaves.
uint64_t complete_nodes(int tile_level, uint64_t size) { return tile_level >= 8 ? 0 : size >> (8 * tile_level); }

Error not_covered() { return Error::NotFound("tile_not_found", "该瓦片尚未被最新检查点覆盖"); }

// Entry bundle: each entry as a big-endian uint16 length, then its bytes.
Result<std::string> entry_bundle(Conn& c, uint64_t first, int width) {
  SL_ASSIGN(auto rows, store::entries_from(c, first, width));
  if (rows.size() != static_cast<size_t>(width)) return Error::Internal("ledger entries missing below the checkpoint");
  std::string out;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& [seq, entry] = rows[i];
    if (static_cast<uint64_t>(seq) != first + i) return Error::Internal("ledger entries are not contiguous");
    if (entry.size() > 0xFFFF) return Error::Internal("ledger entry too long for an entry bundle");
    out.push_back(static_cast<char>(entry.size() >> 8));
    out.push_back(static_cast<char>(entry.size() & 0xFF));
    out += entry;
  }
  return out;
}

// Hash tile: the level-8L node hashes, concatenated.
Result<std::string> hash_tile(Conn& c, int tile_level, uint64_t first, int width) {
  SL_ASSIGN(auto rows, store::nodes_range(c, kTileHeight * tile_level, first, static_cast<uint64_t>(width)));
  if (rows.size() != static_cast<size_t>(width)) return Error::Internal("ledger nodes missing below the checkpoint");
  std::string out;
  out.reserve(rows.size() * 32);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& [idx, hash] = rows[i];
    if (idx != first + i || hash.size() != 32) return Error::Internal("ledger nodes are not contiguous");
    out += hash;
  }
  return out;
}

}  // namespace

Result<std::string> Ledger::tile(std::string_view path) {
  auto bad = [] { return Error::Invalid("invalid_tile_path", "瓦片路径无效（须为 tlog-tiles 规范形式）"); };
  if (path.empty() || path.size() > kMaxTilePathChars) return bad();
  auto parsed = parse_tile_path("tile/" + std::string(path));
  if (!parsed.ok()) return bad();
  const TileRef ref = *parsed;
  return db_.read_value<std::string>([&](Conn& c) -> Result<std::string> {
    SL_ASSIGN(auto cp, store::latest_checkpoint(c));
    if (!cp) return not_covered();
    // Served iff index*256 + width <= the number of level-8L nodes (entries: leaves) below size.
    uint64_t available = complete_nodes(ref.entries ? 0 : ref.level, cp->size);
    uint64_t width = static_cast<uint64_t>(ref.width);
    if (available < width || ref.index > (available - width) / kTileWidth) return not_covered();
    uint64_t first = ref.index * kTileWidth;
    if (ref.entries) return entry_bundle(c, first, ref.width);
    return hash_tile(c, ref.level, first, ref.width);
  });
}

void register_tile_routes(net::Router& router, Ledger& ledger) {
  router.get("/api/v1/ledger/tile/{path...}", [&ledger](HttpRequest& req) -> HttpResponse {
    auto body = ledger.tile(req.path_param("path"));
    if (!body.ok()) {
      HttpResponse r = routes::problem(body.error(), req);
      r.set_header("Cache-Control", "no-cache");  // a tile not covered yet will be later
      return r;
    }
    HttpResponse r;
    r.content_type = "application/octet-stream";
    r.body = std::move(body).value();
    r.set_header("Cache-Control", "public, max-age=31536000, immutable");  // a tile's bytes never change
    return r;
  });
}

}  // namespace sl::ledger
