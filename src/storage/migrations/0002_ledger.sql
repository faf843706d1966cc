-- The ledger (全程留痕): an append-only log of every change to a record, the leaves of an
-- RFC 9162 Merkle tree. Entries hold no personal data or content: a pseudonymous actor id and
-- a salted SHA-256 of the object's content, whose salt is stored with the content itself.

CREATE TABLE ledger_entries (
  seq {{BIGINT}} PRIMARY KEY,
  at {{BIGINT}} NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  entry TEXT NOT NULL
);
CREATE INDEX ledger_entries_object_idx ON ledger_entries (object_type, object_id, seq);

-- Hashes of complete, aligned subtrees (level 0 = leaves), derived from the entries by the
-- checkpointer; a cache that can always be rebuilt from ledger_entries.
CREATE TABLE ledger_nodes (
  level INTEGER NOT NULL,
  idx {{BIGINT}} NOT NULL,
  hash {{BLOB}} NOT NULL,
  PRIMARY KEY (level, idx)
);

CREATE TABLE ledger_checkpoints (
  size {{BIGINT}} PRIMARY KEY,
  root {{BLOB}} NOT NULL,
  note TEXT NOT NULL,
  created_at {{BIGINT}} NOT NULL
);

ALTER TABLE orgs ADD COLUMN ledger_salt TEXT;
ALTER TABLE sectors ADD COLUMN ledger_salt TEXT;
ALTER TABLE memberships ADD COLUMN ledger_salt TEXT;
ALTER TABLE people ADD COLUMN ledger_salt TEXT;
