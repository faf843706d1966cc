-- Attachments: uploaded documents, images and voice messages. The bytes live outside the
-- database, content-addressed by SHA-256 (attachments.dir); a row says who uploaded what
-- under which name, and to which record it is attached (scope_type/scope_id, NULL until
-- attached: an upload never attached is removed after attachments.unattached_ttl_hours).

CREATE TABLE attachments (
  id {{ID}},
  sha256 TEXT NOT NULL,
  size {{BIGINT}} NOT NULL,
  mime TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('document','image','voice')),
  name TEXT NOT NULL,
  owner_id {{BIGINT}} NOT NULL REFERENCES people(id),
  created_at {{BIGINT}} NOT NULL,
  scope_type TEXT,
  scope_id {{BIGINT}},
  thumbnail_sha256 TEXT,
  width INTEGER,
  height INTEGER,
  ledger_salt TEXT
);
CREATE INDEX attachments_owner_idx ON attachments (owner_id, created_at);
CREATE INDEX attachments_scope_idx ON attachments (scope_type, scope_id, id);
CREATE INDEX attachments_sha_idx ON attachments (sha256);
CREATE INDEX attachments_thumbnail_idx ON attachments (thumbnail_sha256);
CREATE INDEX attachments_unattached_idx ON attachments (created_at) WHERE scope_id IS NULL;
