-- Ledger performance, second round (bench/ledger.sh, docs/performance.md "Ledger costs").
--
-- Expired idempotency keys are deleted through an index on their time (src/app/middleware.cc,
-- at most once a minute) instead of a scan of the whole table on every keyed POST.
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
