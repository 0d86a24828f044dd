-- The broker under change control, its own audit chain, and operations signals.

-- The approved broker configuration (dynamic-security clients, roles, default access), one row
-- per approved change: what the broker read back after an approved batch. Append-only: the
-- baseline is history, the newest revision is what the broker must look like.
CREATE TABLE broker_baselines (
  revision          BIGSERIAL PRIMARY KEY,
  state             JSONB NOT NULL,
  state_hash        BYTEA NOT NULL,
  change_request_id UUID REFERENCES change_requests(id),
  recorded_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TRIGGER broker_baselines_no_update_delete BEFORE UPDATE OR DELETE ON broker_baselines
  FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER broker_baselines_no_truncate BEFORE TRUNCATE ON broker_baselines
  FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_change();
ALTER TABLE broker_baselines ENABLE ALWAYS TRIGGER broker_baselines_no_update_delete;
ALTER TABLE broker_baselines ENABLE ALWAYS TRIGGER broker_baselines_no_truncate;

-- Each comparison of the live broker with the baseline (the reconciler, every few minutes).
CREATE TABLE broker_reconciliations (
  id                BIGSERIAL PRIMARY KEY,
  ran_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
  ok                BOOLEAN NOT NULL,
  baseline_revision BIGINT,
  differences       JSONB NOT NULL DEFAULT '[]',
  error             TEXT
);
CREATE INDEX broker_reconciliations_recent_idx ON broker_reconciliations (id DESC);

-- How far a broker log file has been read into the broker chain; advanced in the transaction
-- that appends the lines, so a restart neither loses nor repeats one.
CREATE TABLE broker_log_offsets (
  source     TEXT PRIMARY KEY,
  file_id    TEXT NOT NULL,
  "offset"   BIGINT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Alerts: more kinds (lib/alerts/alert-kinds.ts), severity, first and last seen, one open alert
-- per condition (dedup_key).
ALTER TABLE security_alerts DROP CONSTRAINT security_alerts_kind_check;
ALTER TABLE security_alerts ADD CONSTRAINT security_alerts_kind_check CHECK (kind IN (
  'account_locked', 'mfa_failed', 'signature_failed', 'comm_loss', 'quarantine_escalation', 'chain_verify_failed',
  'broker_drift', 'broker_change_mismatch', 'backup_failed', 'drill_failed'));
ALTER TABLE security_alerts
  ADD COLUMN severity TEXT NOT NULL DEFAULT 'warning' CHECK (severity IN ('info', 'warning', 'high', 'critical')),
  ADD COLUMN dedup_key TEXT,
  ADD COLUMN first_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  ADD COLUMN last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  ADD COLUMN occurrences INTEGER NOT NULL DEFAULT 1;
UPDATE security_alerts SET first_seen_at = created_at, last_seen_at = created_at;
CREATE UNIQUE INDEX security_alerts_open_key_idx ON security_alerts (dedup_key) WHERE acknowledged_at IS NULL AND dedup_key IS NOT NULL;

-- Delivery of alerts beyond the screen (webhook): every attempt recorded.
CREATE TABLE alert_deliveries (
  id              BIGSERIAL PRIMARY KEY,
  alert_id        BIGINT NOT NULL REFERENCES security_alerts(id),
  channel         TEXT NOT NULL,
  target          TEXT NOT NULL,
  status          TEXT NOT NULL DEFAULT 'pending',
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_status     INTEGER,
  last_error      TEXT,
  delivered_at    TIMESTAMPTZ,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX alert_deliveries_due_idx ON alert_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE TABLE alert_delivery_attempts (
  id           BIGSERIAL PRIMARY KEY,
  delivery_id  BIGINT NOT NULL REFERENCES alert_deliveries(id),
  attempt      INTEGER NOT NULL,
  attempted_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  http_status  INTEGER,
  error        TEXT,
  duration_ms  INTEGER NOT NULL
);
CREATE INDEX alert_delivery_attempts_delivery_idx ON alert_delivery_attempts (delivery_id, attempt);

GRANT SELECT, INSERT ON broker_baselines, broker_reconciliations, alert_delivery_attempts TO custos_app;
GRANT SELECT, INSERT, UPDATE ON broker_log_offsets, alert_deliveries TO custos_app;
GRANT USAGE, SELECT ON SEQUENCE broker_baselines_revision_seq, broker_reconciliations_id_seq, alert_deliveries_id_seq, alert_delivery_attempts_id_seq TO custos_app;

INSERT INTO role_permissions (role_id, permission)
SELECT r.id, p.permission FROM roles r
JOIN (VALUES
  ('Administrator', 'broker.read'), ('Administrator', 'broker.manage'),
  ('Auditor', 'broker.read')
) AS p(role, permission) ON p.role = r.name
ON CONFLICT DO NOTHING;
