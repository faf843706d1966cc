-- Erasure (内容删除): content removed from storage for moderation or a person's right to
-- deletion. The record's earlier ledger entries stay and still verify; the removal is one more
-- entry "<type>.erased" with an empty content hash, and a row here says when, under which entry
-- and why, so the API can answer "removed, when, under which entry" instead of "not found".
CREATE TABLE ledger_erasures (
  object_type TEXT NOT NULL,
  object_id {{BIGINT}} NOT NULL,
  seq {{BIGINT}} NOT NULL UNIQUE REFERENCES ledger_entries(seq),
  at {{BIGINT}} NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (object_type, object_id)
);

-- A person whose personal data was erased stays as a tombstone (id, erased_at; every personal
-- field emptied) so that references from other records keep working.
ALTER TABLE people ADD COLUMN erased_at {{BIGINT}};
