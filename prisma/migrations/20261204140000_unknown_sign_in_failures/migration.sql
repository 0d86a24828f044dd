-- Failed sign-ins for employee IDs that do not exist, counted like those of a real account so
-- that the answers (invalid, then locked from the threshold on) cannot tell the two apart.
-- Keyed by the normalized (trimmed, lower-case) ID; a row expires and is then counted afresh.
-- No user row is ever created for an unknown ID.
CREATE TABLE unknown_sign_in_failures (
  employee_id_norm TEXT PRIMARY KEY,
  failed_attempts  INTEGER NOT NULL DEFAULT 0,
  locked_at        TIMESTAMPTZ,
  first_failed_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX unknown_sign_in_failures_expiry_idx ON unknown_sign_in_failures (expires_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON unknown_sign_in_failures TO custos_app;
