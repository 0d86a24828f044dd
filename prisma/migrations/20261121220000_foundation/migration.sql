-- Custos foundation: users and roles, the audit chain and its signed checkpoints.
-- Applied by lib/db/migrate.ts as the owning role; the application connects as custos_app,
-- which owns nothing and may only INSERT/SELECT on the append-only tables.

-- The role is cluster-wide: several databases (test files, sites) may create it at once.
DO $$
BEGIN
  CREATE ROLE custos_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;

-- Every table below is written only through services that append an audit event in the same
-- transaction (21 CFR 11.10(e)).

CREATE TABLE users (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  employee_id         text NOT NULL UNIQUE CHECK (employee_id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$'),
  display_name        text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  email               text,
  status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  password_hash       text NOT NULL,
  password_changed_at timestamptz(6) NOT NULL DEFAULT now(),
  must_change_password boolean NOT NULL DEFAULT true,
  failed_attempts     integer NOT NULL DEFAULT 0,
  locked_at           timestamptz(6),
  last_sign_in_at     timestamptz(6),
  created_at          timestamptz(6) NOT NULL DEFAULT now(),
  updated_at          timestamptz(6) NOT NULL DEFAULT now()
);

CREATE TABLE roles (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
  description text NOT NULL DEFAULT '',
  built_in    boolean NOT NULL DEFAULT false,
  created_at  timestamptz(6) NOT NULL DEFAULT now()
);

CREATE TABLE role_permissions (
  role_id    uuid NOT NULL REFERENCES roles(id),
  permission text NOT NULL CHECK (permission ~ '^[a-z_]+\.[a-z_]+$'),
  PRIMARY KEY (role_id, permission)
);

CREATE TABLE user_roles (
  user_id    uuid NOT NULL REFERENCES users(id),
  role_id    uuid NOT NULL REFERENCES roles(id),
  granted_at timestamptz(6) NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, role_id)
);

INSERT INTO roles (name, description, built_in) VALUES
  ('Administrator', 'Manages users, roles and devices under four-eyes control', true),
  ('QA Reviewer',   'Reviews and signs records (REVIEW)', true),
  ('QA Approver',   'Approves records and change requests (APPROVAL)', true),
  ('Auditor',       'Reads and exports the audit trail', true),
  ('Operator',      'Creates and edits records', true);

-- The audit chain. `canonical` is the RFC 8785 text of the event and is stored verbatim;
-- hash = SHA-256(prev_hash || utf8(canonical)); the first event of a chain links to 32 zero bytes.
CREATE TABLE audit_events (
  chain_id    text NOT NULL,
  seq         bigint NOT NULL CHECK (seq >= 1),
  occurred_at timestamptz(6) NOT NULL,
  actor_type  text NOT NULL CHECK (actor_type IN ('user', 'system', 'device')),
  actor_id    text NOT NULL,
  actor_name  text,
  actor_role  text,
  session_id  text,
  action      text NOT NULL,
  entity_type text NOT NULL,
  entity_id   text,
  old_value   jsonb,
  new_value   jsonb,
  reason      text,
  context_ref text,
  canonical   text NOT NULL,
  prev_hash   bytea NOT NULL CHECK (length(prev_hash) = 32),
  hash        bytea NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (chain_id, seq),
  -- A fork (two events claiming the same predecessor) is impossible, not just unlikely.
  CONSTRAINT audit_events_chain_prev_key UNIQUE (chain_id, prev_hash)
);

-- The head of each chain; appends lock this row, so writers to one chain are serialized.
-- It is a cache of the last event: verification never trusts it.
CREATE TABLE audit_chain_heads (
  chain_id   text PRIMARY KEY,
  seq        bigint NOT NULL DEFAULT 0,
  hash       bytea NOT NULL DEFAULT decode(repeat('00', 32), 'hex'),
  updated_at timestamptz(6) NOT NULL DEFAULT now()
);

-- Signed checkpoints: `payload` is the RFC 8785 text {chain_id, hash, key_id, seq, signed_at};
-- `signature` is ECDSA P-256 / SHA-256 over utf8(payload), IEEE P1363 (r || s).
CREATE TABLE audit_checkpoints (
  id         bigserial PRIMARY KEY,
  chain_id   text NOT NULL,
  seq        bigint NOT NULL,
  hash       bytea NOT NULL CHECK (length(hash) = 32),
  signed_at  timestamptz(6) NOT NULL,
  key_id     text NOT NULL,
  public_key text NOT NULL,
  payload    text NOT NULL,
  signature  bytea NOT NULL
);
CREATE INDEX audit_checkpoints_chain_seq_idx ON audit_checkpoints (chain_id, seq DESC);

-- 21 CFR 11.10(e): audit rows are never changed or removed, by anyone, through any path.
CREATE FUNCTION custos_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% on % refused: audit records are append-only (21 CFR 11.10(e))', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER audit_checkpoints_no_update_delete BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_change();
-- ENABLE ALWAYS: the triggers fire even with session_replication_role = replica.
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_update_delete;
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_truncate;
ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_no_update_delete;
ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_no_truncate;

GRANT USAGE ON SCHEMA public TO custos_app;
GRANT SELECT, INSERT, UPDATE ON users, roles, user_roles TO custos_app;
GRANT SELECT, INSERT, DELETE ON role_permissions, user_roles TO custos_app;
GRANT SELECT, INSERT, UPDATE ON audit_chain_heads TO custos_app;
GRANT SELECT, INSERT ON audit_events, audit_checkpoints TO custos_app;
GRANT USAGE, SELECT ON SEQUENCE audit_checkpoints_id_seq TO custos_app;
GRANT SELECT ON _prisma_migrations TO custos_app;
