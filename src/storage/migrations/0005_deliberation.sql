-- Deliberations (网络议政协商会): thematic online consultations of one organisation or joint
-- across several, with guiding sub-topics, phases, invited departments and experts; posts
-- (articles, two-level replies, public comments), likes, edit versions, moderation, reports
-- and bans; points split from posts and answered by departments (认领回应); and a per-
-- deliberation event log whose sequence numbers the live hub uses. Times are Unix ms.

CREATE TABLE deliberations (
  id {{ID}},
  org_id {{BIGINT}} NOT NULL REFERENCES orgs(id),      -- the host organisation
  theme TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',               -- Markdown
  description_html TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft','open','closed','archived')),
  public_mode TEXT NOT NULL DEFAULT 'closed' CHECK (public_mode IN ('closed','read','comment')),
  sectors_only INTEGER NOT NULL DEFAULT 0,            -- 1: only members of deliberation_sectors take part
  current_phase_id {{BIGINT}},
  last_seq {{BIGINT}} NOT NULL DEFAULT 0,             -- the event log's latest sequence number
  visits {{BIGINT}} NOT NULL DEFAULT 0,               -- 围观人次 (one per visitor per day)
  unique_viewers {{BIGINT}} NOT NULL DEFAULT 0,
  post_count {{BIGINT}} NOT NULL DEFAULT 0,
  created_by {{BIGINT}},
  created_at {{BIGINT}} NOT NULL,
  updated_at {{BIGINT}} NOT NULL,
  opened_at {{BIGINT}},
  closed_at {{BIGINT}},
  version {{BIGINT}} NOT NULL DEFAULT 1,
  ledger_salt TEXT
);
CREATE INDEX deliberations_org_idx ON deliberations (org_id, id);
CREATE INDEX deliberations_state_idx ON deliberations (state, id);

-- Participating organisations (the host is one of them): their members take part.
CREATE TABLE deliberation_orgs (
  deliberation_id {{BIGINT}} NOT NULL REFERENCES deliberations(id),
  org_id {{BIGINT}} NOT NULL REFERENCES orgs(id),
  PRIMARY KEY (deliberation_id, org_id)
);
CREATE INDEX deliberation_orgs_org_idx ON deliberation_orgs (org_id, deliberation_id);

-- Invited departments: their responders answer points.
CREATE TABLE deliberation_departments (
  deliberation_id {{BIGINT}} NOT NULL REFERENCES deliberations(id),
  org_id {{BIGINT}} NOT NULL REFERENCES orgs(id),
  PRIMARY KEY (deliberation_id, org_id)
);
CREATE INDEX deliberation_departments_org_idx ON deliberation_departments (org_id, deliberation_id);

CREATE TABLE deliberation_experts (
  deliberation_id {{BIGINT}} NOT NULL REFERENCES deliberations(id),
  person_id {{BIGINT}} NOT NULL REFERENCES people(id),
  PRIMARY KEY (deliberation_id, person_id)
);
CREATE INDEX deliberation_experts_person_idx ON deliberation_experts (person_id, deliberation_id);

-- With sectors_only = 1, the sectors whose members take part.
CREATE TABLE deliberation_sectors (
  deliberation_id {{BIGINT}} NOT NULL REFERENCES deliberations(id),
  sector_id {{BIGINT}} NOT NULL REFERENCES sectors(id),
  PRIMARY KEY (deliberation_id, sector_id)
);

-- Guiding sub-topics (引导话题).
CREATE TABLE deliberation_subtopics (
  id {{ID}},
  deliberation_id {{BIGINT}} NOT NULL REFERENCES deliberations(id),
  position INTEGER NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT ''
);
CREATE INDEX deliberation_subtopics_idx ON deliberation_subtopics (deliberation_id, position);

