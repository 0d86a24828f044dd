-- Annex 11 §9: the audit trail is reviewed regularly (lib/audit-review/*). A review covers one
-- chain over a period, pre-lists the events that need a look, and is closed by the reviewer's
-- electronic signature (REVIEW) once every listed event is marked seen.
CREATE SEQUENCE audit_review_number_seq;
CREATE TABLE audit_reviews (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number           text NOT NULL UNIQUE,
  chain_id         text NOT NULL,
  period_from      timestamptz(6) NOT NULL,
  period_to        timestamptz(6) NOT NULL CHECK (period_to > period_from),
  -- The chain head when the review was opened and when it was signed.
  start_head_seq   bigint NOT NULL,
  start_head_hash  bytea,
  end_head_seq     bigint,
  end_head_hash    bytea,
  status           text NOT NULL CHECK (status IN ('open', 'closed')),
  reviewer_id      uuid NOT NULL REFERENCES users(id),
  reviewer_name    text NOT NULL,
  finding          text CHECK (finding IN ('none', 'observation', 'deviation')),
  finding_text     text,
  signed_at        timestamptz(6),
  signer_employee_id text,
  signer_role      text,
  audit_seq        bigint,
  created_at       timestamptz(6) NOT NULL DEFAULT now(),
  CHECK (status = 'open' OR (finding IS NOT NULL AND signed_at IS NOT NULL)),
  CHECK (finding IS NULL OR finding = 'none' OR length(btrim(coalesce(finding_text, ''))) > 0)
);
CREATE INDEX audit_reviews_chain_idx ON audit_reviews (chain_id, period_to DESC);

CREATE TABLE audit_review_items (
  review_id  uuid NOT NULL REFERENCES audit_reviews(id),
  seq        bigint NOT NULL,
  action     text NOT NULL,
  actor_id   text NOT NULL,
  occurred_at timestamptz(6) NOT NULL,
  seen_at    timestamptz(6),
  PRIMARY KEY (review_id, seq)
);

GRANT SELECT, INSERT, UPDATE ON audit_reviews, audit_review_items TO custos_app;
GRANT USAGE, SELECT ON SEQUENCE audit_review_number_seq TO custos_app;

CREATE TEMP TABLE review_grants_before ON COMMIT DROP AS
  SELECT r.id, r.name, coalesce(array_agg(p.permission ORDER BY p.permission) FILTER (WHERE p.permission IS NOT NULL), '{}') AS permissions
    FROM roles r LEFT JOIN role_permissions p ON p.role_id = r.id GROUP BY r.id, r.name;

-- Reviewing the trail is QA's: both QA roles may hold a review.
INSERT INTO role_permissions (role_id, permission)
SELECT r.id, 'audit.review' FROM roles r WHERE r.built_in AND r.name IN ('QA Reviewer', 'QA Approver')
ON CONFLICT DO NOTHING;

-- On a site in use, each role's new grants are audited (drained by the migration runner).
INSERT INTO migration_audit_outbox (action, entity_type, entity_id, old_value, new_value, reason)
SELECT 'role.permissions_migrated', 'Role', b.id::text,
       jsonb_build_object('name', b.name, 'permissions', to_jsonb(b.permissions)),
       jsonb_build_object('name', b.name, 'permissions', to_jsonb(a.permissions)),
       'periodic audit-trail review: both QA roles hold audit.review'
  FROM review_grants_before b
  JOIN (SELECT r.id, coalesce(array_agg(p.permission ORDER BY p.permission) FILTER (WHERE p.permission IS NOT NULL), '{}') AS permissions
          FROM roles r LEFT JOIN role_permissions p ON p.role_id = r.id GROUP BY r.id) a ON a.id = b.id
 WHERE a.permissions <> b.permissions AND EXISTS (SELECT 1 FROM users);

ALTER TABLE security_alerts DROP CONSTRAINT security_alerts_kind_check;
ALTER TABLE security_alerts ADD CONSTRAINT security_alerts_kind_check CHECK (kind IN (
  'account_locked', 'mfa_failed', 'signature_failed', 'comm_loss', 'quarantine_escalation', 'chain_verify_failed',
  'broker_drift', 'broker_change_mismatch', 'backup_failed', 'backup_overdue', 'backup_restore_failed', 'drill_failed',
  'backup_drill_failed', 'backup_drill_overdue', 'break_glass', 'audit_review_overdue'));
