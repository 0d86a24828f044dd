-- Electronic records: immutable versions (canonical content + SHA-256), append-only electronic
-- signatures bound to the content hash of the version they sign (21 CFR 11.50, 11.70, 11.200).

CREATE SEQUENCE record_number_seq;

CREATE TABLE records (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number          text NOT NULL UNIQUE,
  kind            text NOT NULL CHECK (kind IN ('batch_record', 'deviation', 'excursion', 'document')),
  title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  status          text NOT NULL CHECK (status IN ('draft', 'in_review', 'reviewed', 'approved', 'rejected', 'retired')),
  current_version integer NOT NULL CHECK (current_version >= 1),
  created_by      text NOT NULL,
  created_at      timestamptz(6) NOT NULL DEFAULT now(),
  updated_at      timestamptz(6) NOT NULL DEFAULT now(),
  retired_at      timestamptz(6),
  retired_reason  text,
  -- Optimistic concurrency for edits made from a page that may be stale.
  row_version     integer NOT NULL DEFAULT 1
);
CREATE INDEX records_kind_status_idx ON records (kind, status, updated_at DESC);
CREATE INDEX records_updated_idx ON records (updated_at DESC, id);

CREATE TABLE record_versions (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  record_id         uuid NOT NULL REFERENCES records(id),
  version           integer NOT NULL CHECK (version >= 1),
  content_canonical text NOT NULL,
  content_hash      bytea NOT NULL CHECK (length(content_hash) = 32),
  reason            text,
  created_by        text NOT NULL,
  created_by_name   text NOT NULL,
  created_at        timestamptz(6) NOT NULL DEFAULT now(),
  UNIQUE (record_id, version),
  -- 21 CFR 11.10(e): every version after the first states why it was changed.
  CHECK (version = 1 OR (reason IS NOT NULL AND length(btrim(reason)) >= 3))
);

CREATE TABLE signatures (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  record_id          uuid NOT NULL REFERENCES records(id),
  record_version_id  uuid NOT NULL REFERENCES record_versions(id),
  version            integer NOT NULL,
  signer_id          uuid NOT NULL REFERENCES users(id),
  signer_employee_id text NOT NULL,
  printed_name       text NOT NULL,
  signer_role        text NOT NULL,
  meaning            text NOT NULL CHECK (meaning IN ('AUTHORSHIP', 'REVIEW', 'APPROVAL', 'RESPONSIBILITY', 'VERIFICATION', 'REJECTION')),
  transition         text NOT NULL,
  comment            text,
  signed_at          timestamptz(6) NOT NULL,
  context_ref        text NOT NULL,
  content_hash       bytea NOT NULL CHECK (length(content_hash) = 32),
  audit_chain_id     text NOT NULL,
  audit_seq          bigint NOT NULL,
  session_id         text,
  CHECK (meaning <> 'REJECTION' OR (comment IS NOT NULL AND length(btrim(comment)) > 0)),
  -- The same person cannot sign the same version twice with the same meaning.
  UNIQUE (record_version_id, signer_id, meaning)
);
CREATE INDEX signatures_record_idx ON signatures (record_id, signed_at);

CREATE TRIGGER record_versions_no_update_delete BEFORE UPDATE OR DELETE ON record_versions
  FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER record_versions_no_truncate BEFORE TRUNCATE ON record_versions
  FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER signatures_no_update_delete BEFORE UPDATE OR DELETE ON signatures
  FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER signatures_no_truncate BEFORE TRUNCATE ON signatures
  FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_change();
ALTER TABLE record_versions ENABLE ALWAYS TRIGGER record_versions_no_update_delete;
ALTER TABLE record_versions ENABLE ALWAYS TRIGGER record_versions_no_truncate;
ALTER TABLE signatures ENABLE ALWAYS TRIGGER signatures_no_update_delete;
ALTER TABLE signatures ENABLE ALWAYS TRIGGER signatures_no_truncate;

-- The audit trail of one record is read by entity.
CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id, seq DESC);

GRANT SELECT, INSERT, UPDATE ON records TO custos_app;
GRANT SELECT, INSERT ON record_versions, signatures TO custos_app;
GRANT USAGE, SELECT ON SEQUENCE record_number_seq TO custos_app;
