-- Service accounts for the integration API (lib/service-accounts, lib/api). Created, re-keyed,
-- re-scoped and disabled only by change request; tokens are ES256 JWTs verified against
-- service_account_keys, and each token id is accepted once (service_token_jti).
CREATE TABLE service_accounts (
  id                   text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{2,62}$'),
  name                 text NOT NULL,
  owner_id             uuid NOT NULL REFERENCES users(id),
  scopes               text[] NOT NULL DEFAULT '{}',
  max_token_lifetime_s integer NOT NULL CHECK (max_token_lifetime_s BETWEEN 60 AND 86400),
  allowed_networks     text[] NOT NULL DEFAULT '{}',
  status               text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  created_at           timestamptz(6) NOT NULL DEFAULT now(),
  updated_at           timestamptz(6) NOT NULL DEFAULT now(),
  -- 21 CFR 11.200: a service cannot sign; no signing meaning may ever be a scope.
  CONSTRAINT service_accounts_no_signing CHECK (NOT (scopes && ARRAY['records.sign_authorship', 'records.sign_review', 'records.sign_approval', 'records.sign_rejection']::text[]))
);

CREATE TABLE service_account_keys (
  account_id     text NOT NULL REFERENCES service_accounts(id),
  kid            text NOT NULL CHECK (kid ~ '^[A-Za-z0-9._-]{1,64}$'),
  public_key_pem text NOT NULL,
  fingerprint    text NOT NULL,
  created_at     timestamptz(6) NOT NULL DEFAULT now(),
  retired_at     timestamptz(6),
  last_used_at   timestamptz(6),
  PRIMARY KEY (account_id, kid)
);

CREATE TABLE service_token_jti (
  account_id text NOT NULL,
  jti        text NOT NULL,
  expires_at timestamptz(6) NOT NULL,
  PRIMARY KEY (account_id, jti)
);
CREATE INDEX service_token_jti_expires_idx ON service_token_jti (expires_at);

GRANT SELECT, INSERT, UPDATE ON service_accounts TO custos_app;
GRANT SELECT, INSERT, UPDATE ON service_account_keys TO custos_app;
GRANT SELECT, INSERT, DELETE ON service_token_jti TO custos_app;

-- Administrators read and manage service accounts (lib/rbac/builtin-roles.ts). On a site in use
-- the role's change is audited with its whole permission list (what derived-state checks replay).
CREATE TEMP TABLE service_grants_before ON COMMIT DROP AS
  SELECT r.id, r.name, coalesce(array_agg(p.permission ORDER BY p.permission) FILTER (WHERE p.permission IS NOT NULL), '{}') AS permissions
    FROM roles r LEFT JOIN role_permissions p ON p.role_id = r.id WHERE r.name = 'Administrator' AND r.built_in GROUP BY r.id, r.name;

INSERT INTO role_permissions (role_id, permission)
SELECT r.id, p.permission FROM roles r
JOIN (VALUES ('Administrator', 'service_accounts.read'), ('Administrator', 'service_accounts.manage')) AS p(role, permission) ON p.role = r.name AND r.built_in
ON CONFLICT DO NOTHING;

INSERT INTO migration_audit_outbox (action, entity_type, entity_id, old_value, new_value, reason)
SELECT 'role.permissions_migrated', 'Role', b.id::text,
       jsonb_build_object('name', b.name, 'permissions', to_jsonb(b.permissions)),
       jsonb_build_object('name', b.name, 'permissions', to_jsonb(a.permissions)),
       'service accounts for the integration API: Administrator reads and manages them'
  FROM service_grants_before b
  JOIN (SELECT r.id, coalesce(array_agg(p.permission ORDER BY p.permission) FILTER (WHERE p.permission IS NOT NULL), '{}') AS permissions
          FROM roles r LEFT JOIN role_permissions p ON p.role_id = r.id GROUP BY r.id) a ON a.id = b.id
 WHERE a.permissions <> b.permissions AND EXISTS (SELECT 1 FROM users);
