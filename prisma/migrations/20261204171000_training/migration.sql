-- 21 CFR 11.10(i): training records. A curriculum maps a role to controlled documents (records
-- of kind `document`, at their newest approved version); a person completes each by an
-- electronic signature "read and understood" on that version. Signing a record with a meaning
-- is refused while a role granting that meaning has overdue training (lib/training/*).
CREATE TABLE curriculum_documents (
  role_id    uuid NOT NULL REFERENCES roles(id),
  record_id  uuid NOT NULL REFERENCES records(id),
  added_at   timestamptz(6) NOT NULL,
  PRIMARY KEY (role_id, record_id)
);

CREATE TABLE training_completions (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id        uuid NOT NULL REFERENCES users(id),
  record_id      uuid NOT NULL REFERENCES records(id),
  version        integer NOT NULL,
  revision       text NOT NULL,
  content_hash   bytea NOT NULL CHECK (length(content_hash) = 32),
  meaning        text NOT NULL CHECK (meaning = 'READ_AND_UNDERSTOOD'),
  printed_name   text NOT NULL,
  employee_id    text NOT NULL,
  signed_at      timestamptz(6) NOT NULL,
  audit_chain_id text NOT NULL,
  audit_seq      bigint NOT NULL,
  UNIQUE (user_id, record_id, version)
);
CREATE TRIGGER training_completions_no_update_delete BEFORE UPDATE OR DELETE ON training_completions
  FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER training_completions_no_truncate BEFORE TRUNCATE ON training_completions
  FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_change();
ALTER TABLE training_completions ENABLE ALWAYS TRIGGER training_completions_no_update_delete;
ALTER TABLE training_completions ENABLE ALWAYS TRIGGER training_completions_no_truncate;

GRANT SELECT, INSERT, DELETE ON curriculum_documents TO custos_app;
GRANT SELECT, INSERT ON training_completions TO custos_app;

CREATE TEMP TABLE training_grants_before ON COMMIT DROP AS
  SELECT r.id, r.name, coalesce(array_agg(p.permission ORDER BY p.permission) FILTER (WHERE p.permission IS NOT NULL), '{}') AS permissions
    FROM roles r LEFT JOIN role_permissions p ON p.role_id = r.id GROUP BY r.id, r.name;

-- Who sees the training matrix and who changes curricula (through change requests): QA
-- approvers, and administrators, who configure roles.
INSERT INTO role_permissions (role_id, permission)
SELECT r.id, g.permission FROM roles r
JOIN (VALUES
  ('QA Approver', 'training.read'), ('QA Approver', 'training.manage'),
  ('QA Reviewer', 'training.read'), ('Administrator', 'training.read'), ('Administrator', 'training.manage'),
  ('Auditor', 'training.read')
) AS g(role, permission) ON g.role = r.name AND r.built_in
ON CONFLICT DO NOTHING;

-- On a site in use, each role's new grants are audited (drained by the migration runner).
INSERT INTO migration_audit_outbox (action, entity_type, entity_id, old_value, new_value, reason)
SELECT 'role.permissions_migrated', 'Role', b.id::text,
       jsonb_build_object('name', b.name, 'permissions', to_jsonb(b.permissions)),
       jsonb_build_object('name', b.name, 'permissions', to_jsonb(a.permissions)),
       'training records: training.read and training.manage granted'
  FROM training_grants_before b
  JOIN (SELECT r.id, coalesce(array_agg(p.permission ORDER BY p.permission) FILTER (WHERE p.permission IS NOT NULL), '{}') AS permissions
          FROM roles r LEFT JOIN role_permissions p ON p.role_id = r.id GROUP BY r.id) a ON a.id = b.id
 WHERE a.permissions <> b.permissions AND EXISTS (SELECT 1 FROM users);
