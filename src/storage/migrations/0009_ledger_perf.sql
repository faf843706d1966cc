-- Ledger performance (bench/ledger.sh, docs/performance.md "Ledger costs").
--
-- Merkle tree nodes keyed by one integer, id = level * 2^56 + index (level < 64, index < 2^56),
-- instead of the pair (level, idx). In SQLite that key is the table's own rowid, so finding a
-- node is one b-tree descent instead of two (the (level, idx) index, then the row), and the
-- table carries no second b-tree: proofs read half the pages, the checkpointer writes half.
-- Nodes of one level stay contiguous, so tiles still read a level's range in one scan.
CREATE TABLE ledger_nodes_by_id (
  id {{BIGINT}} PRIMARY KEY,
  hash {{BLOB}} NOT NULL
);
INSERT INTO ledger_nodes_by_id (id, hash) SELECT level * 72057594037927936 + idx, hash FROM ledger_nodes;
DROP TABLE ledger_nodes;
ALTER TABLE ledger_nodes_by_id RENAME TO ledger_nodes;
