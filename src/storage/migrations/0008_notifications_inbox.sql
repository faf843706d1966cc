-- The in-app inbox: one row per notification to one person (a mention, a reply to their
-- proposal, a change of their membership...). `kind` says what happened ("mention",
-- "membership.added", ...); `link` is a path inside the web app. The in-app inbox is the first
-- delivery channel; SMS and e-mail (the cases issue) will add a deliveries table keyed by
-- notification id and channel, so one notification can go out several ways and be retried.
-- Each person keeps at most their newest 500 notifications (older ones are pruned on insert).

CREATE TABLE notifications (
  id {{ID}},
  person_id {{BIGINT}} NOT NULL REFERENCES people(id),
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  link TEXT NOT NULL DEFAULT '',
  created_at {{BIGINT}} NOT NULL,
  read_at {{BIGINT}}
);
-- The inbox, newest first, and its pruning.
CREATE INDEX notifications_person_idx ON notifications (person_id, id);
-- Unread counts and the unread filter.
CREATE INDEX notifications_unread_idx ON notifications (person_id, id) WHERE read_at IS NULL;
