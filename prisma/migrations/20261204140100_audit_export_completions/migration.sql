-- 21 CFR 11.10(b)(e): every export is audited. `audit.export_started` is appended before the
-- first byte leaves; the completion (rows, SHA-256 of the file) is first kept here, then
-- appended to the chain. A completion that could not be appended (database busy, process
-- stopped) stays here with written_at NULL and is appended by the worker's retry.
CREATE TABLE audit_export_completions (
  export_id   UUID PRIMARY KEY,
  chain_id    TEXT NOT NULL,
  event       JSONB NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  attempts    INTEGER NOT NULL DEFAULT 0,
  last_error  TEXT,
  written_at  TIMESTAMPTZ
);
CREATE INDEX audit_export_completions_pending_idx ON audit_export_completions (created_at) WHERE written_at IS NULL;
GRANT SELECT, INSERT, UPDATE ON audit_export_completions TO custos_app;