-- Phases (议程阶段): speaking, department response, summary...
CREATE TABLE deliberation_phases (
  id {{ID}},
  deliberation_id {{BIGINT}} NOT NULL REFERENCES deliberations(id),
  position INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('speaking','response','summary','other')),
  name TEXT NOT NULL,
  starts_at {{BIGINT}},
  ends_at {{BIGINT}}
);
CREATE INDEX deliberation_phases_idx ON deliberation_phases (deliberation_id, position);

-- Who has visited, for unique viewers and one visit per visitor per day. `visitor` is a
-- SHA-256 of "p:<person id>" or of the anonymous visitor cookie: no raw addresses are kept.
CREATE TABLE deliberation_visitors (
  deliberation_id {{BIGINT}} NOT NULL REFERENCES deliberations(id),
  visitor TEXT NOT NULL,
  last_day INTEGER NOT NULL,
  PRIMARY KEY (deliberation_id, visitor)
);

CREATE TABLE posts (
  id {{ID}},
  deliberation_id {{BIGINT}} NOT NULL REFERENCES deliberations(id),
  kind TEXT NOT NULL CHECK (kind IN ('article','reply','comment')),
  parent_id {{BIGINT}} REFERENCES posts(id),          -- level 1 under a top-level post, level 2 under a level-1 reply
  root_id {{BIGINT}},                                 -- the thread's top-level post (itself when top-level)
  reply_to_id {{BIGINT}},                             -- the post answered (may be a level-2 reply)
  depth INTEGER NOT NULL CHECK (depth IN (0, 1, 2)),
  author_id {{BIGINT}} NOT NULL REFERENCES people(id),
  author_role TEXT NOT NULL CHECK (author_role IN ('member','expert','department','leader','staff','public')),
  author_org_id {{BIGINT}} REFERENCES orgs(id),       -- the department of a department answer; the member's organisation
  mark TEXT CHECK (mark IN ('leader_remark','department_answer')),
  subtopic_id {{BIGINT}} REFERENCES deliberation_subtopics(id),
  point_id {{BIGINT}},                                -- answer to, or follow-up on, this point
  title TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,                                 -- Markdown
  body_html TEXT NOT NULL,
  -- held: written with a sensitive word, waiting for a moderator (only its author and staff see it)
  state TEXT NOT NULL DEFAULT 'visible' CHECK (state IN ('visible','held','hidden','deleted','removed')),
  moderation_reason TEXT,
  moderated_at {{BIGINT}},
  version INTEGER NOT NULL DEFAULT 1,
  like_count {{BIGINT}} NOT NULL DEFAULT 0,
  reply_count {{BIGINT}} NOT NULL DEFAULT 0,
  created_at {{BIGINT}} NOT NULL,
  updated_at {{BIGINT}} NOT NULL,
  edited_at {{BIGINT}},
  ledger_salt TEXT
);
CREATE INDEX posts_top_idx ON posts (deliberation_id, depth, id);
CREATE INDEX posts_subtopic_idx ON posts (deliberation_id, subtopic_id, depth, id);
CREATE INDEX posts_root_idx ON posts (root_id, id);
CREATE INDEX posts_author_idx ON posts (author_id, id);
CREATE INDEX posts_point_idx ON posts (point_id, id);

-- Earlier versions of edited posts (the current one is in posts).
CREATE TABLE post_versions (
  post_id {{BIGINT}} NOT NULL REFERENCES posts(id),
  version INTEGER NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  subtopic_id {{BIGINT}},
  created_at {{BIGINT}} NOT NULL,                     -- when this version was written
  PRIMARY KEY (post_id, version)
);

CREATE TABLE post_likes (
  id {{ID}},
  post_id {{BIGINT}} NOT NULL REFERENCES posts(id),
  person_id {{BIGINT}} NOT NULL REFERENCES people(id),
  created_at {{BIGINT}} NOT NULL,
  ledger_salt TEXT,
  UNIQUE (post_id, person_id)
);

