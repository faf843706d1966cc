-- Deliberation performance (bench/deliberation.sh, docs/performance.md "Deliberation").
--
-- One number for the names that pages of posts show but that change outside a deliberation:
-- people's display names (profile edits, administrators, erasure) and organisations' names and
-- kinds (a department's name, a member's "委员"/"代表" label). Every write that changes them
-- adds one, in its own transaction (modules/common/directory_version.h). A rendered page of
-- posts is cached under the deliberation's latest event seq AND this number, read in the same
-- snapshot: anything a page shows changes one or the other, so a cached page is never stale,
-- on one node or many.
CREATE TABLE directory_version (
  id INTEGER PRIMARY KEY,
  version {{BIGINT}} NOT NULL
);
INSERT INTO directory_version (id, version) VALUES (1, 0);
