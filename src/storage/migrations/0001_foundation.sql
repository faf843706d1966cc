-- Foundation: organisations, sectors, people, memberships (roles), sessions, SMS codes,
-- idempotency records. Times are Unix milliseconds; booleans are 0/1 integers.

CREATE TABLE orgs (
  id {{ID}},
  parent_id {{BIGINT}} REFERENCES orgs(id),
  name TEXT NOT NULL,
  level TEXT NOT NULL CHECK (level IN ('national','province','city','county','township','village')),
  kind TEXT NOT NULL CHECK (kind IN ('cppcc','congress','council','department','other')),
  path TEXT NOT NULL DEFAULT '',
  created_at {{BIGINT}} NOT NULL,
  updated_at {{BIGINT}} NOT NULL,
  version {{BIGINT}} NOT NULL DEFAULT 1
);
CREATE INDEX orgs_parent_idx ON orgs (parent_id, id);
CREATE INDEX orgs_path_idx ON orgs (path);

CREATE TABLE sectors (
  id {{ID}},
  org_id {{BIGINT}} NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  created_at {{BIGINT}} NOT NULL,
  UNIQUE (org_id, name)
);

CREATE TABLE people (
  id {{ID}},
  login TEXT UNIQUE,
  mobile TEXT UNIQUE,
  display_name TEXT NOT NULL,
  password_hash TEXT,
  is_superadmin INTEGER NOT NULL DEFAULT 0,
  is_public INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','disabled')),
  locale TEXT NOT NULL DEFAULT 'zh-CN',
  elderly_mode INTEGER NOT NULL DEFAULT 0,
  created_at {{BIGINT}} NOT NULL,
  updated_at {{BIGINT}} NOT NULL
);

CREATE TABLE memberships (
  id {{ID}},
  person_id {{BIGINT}} NOT NULL REFERENCES people(id),
  org_id {{BIGINT}} NOT NULL REFERENCES orgs(id),
  role TEXT NOT NULL CHECK (role IN ('member','staff','leader','responder','admin')),
  sector_id {{BIGINT}} REFERENCES sectors(id),
  created_at {{BIGINT}} NOT NULL,
  UNIQUE (person_id, org_id, role)
);
CREATE INDEX memberships_org_idx ON memberships (org_id, id);
CREATE INDEX memberships_sector_idx ON memberships (sector_id);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  person_id {{BIGINT}} NOT NULL REFERENCES people(id),
  kind TEXT NOT NULL,
  created_at {{BIGINT}} NOT NULL,
  expires_at {{BIGINT}} NOT NULL
);
CREATE INDEX sessions_person_idx ON sessions (person_id);

CREATE TABLE sms_codes (
  id {{ID}},
  mobile TEXT NOT NULL,
  purpose TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  created_at {{BIGINT}} NOT NULL,
  expires_at {{BIGINT}} NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  used INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sms_codes_mobile_idx ON sms_codes (mobile, purpose, id);

CREATE TABLE idempotency_keys (
  scope TEXT NOT NULL,
  idem_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL DEFAULT 0,
  content_type TEXT,
  headers TEXT,
  body TEXT,
  created_at {{BIGINT}} NOT NULL,
  PRIMARY KEY (scope, idem_key)
);
