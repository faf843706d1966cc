-- Ledger performance (bench/ledger.sh, docs/performance.md "Ledger costs").
--
-- Merkle tree nodes keyed by one integer instead of the pair (level, idx). In SQLite that key
-- is the table's own rowid: finding a node is one b-tree descent instead of two (the
-- (level, idx) index, then the row) and the table carries no second b-tree.
--   level >= 8: id = level * 2^56 + idx. A level stays contiguous (tlog tiles read ranges).
--   level <  8: id = tile * 512 + slot. tile is the block of 256 leaves the node lies in; its
--               510 low nodes take slots level 7 first (2 nodes), level 6 (4), ..., level 0
--               last (256): slot = 2^(8 - level) - 2 + idx mod 2^(8 - level). The eight low
--               siblings in an inclusion proof then sit in a few neighbouring pages.
-- The levels >= 8 are what the server keeps in memory (node_cache.h).
CREATE TABLE ledger_nodes_by_id (
  id {{BIGINT}} PRIMARY KEY,
  hash {{BLOB}} NOT NULL
);
INSERT INTO ledger_nodes_by_id (id, hash)
SELECT CASE
         WHEN level >= 8 THEN level * 72057594037927936 + idx
         ELSE (idx / (1 << (8 - level))) * 512 + (1 << (8 - level)) - 2 + (idx % (1 << (8 - level)))
       END,
       hash
FROM ledger_nodes;
DROP TABLE ledger_nodes;
ALTER TABLE ledger_nodes_by_id RENAME TO ledger_nodes;
