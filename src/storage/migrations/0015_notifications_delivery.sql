-- Notification delivery (capability C13): per-person preferences, one delivery row per channel
-- of each notification (in-app, SMS, e-mail), every sending attempt, and the once-per-cluster
-- job runner's record of its jobs.
--
-- notifications::notify writes the notification (0008) and its deliveries in the caller's
-- transaction; a worker on any node claims due deliveries with a lease, sends them after commit
-- and records the outcome. Nothing here is a ledger record (see inbox.h: who is told what, and
-- when, is private).

-- What each person wants: which kinds reach them on which channels (JSON object
-- {"kind": ["sms","email"], ...}; kinds absent from it use the kind's defaults), an e-mail
-- address, and quiet hours in local minutes after midnight (both NULL: none chosen, the
-- platform's default applies; start = end: no quiet hours at all).
CREATE TABLE notification_prefs (
  person_id {{BIGINT}} PRIMARY KEY REFERENCES people(id),
  email TEXT NOT NULL DEFAULT '',
  channels TEXT NOT NULL DEFAULT '{}',
  quiet_start INTEGER,
  quiet_end INTEGER,
  updated_at {{BIGINT}} NOT NULL
);

-- One row per notification and channel. Title (subject) and body are rendered when the
-- notification is made, in the recipient's language (locale); the channel adds its wrapping
-- (SMS signature, the link) when it sends, the same for every attempt.
--   state pending: waits until due_at (the next attempt, or the end of quiet hours);
--         sending: claimed by lease_owner until due_at (the lease); a lease that ran out means
--                  the owner died or stalled, and the row may be claimed again;
--         sent / failed: final (failed: permanent error, or max attempts reached).
-- `id` is the idempotency key every attempt carries to the provider.
CREATE TABLE notification_deliveries (
  id {{ID}},
  notification_id {{BIGINT}},
  person_id {{BIGINT}} NOT NULL REFERENCES people(id),
  channel TEXT NOT NULL CHECK (channel IN ('inbox','sms','email')),
  kind TEXT NOT NULL,
  urgent INTEGER NOT NULL DEFAULT 0,
  address TEXT NOT NULL DEFAULT '',
  locale TEXT NOT NULL DEFAULT 'zh-CN',
  subject TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  link TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sending','sent','failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  due_at {{BIGINT}} NOT NULL,
  lease_owner TEXT NOT NULL DEFAULT '',
  created_at {{BIGINT}} NOT NULL,
  finished_at {{BIGINT}},
  last_error TEXT NOT NULL DEFAULT ''
);
-- The worker's claim: due rows that are waiting or whose lease ran out, oldest first.
CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (due_at) WHERE state IN ('pending','sending');
CREATE INDEX notification_deliveries_notification_idx ON notification_deliveries (notification_id);
CREATE INDEX notification_deliveries_person_idx ON notification_deliveries (person_id);
-- Clean-up of old final rows.
CREATE INDEX notification_deliveries_finished_idx ON notification_deliveries (finished_at) WHERE state IN ('sent','failed');

-- Every attempt: who tried, when, and how it ended (started: in flight or its node died;
-- lost: its lease ran out before an outcome was recorded).
CREATE TABLE notification_attempts (
  id {{ID}},
  delivery_id {{BIGINT}} NOT NULL REFERENCES notification_deliveries(id),
  attempt INTEGER NOT NULL,
  node TEXT NOT NULL,
  started_at {{BIGINT}} NOT NULL,
  finished_at {{BIGINT}},
  outcome TEXT NOT NULL DEFAULT 'started' CHECK (outcome IN ('started','sent','retry','failed','lost')),
  detail TEXT NOT NULL DEFAULT '',
  UNIQUE (delivery_id, attempt)
);

-- The job runner (modules/scheduler): one row per registered job, so whichever node holds the
-- cluster lock knows when each job last ran, whoever ran it.
CREATE TABLE scheduler_jobs (
  name TEXT PRIMARY KEY,
  interval_ms {{BIGINT}} NOT NULL,
  last_started_at {{BIGINT}},
  last_finished_at {{BIGINT}},
  last_node TEXT NOT NULL DEFAULT '',
  last_status TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT '',
  runs {{BIGINT}} NOT NULL DEFAULT 0
);
