-- Identity: sessions checked on every request, password history, MFA, security alerts, and the
-- permissions of the built-in roles (lib/rbac/permissions.ts lists every permission).

ALTER TABLE users
  ADD COLUMN mfa_secret_enc   text,
  ADD COLUMN mfa_enabled_at   timestamptz(6),
  ADD COLUMN password_expires boolean NOT NULL DEFAULT true;

-- A session row is the only thing that grants access: the JWT cookie carries just its id.
CREATE TABLE sessions (
  id                  text PRIMARY KEY,
  user_id             uuid NOT NULL REFERENCES users(id),
  created_at          timestamptz(6) NOT NULL DEFAULT now(),
  last_activity_at    timestamptz(6) NOT NULL DEFAULT now(),
  absolute_expires_at timestamptz(6) NOT NULL,
  idle_timeout_s      integer NOT NULL CHECK (idle_timeout_s > 0),
  mfa_pending         boolean NOT NULL DEFAULT false,
  signed_at           timestamptz(6),
  revoked_at          timestamptz(6),
  revoked_reason      text,
  ip                  text,
  user_agent          text
);
CREATE INDEX sessions_user_idx ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE password_history (
  id            bigserial PRIMARY KEY,
  user_id       uuid NOT NULL REFERENCES users(id),
  password_hash text NOT NULL,
  created_at    timestamptz(6) NOT NULL DEFAULT now()
);
CREATE INDEX password_history_user_idx ON password_history (user_id, created_at DESC);

CREATE TABLE mfa_recovery_codes (
  id         bigserial PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users(id),
  code_hash  text NOT NULL,
  created_at timestamptz(6) NOT NULL DEFAULT now(),
  used_at    timestamptz(6)
);
CREATE INDEX mfa_recovery_codes_user_idx ON mfa_recovery_codes (user_id) WHERE used_at IS NULL;

-- 11.300(d): attempts at unauthorized use are reported "immediately and urgently".
CREATE TABLE security_alerts (
  id              bigserial PRIMARY KEY,
  kind            text NOT NULL CHECK (kind IN ('account_locked', 'mfa_failed', 'signature_failed')),
  user_id         uuid REFERENCES users(id),
  detail          jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at      timestamptz(6) NOT NULL DEFAULT now(),
  acknowledged_at timestamptz(6),
  acknowledged_by uuid REFERENCES users(id)
);
CREATE INDEX security_alerts_open_idx ON security_alerts (created_at DESC) WHERE acknowledged_at IS NULL;

GRANT SELECT, INSERT, UPDATE ON sessions, security_alerts, mfa_recovery_codes TO custos_app;
GRANT SELECT, INSERT ON password_history TO custos_app;
GRANT USAGE, SELECT ON SEQUENCE password_history_id_seq, mfa_recovery_codes_id_seq, security_alerts_id_seq TO custos_app;

INSERT INTO role_permissions (role_id, permission)
SELECT r.id, p.permission FROM roles r
JOIN (VALUES
  ('Administrator', 'users.read'), ('Administrator', 'users.create'), ('Administrator', 'users.update'),
  ('Administrator', 'users.disable'), ('Administrator', 'users.unlock'), ('Administrator', 'users.reset_password'),
  ('Administrator', 'roles.read'), ('Administrator', 'roles.manage'),
  ('Administrator', 'security_alerts.read'), ('Administrator', 'security_alerts.acknowledge'),
  ('Administrator', 'change_requests.read'), ('Administrator', 'change_requests.approve'),
  ('Administrator', 'devices.read'), ('Administrator', 'devices.manage'),
  ('Administrator', 'audit.read'), ('Administrator', 'audit.verify'),
  ('Administrator', 'records.read'), ('Administrator', 'telemetry.read'), ('Administrator', 'quarantine.read'),
  ('QA Reviewer', 'records.read'), ('QA Reviewer', 'records.sign'), ('QA Reviewer', 'audit.read'),
  ('QA Reviewer', 'telemetry.read'), ('QA Reviewer', 'quarantine.read'),
  ('QA Approver', 'records.read'), ('QA Approver', 'records.sign'), ('QA Approver', 'records.retire'),
  ('QA Approver', 'change_requests.read'), ('QA Approver', 'change_requests.approve'),
  ('QA Approver', 'audit.read'), ('QA Approver', 'telemetry.read'), ('QA Approver', 'quarantine.read'),
  ('QA Approver', 'quarantine.manage'),
  ('Auditor', 'audit.read'), ('Auditor', 'audit.export'), ('Auditor', 'audit.verify'),
  ('Auditor', 'records.read'), ('Auditor', 'change_requests.read'), ('Auditor', 'users.read'),
  ('Auditor', 'roles.read'), ('Auditor', 'security_alerts.read'), ('Auditor', 'devices.read'),
  ('Auditor', 'telemetry.read'), ('Auditor', 'quarantine.read'),
  ('Operator', 'records.read'), ('Operator', 'records.create'), ('Operator', 'records.edit'),
  ('Operator', 'records.sign'), ('Operator', 'telemetry.read')
) AS p(role, permission) ON p.role = r.name;
