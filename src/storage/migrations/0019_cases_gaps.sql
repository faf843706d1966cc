-- A case whose content was erased (its submitter's right to deletion, see cases::erase_person):
-- the row stays with its dates, units, deadline and rating so the units' statistics still
-- count it; title, body, answer and notes are emptied, the ledger's "case.erased" entry and its
-- row in ledger_erasures say when and why, and no one can act on it any more.
ALTER TABLE cases ADD COLUMN erased_at {{BIGINT}};
