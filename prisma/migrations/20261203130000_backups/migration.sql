-- Encrypted backups and restore drills (21 CFR 11.10(c), Annex 11 §7.2). A backup row is the
-- catalogue entry of a file in CUSTOS_BACKUP_DIR: the signed manifest is kept here and beside the
-- file; status moves created → verified (a drill restored it and the chain verified) or failed,
-- and to pruned when retention removed the file. What a backup is stays in the audit chain
-- (backup.created with the manifest hash); this table is the index the Backup page pages over.
CREATE TABLE backups (
  id                 uuid PRIMARY KEY,
  created_at         timestamptz(6) NOT NULL,
  created_by         text NOT NULL,
  status             text NOT NULL DEFAULT 'created' CHECK (status IN ('created', 'verified', 'failed', 'pruned')),
  engine             text NOT NULL CHECK (engine IN ('postgres', 'pglite')),
  file_name          text NOT NULL UNIQUE,
  size_bytes         bigint NOT NULL,
  ciphertext_sha256  bytea NOT NULL,
  manifest           jsonb NOT NULL,
  manifest_hash      bytea NOT NULL UNIQUE,
  manifest_signature bytea NOT NULL,
  chain_id           text NOT NULL,
  head_seq           bigint NOT NULL,
  head_hash          bytea NOT NULL,
  verified_at        timestamptz(6),
  pruned_at          timestamptz(6)
);
CREATE INDEX backups_created_idx ON backups (created_at DESC, id DESC);

-- One row per drill or restore rehearsal; append-only like the evidence it is.
CREATE TABLE backup_drills (
  id          uuid PRIMARY KEY,
  backup_id   uuid NOT NULL REFERENCES backups(id),
  started_at  timestamptz(6) NOT NULL,
  finished_at timestamptz(6) NOT NULL,
  ok          boolean NOT NULL,
  actor_id    text NOT NULL,
  result      jsonb NOT NULL
);
CREATE INDEX backup_drills_finished_idx ON backup_drills (finished_at DESC, id DESC);
CREATE INDEX backup_drills_backup_idx ON backup_drills (backup_id, finished_at DESC);
CREATE TRIGGER backup_drills_no_update_delete BEFORE UPDATE OR DELETE ON backup_drills
  FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER backup_drills_no_truncate BEFORE TRUNCATE ON backup_drills
  FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_change();
ALTER TABLE backup_drills ENABLE ALWAYS TRIGGER backup_drills_no_update_delete;
ALTER TABLE backup_drills ENABLE ALWAYS TRIGGER backup_drills_no_truncate;

-- A failed drill, or none for too long, is an alert for administrators (Annex 11 §7.2).
ALTER TABLE security_alerts DROP CONSTRAINT security_alerts_kind_check;
ALTER TABLE security_alerts ADD CONSTRAINT security_alerts_kind_check
  CHECK (kind IN ('account_locked', 'mfa_failed', 'signature_failed', 'backup_drill_failed', 'backup_drill_overdue'));

GRANT SELECT, INSERT, UPDATE ON backups TO custos_app;
GRANT SELECT, INSERT ON backup_drills TO custos_app;

INSERT INTO role_permissions (role_id, permission)
SELECT r.id, p.permission FROM roles r
JOIN (VALUES ('Administrator', 'backups.read'), ('Administrator', 'backups.manage')) AS p(role, permission) ON p.role = r.name
ON CONFLICT DO NOTHING;
