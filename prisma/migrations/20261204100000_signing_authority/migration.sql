-- Authority per signature meaning, approvals that follow what a request grants, and
-- commissioning (lib/site/site-state.ts).

-- 1. records.sign becomes one permission per meaning (lib/rbac/permissions.ts). Built-in roles
--    get what they sign; a custom role that held records.sign gets all four, so no site loses a
--    capability by upgrading. On a site already in use, each role's change is audited
--    (migration_audit_outbox, drained into the chain by the migration runner).
CREATE TABLE migration_audit_outbox (
  id          bigserial PRIMARY KEY,
  action      text NOT NULL,
  entity_type text NOT NULL,
  entity_id   text NOT NULL,
  old_value   jsonb,
  new_value   jsonb,
  reason      text NOT NULL
);

CREATE TEMP TABLE signing_grants_before ON COMMIT DROP AS
  SELECT r.id, r.name, coalesce(array_agg(p.permission ORDER BY p.permission) FILTER (WHERE p.permission IS NOT NULL), '{}') AS permissions
    FROM roles r LEFT JOIN role_permissions p ON p.role_id = r.id GROUP BY r.id, r.name;

INSERT INTO role_permissions (role_id, permission)
SELECT r.id, g.permission FROM roles r
JOIN (VALUES
  ('Operator', 'records.sign_authorship'),
  ('QA Reviewer', 'records.sign_review'), ('QA Reviewer', 'records.sign_rejection'),
  ('QA Approver', 'records.sign_approval'), ('QA Approver', 'records.sign_rejection'),
  ('Administrator', 'site.commission')
) AS g(role, permission) ON g.role = r.name AND r.built_in
ON CONFLICT DO NOTHING;

INSERT INTO role_permissions (role_id, permission)
SELECT p.role_id, m.permission FROM role_permissions p
JOIN roles r ON r.id = p.role_id AND NOT r.built_in
CROSS JOIN (VALUES ('records.sign_authorship'), ('records.sign_review'), ('records.sign_approval'), ('records.sign_rejection')) AS m(permission)
WHERE p.permission = 'records.sign'
ON CONFLICT DO NOTHING;

DELETE FROM role_permissions WHERE permission = 'records.sign';

INSERT INTO migration_audit_outbox (action, entity_type, entity_id, old_value, new_value, reason)
SELECT 'role.permissions_migrated', 'Role', b.id::text,
       jsonb_build_object('name', b.name, 'permissions', to_jsonb(b.permissions)),
       jsonb_build_object('name', b.name, 'permissions', to_jsonb(a.permissions)),
       'records.sign split into one permission per signature meaning; site.commission added to Administrator'
  FROM signing_grants_before b
  JOIN (SELECT r.id, coalesce(array_agg(p.permission ORDER BY p.permission) FILTER (WHERE p.permission IS NOT NULL), '{}') AS permissions
          FROM roles r LEFT JOIN role_permissions p ON p.role_id = r.id GROUP BY r.id) a ON a.id = b.id
 WHERE a.permissions <> b.permissions AND EXISTS (SELECT 1 FROM users);

-- 2. A change request keeps the permissions its effect needs (lib/change-requests/authority.ts);
--    an approver must hold them all. Requests applied directly while commissioning are marked.
ALTER TABLE change_requests ADD COLUMN required_permissions text[] NOT NULL DEFAULT '{}';
ALTER TABLE change_requests ADD COLUMN commissioning boolean NOT NULL DEFAULT false;

ALTER TABLE change_request_decisions DROP CONSTRAINT change_request_decisions_decision_check;
ALTER TABLE change_request_decisions ADD CONSTRAINT change_request_decisions_decision_check CHECK (decision IN ('approve', 'reject', 'commission'));
ALTER TABLE change_request_decisions DROP CONSTRAINT change_request_decisions_meaning_check;
ALTER TABLE change_request_decisions ADD CONSTRAINT change_request_decisions_meaning_check CHECK (meaning IN ('APPROVAL', 'REJECTION', 'RESPONSIBILITY'));

-- 3. The site goes live once, by a signed action; until then it is commissioning. A site that
--    already has people was running under four-eyes control: it is live from this migration.
CREATE TABLE site_go_live (
  id              integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  went_live_at    timestamptz(6) NOT NULL,
  user_id         uuid REFERENCES users(id),
  employee_id     text,
  printed_name    text NOT NULL,
  reason          text NOT NULL,
  audit_chain_id  text,
  audit_seq       bigint
);
CREATE TRIGGER site_go_live_no_update_delete BEFORE UPDATE OR DELETE ON site_go_live
  FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER site_go_live_no_truncate BEFORE TRUNCATE ON site_go_live
  FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_change();
ALTER TABLE site_go_live ENABLE ALWAYS TRIGGER site_go_live_no_update_delete;
ALTER TABLE site_go_live ENABLE ALWAYS TRIGGER site_go_live_no_truncate;
GRANT SELECT, INSERT ON site_go_live TO custos_app;

INSERT INTO site_go_live (went_live_at, printed_name, reason)
SELECT now(), 'Custos migration', 'the site had users before commissioning existed: it was already under change control'
 WHERE (SELECT count(*) FROM users) > 1;

INSERT INTO migration_audit_outbox (action, entity_type, entity_id, new_value, reason)
SELECT 'site.go_live', 'Site', 'site', jsonb_build_object('wentLiveAt', went_live_at), reason FROM site_go_live;

-- 4. Break-glass unlock by the database owner raises an alert.
ALTER TABLE security_alerts DROP CONSTRAINT security_alerts_kind_check;
ALTER TABLE security_alerts ADD CONSTRAINT security_alerts_kind_check CHECK (kind IN (
  'account_locked', 'mfa_failed', 'signature_failed', 'comm_loss', 'quarantine_escalation', 'chain_verify_failed',
  'broker_drift', 'broker_change_mismatch', 'backup_failed', 'drill_failed', 'backup_drill_failed', 'backup_drill_overdue',
  'break_glass'));