CREATE TABLE post_reports (
  id {{ID}},
  deliberation_id {{BIGINT}} NOT NULL REFERENCES deliberations(id),
  post_id {{BIGINT}} NOT NULL REFERENCES posts(id),
  reporter_id {{BIGINT}} NOT NULL REFERENCES people(id),
  reason TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','actioned','dismissed')),
  created_at {{BIGINT}} NOT NULL,
  resolved_by {{BIGINT}},
  resolved_at {{BIGINT}},
  ledger_salt TEXT,
  UNIQUE (post_id, reporter_id)
);
CREATE INDEX post_reports_idx ON post_reports (deliberation_id, state, id);

CREATE TABLE deliberation_bans (
  id {{ID}},
  deliberation_id {{BIGINT}} NOT NULL REFERENCES deliberations(id),
  person_id {{BIGINT}} NOT NULL REFERENCES people(id),
  reason TEXT NOT NULL,
  created_by {{BIGINT}},
  created_at {{BIGINT}} NOT NULL,
  ledger_salt TEXT,
  UNIQUE (deliberation_id, person_id)
);

-- Points (要点) split from a post, answered by departments (认领回应).
CREATE TABLE points (
  id {{ID}},
  deliberation_id {{BIGINT}} NOT NULL REFERENCES deliberations(id),
  post_id {{BIGINT}} NOT NULL REFERENCES posts(id),
  quote TEXT NOT NULL DEFAULT '',
  summary TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','claimed','answered','accepted')),
  department_id {{BIGINT}} REFERENCES orgs(id),
  taken_how TEXT CHECK (taken_how IN ('assigned','claimed')),
  deadline_at {{BIGINT}},
  asked_again INTEGER NOT NULL DEFAULT 0,             -- times the author asked again
  follow_up TEXT,                                     -- the author's latest follow-up
  created_by {{BIGINT}},
  created_at {{BIGINT}} NOT NULL,
  updated_at {{BIGINT}} NOT NULL,
  taken_at {{BIGINT}},                                -- assigned to or claimed by the department
  first_answered_at {{BIGINT}},
  answered_at {{BIGINT}},
  accepted_at {{BIGINT}},
  response_ms {{BIGINT}},                             -- first answer minus when the department could first answer
  ledger_salt TEXT
);
CREATE INDEX points_post_idx ON points (post_id, id);
CREATE INDEX points_deliberation_idx ON points (deliberation_id, id);
CREATE INDEX points_department_idx ON points (department_id, state, id);

-- Per department and deliberation, kept current as points change, for dashboards.
CREATE TABLE department_response_stats (
  deliberation_id {{BIGINT}} NOT NULL REFERENCES deliberations(id),
  department_id {{BIGINT}} NOT NULL REFERENCES orgs(id),
  points_taken {{BIGINT}} NOT NULL DEFAULT 0,
  points_answered {{BIGINT}} NOT NULL DEFAULT 0,
  points_accepted {{BIGINT}} NOT NULL DEFAULT 0,
  answers {{BIGINT}} NOT NULL DEFAULT 0,
  median_response_ms {{BIGINT}},
  updated_at {{BIGINT}} NOT NULL,
  PRIMARY KEY (deliberation_id, department_id)
);
CREATE INDEX department_response_stats_dept_idx ON department_response_stats (department_id);

-- The event log: seq is 1, 2, 3... per deliberation, taken from deliberations.last_seq in the
-- transaction of the change. payload is the event JSON the live hub sends. post_id marks the
-- events that carry a post's content, so hiding it can redact them.
CREATE TABLE deliberation_events (
  deliberation_id {{BIGINT}} NOT NULL REFERENCES deliberations(id),
  seq {{BIGINT}} NOT NULL,
  type TEXT NOT NULL,
  at {{BIGINT}} NOT NULL,
  post_id {{BIGINT}},
  payload TEXT NOT NULL,
  PRIMARY KEY (deliberation_id, seq)
);
CREATE INDEX deliberation_events_post_idx ON deliberation_events (post_id);
