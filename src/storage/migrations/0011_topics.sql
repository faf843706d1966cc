-- Topic collection (议题征集): calls for topics by an organisation (a theme, a period, who may
-- submit) and one always-open box per organisation; topics submitted to them, with their
-- submitters (the author, and the authors of topics merged into it), supports (附议, once per
-- person), screening by staff (accept, decline with a reason, ask for more detail, merge) and
-- the deliberation an accepted topic became. Times are Unix ms.

CREATE TABLE topic_calls (
  id {{ID}},
  org_id {{BIGINT}} NOT NULL REFERENCES orgs(id),
  kind TEXT NOT NULL CHECK (kind IN ('call','box')),       -- box: the organisation's always-open box
  theme TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  opens_at {{BIGINT}},                                     -- NULL: no bound
  closes_at {{BIGINT}},
  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','closed')),
  audience_public INTEGER NOT NULL DEFAULT 0,              -- 1: anyone signed in may submit, anyone may read
  audience_members INTEGER NOT NULL DEFAULT 1,             -- 1: every member of the organisation may submit
  created_by {{BIGINT}},
  created_at {{BIGINT}} NOT NULL,
  updated_at {{BIGINT}} NOT NULL,
  version {{BIGINT}} NOT NULL DEFAULT 1,
  ledger_salt TEXT
);
CREATE INDEX topic_calls_org_idx ON topic_calls (org_id, id);
CREATE UNIQUE INDEX topic_calls_box_idx ON topic_calls (org_id) WHERE kind = 'box';

-- Who else may submit: members of these sectors of the organisation, these departments, these
-- party and government bodies (other organisations).
CREATE TABLE topic_call_audience (
  call_id {{BIGINT}} NOT NULL REFERENCES topic_calls(id),
  kind TEXT NOT NULL CHECK (kind IN ('sector','department','body')),
  ref_id {{BIGINT}} NOT NULL,
  PRIMARY KEY (call_id, kind, ref_id)
);

CREATE TABLE topics (
  id {{ID}},
  call_id {{BIGINT}} NOT NULL REFERENCES topic_calls(id),
  org_id {{BIGINT}} NOT NULL REFERENCES orgs(id),
  org_path TEXT NOT NULL,
  author_id {{BIGINT}} NOT NULL REFERENCES people(id),
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  area TEXT NOT NULL DEFAULT '',
  category TEXT NOT NULL DEFAULT 'other',
  state TEXT NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending','needs_detail','accepted','declined','merged')),
  screening_note TEXT NOT NULL DEFAULT '',                 -- the decline reason or the question, for the submitter
  merged_into {{BIGINT}} REFERENCES topics(id),            -- state merged: the survivor
  deliberation_id {{BIGINT}} REFERENCES deliberations(id), -- the deliberation it became
  minhash TEXT NOT NULL DEFAULT '',                        -- MinHash signature (topics_similarity.h), hex
  support_count {{BIGINT}} NOT NULL DEFAULT 0,
  submitter_count {{BIGINT}} NOT NULL DEFAULT 1,
  created_at {{BIGINT}} NOT NULL,
  updated_at {{BIGINT}} NOT NULL,
  screened_by {{BIGINT}},
  screened_at {{BIGINT}},
  version {{BIGINT}} NOT NULL DEFAULT 1,
  ledger_salt TEXT
);
CREATE INDEX topics_call_idx ON topics (call_id, id);
CREATE INDEX topics_org_idx ON topics (org_id, state, id);
CREATE INDEX topics_author_idx ON topics (author_id, id);

-- The people who raised a topic: its author, and the authors of topics merged into it (with
-- the time they raised theirs, which the hot-spot ranking counts).
CREATE TABLE topic_submitters (
  topic_id {{BIGINT}} NOT NULL REFERENCES topics(id),
  person_id {{BIGINT}} NOT NULL REFERENCES people(id),
  raised_at {{BIGINT}} NOT NULL,
  PRIMARY KEY (topic_id, person_id)
);
CREATE INDEX topic_submitters_person_idx ON topic_submitters (person_id, topic_id);

-- Supports (附议): one per person and topic; merging moves them to the survivor.
CREATE TABLE topic_supports (
  id {{ID}},
  topic_id {{BIGINT}} NOT NULL REFERENCES topics(id),
  person_id {{BIGINT}} NOT NULL REFERENCES people(id),
  created_at {{BIGINT}} NOT NULL,
  ledger_salt TEXT,
  UNIQUE (topic_id, person_id)
);
CREATE INDEX topic_supports_person_idx ON topic_supports (person_id);
CREATE INDEX topic_supports_time_idx ON topic_supports (created_at);
