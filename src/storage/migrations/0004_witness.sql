-- Witness cosignatures (见证方联署): independent verifiers follow the ledger's checkpoints,
-- check that each is consistent with the last one they saw, and cosign it (C2SP
-- tlog-cosignature/v1). The platform keeps one cosignature per witness and tree size (a newer
-- one for the same checkpoint replaces the older) and serves them with its checkpoints.

CREATE TABLE ledger_cosignatures (
  witness TEXT NOT NULL,            -- the witness's verifier key (vkey), as configured
  size {{BIGINT}} NOT NULL,         -- tree size of the checkpoint it cosigned
  signed_at {{BIGINT}} NOT NULL,    -- the cosignature's own timestamp (POSIX seconds)
  line TEXT NOT NULL,               -- the signature line "— <name> <base64>\n"
  received_at {{BIGINT}} NOT NULL,  -- when the platform accepted it (ms)
  PRIMARY KEY (witness, size)
);
CREATE INDEX ledger_cosignatures_size_idx ON ledger_cosignatures (size);
