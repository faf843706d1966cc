-- Surveys and quick polls (问卷调查, 快速投票): a questionnaire of an organisation, for members
-- of some organisations (and sectors), for the public, or — a quick poll — for whoever takes
-- part in a record it is attached to (scope_type/scope_id, e.g. a deliberation). The questions
-- are one JSON document (validated by modules/surveys/questionnaire.cc; fixed once open).
-- Results are kept as running counts (survey_tallies), updated in each answer's transaction,
-- so live results never re-read every answer. Times are Unix ms.
--
-- Anonymity: an anonymous survey's responses carry no person id. Who has answered (to refuse a
-- second answer) is kept apart in survey_participants, which has no id, no time and no link to
-- any response; public respondents leave only salted hashes of their device token, address and
-- (with the SMS check) mobile number in survey_claims. On SQLite both tables are WITHOUT ROWID,
-- so rows are kept in key order and not in the order people answered. (A database
-- administrator can still pair them through transaction ids on PostgreSQL, or the WAL; the
-- platform and its API cannot: see docs/architecture.md.)

CREATE TABLE surveys (
  id {{ID}},
  org_id {{BIGINT}} NOT NULL REFERENCES orgs(id),     -- the organisation whose staff manage it
  kind TEXT NOT NULL CHECK (kind IN ('survey','poll')),
  scope_type TEXT,                                    -- a quick poll's record type ('deliberation'), else NULL
  scope_id {{BIGINT}},
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft','open','closed')),
  audience TEXT NOT NULL CHECK (audience IN ('members','public','scope')),
  anonymous INTEGER NOT NULL DEFAULT 1,
  results_visibility TEXT NOT NULL DEFAULT 'staff' CHECK (results_visibility IN ('staff','respondents','all')),
  sms_check INTEGER NOT NULL DEFAULT 0,               -- public respondents confirm a mobile number by SMS code
  max_per_address INTEGER NOT NULL DEFAULT 0,         -- public answers per network address; 0: no limit
  closes_at {{BIGINT}},
  questions TEXT NOT NULL,                            -- JSON array of questions
  hash_key TEXT NOT NULL,                             -- secret salt of the claims' hashes (never shown)
  response_count {{BIGINT}} NOT NULL DEFAULT 0,
  last_seq {{BIGINT}} NOT NULL DEFAULT 0,             -- the live room's latest sequence number
  created_by {{BIGINT}},
  created_at {{BIGINT}} NOT NULL,
  updated_at {{BIGINT}} NOT NULL,
  opened_at {{BIGINT}},
  closed_at {{BIGINT}},
  version {{BIGINT}} NOT NULL DEFAULT 1,
  ledger_salt TEXT
);
CREATE INDEX surveys_org_idx ON surveys (org_id, id);
CREATE INDEX surveys_scope_idx ON surveys (scope_type, scope_id, id);
CREATE INDEX surveys_audience_idx ON surveys (audience, state, id);

-- A members' survey: members of these organisations answer (none listed: the owner's).
CREATE TABLE survey_orgs (
  survey_id {{BIGINT}} NOT NULL REFERENCES surveys(id),
  org_id {{BIGINT}} NOT NULL REFERENCES orgs(id),
  PRIMARY KEY (survey_id, org_id)
);
CREATE INDEX survey_orgs_org_idx ON survey_orgs (org_id, survey_id);

-- ...and, when any are listed, only members of these sectors.
CREATE TABLE survey_sectors (
  survey_id {{BIGINT}} NOT NULL REFERENCES surveys(id),
  sector_id {{BIGINT}} NOT NULL REFERENCES sectors(id),
  PRIMARY KEY (survey_id, sector_id)
);

-- One submitted questionnaire. person_id only for named surveys.
CREATE TABLE survey_responses (
  id {{ID}},
  survey_id {{BIGINT}} NOT NULL REFERENCES surveys(id),
  person_id {{BIGINT}} REFERENCES people(id),
  answers TEXT NOT NULL,                              -- JSON object: question id -> answer
  created_at {{BIGINT}} NOT NULL,
  ledger_salt TEXT
);
CREATE INDEX survey_responses_survey_idx ON survey_responses (survey_id, id);
CREATE UNIQUE INDEX survey_responses_person_idx ON survey_responses (survey_id, person_id);

-- Running counts per question and bucket: "_answered", "o:<option>", "v:<rating>",
-- "r:<option>:<position>" (rankings).
CREATE TABLE survey_tallies (
  survey_id {{BIGINT}} NOT NULL REFERENCES surveys(id),
  question_id TEXT NOT NULL,
  bucket TEXT NOT NULL,
  n {{BIGINT}} NOT NULL,
  PRIMARY KEY (survey_id, question_id, bucket)
);

-- @sqlite
CREATE TABLE survey_participants (
  survey_id {{BIGINT}} NOT NULL REFERENCES surveys(id),
  person_id {{BIGINT}} NOT NULL REFERENCES people(id),
  PRIMARY KEY (survey_id, person_id)
) WITHOUT ROWID;
CREATE TABLE survey_claims (
  survey_id {{BIGINT}} NOT NULL REFERENCES surveys(id),
  kind TEXT NOT NULL CHECK (kind IN ('device','address','mobile')),
  key_hash TEXT NOT NULL,
  n {{BIGINT}} NOT NULL,
  PRIMARY KEY (survey_id, kind, key_hash)
) WITHOUT ROWID;
-- @end
-- @postgres
CREATE TABLE survey_participants (
  survey_id {{BIGINT}} NOT NULL REFERENCES surveys(id),
  person_id {{BIGINT}} NOT NULL REFERENCES people(id),
  PRIMARY KEY (survey_id, person_id)
);
CREATE TABLE survey_claims (
  survey_id {{BIGINT}} NOT NULL REFERENCES surveys(id),
  kind TEXT NOT NULL CHECK (kind IN ('device','address','mobile')),
  key_hash TEXT NOT NULL,
  n {{BIGINT}} NOT NULL,
  PRIMARY KEY (survey_id, kind, key_hash)
);
-- @end
