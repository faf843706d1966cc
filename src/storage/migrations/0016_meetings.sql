-- Remote and hybrid consultation meetings (远程协商, 现场协商+网络直播): a meeting of one or more
-- organisations with an agenda, a main venue and branch venues, invitees with their replies and
-- attendance, a speaking queue, written interventions, a public comment stream and minutes.
-- Times are Unix ms. The live room meeting:<id> takes its sequence numbers from
-- meetings.last_seq in the transaction of the change; events are kept in meeting_events.

CREATE TABLE meetings (
  id {{ID}},
  org_id {{BIGINT}} NOT NULL REFERENCES orgs(id),     -- the host organisation
  title TEXT NOT NULL,
  topic TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  deliberation_id {{BIGINT}},
  topic_id {{BIGINT}},
  starts_at {{BIGINT}} NOT NULL,
  ends_at {{BIGINT}} NOT NULL,
  state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft','scheduled','live','ended','published','cancelled')),
  public INTEGER NOT NULL DEFAULT 0,
  comments TEXT NOT NULL DEFAULT 'off' CHECK (comments IN ('off','open','moderated')),
  video_url TEXT NOT NULL DEFAULT '',
  hls_url TEXT NOT NULL DEFAULT '',
  invite TEXT NOT NULL DEFAULT '{}',                  -- the invitation rule as JSON (person, sector, department ids)
  current_item_id {{BIGINT}},
  floor_request_id {{BIGINT}},                        -- the queue request holding the floor
  floor_started_at {{BIGINT}},
  floor_seconds {{BIGINT}},
  minutes_md TEXT NOT NULL DEFAULT '',
  minutes_updated_at {{BIGINT}},
  minutes_updated_by {{BIGINT}},
  minutes_salt TEXT NOT NULL DEFAULT '',
  comment_count {{BIGINT}} NOT NULL DEFAULT 0,
  last_seq {{BIGINT}} NOT NULL DEFAULT 0,
  reminded_at {{BIGINT}},
  state_reason TEXT NOT NULL DEFAULT '',
  created_by {{BIGINT}},
  created_at {{BIGINT}} NOT NULL,
  updated_at {{BIGINT}} NOT NULL,
  ledger_salt TEXT NOT NULL DEFAULT ''
);
CREATE INDEX meetings_org_idx ON meetings (org_id, starts_at);
CREATE INDEX meetings_starts_idx ON meetings (starts_at);

-- Joint organisations (their staff run the meeting too).
CREATE TABLE meeting_orgs (
  meeting_id {{BIGINT}} NOT NULL REFERENCES meetings(id),
  org_id {{BIGINT}} NOT NULL REFERENCES orgs(id),
  PRIMARY KEY (meeting_id, org_id)
);

-- Chairs (主持人) and secretaries (记录员).
CREATE TABLE meeting_roles (
  meeting_id {{BIGINT}} NOT NULL REFERENCES meetings(id),
  person_id {{BIGINT}} NOT NULL REFERENCES people(id),
  role TEXT NOT NULL CHECK (role IN ('chair','secretary')),
  PRIMARY KEY (meeting_id, role, person_id)
);

CREATE TABLE meeting_agenda (
  id {{ID}},
  meeting_id {{BIGINT}} NOT NULL REFERENCES meetings(id),
  position INTEGER NOT NULL,
  title TEXT NOT NULL,
  starts_at {{BIGINT}},
  minutes INTEGER,
  speaker TEXT NOT NULL DEFAULT ''
);
CREATE INDEX meeting_agenda_meeting_idx ON meeting_agenda (meeting_id, position);

