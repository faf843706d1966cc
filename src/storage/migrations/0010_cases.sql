-- Cases (提案、议案、建议、社情民意、微建议): what members, deputies and the public submit, what
-- staff review, assign to handling units (主办/协办) under a deadline in working days, what the
-- units answer and the proposer rates, and the supervision of it all (督办: yellow and red
-- cards, notes, key cases). Every change of a case is one row of case_events and one ledger
-- entry; the state machine is in src/modules/cases/case_machine.cc. Times are Unix ms.

-- Working-day calendar: public holidays and make-up working days (调休上班). org_id 0 is the
-- national calendar; another org_id is a local day of that organisation (and those below it).
CREATE TABLE calendar_days (
  org_id {{BIGINT}} NOT NULL DEFAULT 0,
  day TEXT NOT NULL,                                   -- YYYY-MM-DD (Beijing date)
  kind TEXT NOT NULL CHECK (kind IN ('holiday','workday')),
  name TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (org_id, day)
);
-- The years whose official calendar is loaded (org_id 0), with the notice it comes from.
CREATE TABLE calendar_years (
  org_id {{BIGINT}} NOT NULL DEFAULT 0,
  year INTEGER NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (org_id, year)
);

-- The ledger salt of each calendar record (an organisation's local days, or 0: the national).
CREATE TABLE calendar_salts (
  org_id {{BIGINT}} PRIMARY KEY,
  ledger_salt TEXT NOT NULL
);

-- Per organisation and kind: who may submit, which fields, the deadline, publication. Absent
-- rows take the defaults of the organisation's kind (cases_service.cc default_settings).
CREATE TABLE case_kind_settings (
  id {{ID}},
  org_id {{BIGINT}} NOT NULL REFERENCES orgs(id),
  kind TEXT NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  submitters TEXT NOT NULL DEFAULT 'members' CHECK (submitters IN ('members','members_and_public')),
  category_required INTEGER NOT NULL DEFAULT 0,
  categories TEXT NOT NULL DEFAULT '[]',               -- JSON array of allowed categories ([] = free text)
  attachments_allowed INTEGER NOT NULL DEFAULT 1,
  cosigners_required INTEGER NOT NULL DEFAULT 0,       -- 联名: confirmed co-signers needed before review
  deadline_working_days INTEGER NOT NULL DEFAULT 20 CHECK (deadline_working_days BETWEEN 10 AND 30),
  publication TEXT NOT NULL DEFAULT 'with_consent' CHECK (publication IN ('never','with_consent','always')),
  updated_at {{BIGINT}} NOT NULL,
  ledger_salt TEXT,
  UNIQUE (org_id, kind)
);

CREATE TABLE cases (
  id {{ID}},
  org_id {{BIGINT}} NOT NULL REFERENCES orgs(id),      -- the organisation it is submitted to
  kind TEXT NOT NULL CHECK (kind IN ('proposal','motion','suggestion','social_report','micro_suggestion')),
  state TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  category TEXT NOT NULL DEFAULT '',
  submitter_id {{BIGINT}} NOT NULL REFERENCES people(id),
  allow_publish INTEGER NOT NULL DEFAULT 0,            -- the proposer agrees the answer may be published
  published_at {{BIGINT}},
  merged_into {{BIGINT}},
  decline_reason TEXT,
  lead_unit_id {{BIGINT}},
  assigned_at {{BIGINT}},
  deadline_day TEXT,                                   -- YYYY-MM-DD, Beijing
  deadline_at {{BIGINT}},                              -- end of that day
  card TEXT NOT NULL DEFAULT 'none' CHECK (card IN ('none','yellow','red')),
  card_at {{BIGINT}},
  key_case INTEGER NOT NULL DEFAULT 0,                 -- 重点督办
  rehandled INTEGER NOT NULL DEFAULT 0,                -- times sent back for re-handling
  pending TEXT,                                        -- 'reassign' / 'extension' awaiting staff
  pending_data TEXT,                                   -- its JSON
  answer TEXT,
  answered_at {{BIGINT}},
  answer_working_days INTEGER,                         -- from assignment to answer
  answered_on_time INTEGER,
  rating TEXT CHECK (rating IS NULL OR rating IN ('satisfied','basically','unsatisfied')),
  rating_reason TEXT,
  rated_at {{BIGINT}},
  submitted_at {{BIGINT}},
  accepted_at {{BIGINT}},
  closed_at {{BIGINT}},
  archived_at {{BIGINT}},
  created_at {{BIGINT}} NOT NULL,
  updated_at {{BIGINT}} NOT NULL,
  ledger_salt TEXT
);
CREATE INDEX cases_org_idx ON cases (org_id, state, id);
CREATE INDEX cases_submitter_idx ON cases (submitter_id, id);
CREATE INDEX cases_lead_idx ON cases (lead_unit_id, state);
CREATE INDEX cases_deadline_idx ON cases (state, deadline_at);

-- Handling units: one lead (主办) and any co-handling units (协办), with the co-units' input.
CREATE TABLE case_units (
  case_id {{BIGINT}} NOT NULL REFERENCES cases(id),
  org_id {{BIGINT}} NOT NULL REFERENCES orgs(id),
  role TEXT NOT NULL CHECK (role IN ('lead','co')),
  input TEXT,
  input_at {{BIGINT}},
  PRIMARY KEY (case_id, org_id)
);
CREATE INDEX case_units_org_idx ON case_units (org_id, case_id);

-- Co-signers (联名) invited by the proposer, and whether they confirmed.
CREATE TABLE case_cosigners (
  case_id {{BIGINT}} NOT NULL REFERENCES cases(id),
  person_id {{BIGINT}} NOT NULL REFERENCES people(id),
  state TEXT NOT NULL DEFAULT 'invited' CHECK (state IN ('invited','confirmed','declined')),
  at {{BIGINT}} NOT NULL,
  PRIMARY KEY (case_id, person_id)
);
CREATE INDEX case_cosigners_person_idx ON case_cosigners (person_id, case_id);

-- The history of a case: every transition (and card) with who, when and what was said.
CREATE TABLE case_events (
  id {{ID}},
  case_id {{BIGINT}} NOT NULL REFERENCES cases(id),
  action TEXT NOT NULL,
  actor_id {{BIGINT}},                                 -- NULL: the system (the deadline sweep)
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  data TEXT NOT NULL DEFAULT '{}',
  at {{BIGINT}} NOT NULL
);
CREATE INDEX case_events_case_idx ON case_events (case_id, id);

-- The national calendar of 2025 and 2026 (from /work/shared/data/calendar/cn-public-holidays.json).
INSERT INTO calendar_years (org_id, year, source) VALUES (0, 2025, '国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号), 2024-11-12');
INSERT INTO calendar_years (org_id, year, source) VALUES (0, 2026, '国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-01-01', 'holiday', '元旦');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-01-28', 'holiday', '春节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-01-29', 'holiday', '春节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-01-30', 'holiday', '春节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-01-31', 'holiday', '春节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-02-01', 'holiday', '春节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-02-02', 'holiday', '春节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-02-03', 'holiday', '春节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-02-04', 'holiday', '春节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-04-04', 'holiday', '清明节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-04-05', 'holiday', '清明节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-04-06', 'holiday', '清明节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-05-01', 'holiday', '劳动节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-05-02', 'holiday', '劳动节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-05-03', 'holiday', '劳动节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-05-04', 'holiday', '劳动节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-05-05', 'holiday', '劳动节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-05-31', 'holiday', '端午节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-06-01', 'holiday', '端午节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-06-02', 'holiday', '端午节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-10-01', 'holiday', '国庆节、中秋节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-10-02', 'holiday', '国庆节、中秋节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-10-03', 'holiday', '国庆节、中秋节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-10-04', 'holiday', '国庆节、中秋节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-10-05', 'holiday', '国庆节、中秋节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-10-06', 'holiday', '国庆节、中秋节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-10-07', 'holiday', '国庆节、中秋节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-10-08', 'holiday', '国庆节、中秋节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-01-26', 'workday', '调休上班');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-02-08', 'workday', '调休上班');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-04-27', 'workday', '调休上班');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-09-28', 'workday', '调休上班');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2025-10-11', 'workday', '调休上班');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-01-01', 'holiday', '元旦');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-01-02', 'holiday', '元旦');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-01-03', 'holiday', '元旦');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-02-15', 'holiday', '春节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-02-16', 'holiday', '春节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-02-17', 'holiday', '春节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-02-18', 'holiday', '春节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-02-19', 'holiday', '春节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-02-20', 'holiday', '春节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-02-21', 'holiday', '春节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-02-22', 'holiday', '春节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-02-23', 'holiday', '春节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-04-04', 'holiday', '清明节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-04-05', 'holiday', '清明节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-04-06', 'holiday', '清明节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-05-01', 'holiday', '劳动节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-05-02', 'holiday', '劳动节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-05-03', 'holiday', '劳动节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-05-04', 'holiday', '劳动节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-05-05', 'holiday', '劳动节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-06-19', 'holiday', '端午节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-06-20', 'holiday', '端午节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-06-21', 'holiday', '端午节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-09-25', 'holiday', '中秋节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-09-26', 'holiday', '中秋节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-09-27', 'holiday', '中秋节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-10-01', 'holiday', '国庆节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-10-02', 'holiday', '国庆节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-10-03', 'holiday', '国庆节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-10-04', 'holiday', '国庆节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-10-05', 'holiday', '国庆节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-10-06', 'holiday', '国庆节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-10-07', 'holiday', '国庆节');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-01-04', 'workday', '调休上班');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-02-14', 'workday', '调休上班');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-02-28', 'workday', '调休上班');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-05-09', 'workday', '调休上班');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-09-20', 'workday', '调休上班');
INSERT INTO calendar_days (org_id, day, kind, name) VALUES (0, '2026-10-10', 'workday', '调休上班');
