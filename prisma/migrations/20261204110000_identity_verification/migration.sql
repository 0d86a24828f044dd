-- 21 CFR 11.100(b): how a person's identity was verified before their account (and so their
-- electronic signature) was created. The evidence files are kept append-only with their SHA-256;
-- the user.create request names them by hash, so approvers sign what they saw.
CREATE TABLE identity_evidence (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  sha256       bytea NOT NULL CHECK (length(sha256) = 32),
  filename     text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
  content_type text NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
  size_bytes   integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 5242880),
  bytes        bytea NOT NULL CHECK (length(bytes) = size_bytes),
  uploaded_by  uuid NOT NULL REFERENCES users(id),
  uploaded_at  timestamptz(6) NOT NULL DEFAULT now()
);
CREATE INDEX identity_evidence_sha256_idx ON identity_evidence (sha256);
CREATE TRIGGER identity_evidence_no_update_delete BEFORE UPDATE OR DELETE ON identity_evidence
  FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER identity_evidence_no_truncate BEFORE TRUNCATE ON identity_evidence
  FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_change();
ALTER TABLE identity_evidence ENABLE ALWAYS TRIGGER identity_evidence_no_update_delete;
ALTER TABLE identity_evidence ENABLE ALWAYS TRIGGER identity_evidence_no_truncate;
GRANT SELECT, INSERT ON identity_evidence TO custos_app;

-- What the approved request said, copied to the user when it is applied (null: created before
-- this was recorded, or by the first start).
ALTER TABLE users ADD COLUMN identity_verification jsonb;