CREATE TABLE meeting_venues (
  id {{ID}},
  meeting_id {{BIGINT}} NOT NULL REFERENCES meetings(id),
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  address TEXT NOT NULL DEFAULT '',
  capacity INTEGER,
  host_id {{BIGINT}} REFERENCES people(id),
  main INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX meeting_venues_meeting_idx ON meeting_venues (meeting_id, position);

-- Invitees, their reply and their attendance (for duty records).
CREATE TABLE meeting_invitees (
  id {{ID}},
  meeting_id {{BIGINT}} NOT NULL REFERENCES meetings(id),
  person_id {{BIGINT}} NOT NULL REFERENCES people(id),
  reply TEXT CHECK (reply IN ('onsite','remote','excused')),
  reply_reason TEXT NOT NULL DEFAULT '',
  reply_venue_id {{BIGINT}},
  replied_at {{BIGINT}},
  attendance TEXT CHECK (attendance IN ('present','remote','late','excused','absent')),
  attendance_venue_id {{BIGINT}},
  checked_in_at {{BIGINT}},
  by_hand INTEGER NOT NULL DEFAULT 0,
  attendance_reason TEXT NOT NULL DEFAULT '',
  ledger_salt TEXT NOT NULL DEFAULT '',
  UNIQUE (meeting_id, person_id)
);
CREATE INDEX meeting_invitees_person_idx ON meeting_invitees (person_id);

-- The speaking queue (请求发言).
CREATE TABLE meeting_queue (
  id {{ID}},
  meeting_id {{BIGINT}} NOT NULL REFERENCES meetings(id),
  person_id {{BIGINT}} NOT NULL REFERENCES people(id),
  agenda_item_id {{BIGINT}},
  note TEXT NOT NULL DEFAULT '',
  remote INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting','speaking','done','withdrawn')),
  requested_at {{BIGINT}} NOT NULL,
  started_at {{BIGINT}},
  ended_at {{BIGINT}},
  seconds {{BIGINT}}
);
CREATE INDEX meeting_queue_meeting_idx ON meeting_queue (meeting_id, id);

-- Written interventions (书面发言).
CREATE TABLE meeting_interventions (
  id {{ID}},
  meeting_id {{BIGINT}} NOT NULL REFERENCES meetings(id),
  person_id {{BIGINT}} NOT NULL REFERENCES people(id),
  agenda_item_id {{BIGINT}},
  body TEXT NOT NULL,
  created_at {{BIGINT}} NOT NULL
);
CREATE INDEX meeting_interventions_meeting_idx ON meeting_interventions (meeting_id, id);

-- Public comments (网友留言); picked ones are shown in the room.
CREATE TABLE meeting_comments (
  id {{ID}},
  meeting_id {{BIGINT}} NOT NULL REFERENCES meetings(id),
  person_id {{BIGINT}},
  author_name TEXT NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('visible','held','rejected')),
  picked INTEGER NOT NULL DEFAULT 0,
  picked_at {{BIGINT}},
  created_at {{BIGINT}} NOT NULL,
  ledger_salt TEXT NOT NULL DEFAULT ''
);
CREATE INDEX meeting_comments_meeting_idx ON meeting_comments (meeting_id, id);

-- Every saved version of the minutes.
CREATE TABLE meeting_minutes_versions (
  id {{ID}},
  meeting_id {{BIGINT}} NOT NULL REFERENCES meetings(id),
  body_md TEXT NOT NULL,
  created_by {{BIGINT}},
  created_at {{BIGINT}} NOT NULL
);
CREATE INDEX meeting_minutes_versions_idx ON meeting_minutes_versions (meeting_id, id);

-- What the meeting led to (a case, a topic, a follow-up deliberation).
CREATE TABLE meeting_outcomes (
  meeting_id {{BIGINT}} NOT NULL REFERENCES meetings(id),
  type TEXT NOT NULL CHECK (type IN ('case','topic','deliberation')),
  outcome_id {{BIGINT}} NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (meeting_id, type, outcome_id)
);

CREATE TABLE meeting_events (
  meeting_id {{BIGINT}} NOT NULL REFERENCES meetings(id),
  seq {{BIGINT}} NOT NULL,
  type TEXT NOT NULL,
  at {{BIGINT}} NOT NULL,
  payload TEXT NOT NULL,
  PRIMARY KEY (meeting_id, seq)
);
