-- Files kept with a record version (e.g. the OQ evidence report's PDF and JSON): append-only,
-- named by SHA-256, size-limited (lib/records/attachments.ts).
CREATE TABLE record_attachments (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  record_id    uuid NOT NULL REFERENCES records(id),
  version      integer NOT NULL,
  filename     text NOT NULL CHECK (length(filename) BETWEEN 1 AND 200),
  content_type text NOT NULL CHECK (content_type IN ('application/pdf', 'application/json')),
  size_bytes   integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 20971520),
  sha256       bytea NOT NULL CHECK (length(sha256) = 32),
  bytes        bytea NOT NULL CHECK (length(bytes) = size_bytes),
  created_by   text NOT NULL,
  created_at   timestamptz(6) NOT NULL
);
CREATE INDEX record_attachments_record_idx ON record_attachments (record_id, version);
CREATE TRIGGER record_attachments_no_update_delete BEFORE UPDATE OR DELETE ON record_attachments
  FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER record_attachments_no_truncate BEFORE TRUNCATE ON record_attachments
  FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_change();
ALTER TABLE record_attachments ENABLE ALWAYS TRIGGER record_attachments_no_update_delete;
ALTER TABLE record_attachments ENABLE ALWAYS TRIGGER record_attachments_no_truncate;
GRANT SELECT, INSERT ON record_attachments TO custos_app;
