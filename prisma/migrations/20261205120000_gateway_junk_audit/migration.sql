-- Unauthenticated junk posted to the HTTP gateway endpoint is sealed in quarantine at once but
-- audited per source address and minute: one audit event names every row of the window by count,
-- hashes and Merkle root (quarantine_junk_audits), so a flood cannot grow the trail by one event
-- per request. Everything else in quarantine keeps its own audit event.

ALTER TABLE quarantine
  ADD COLUMN source_address text,
  ADD COLUMN junk_window timestamptz(6),
  ADD COLUMN junk_audit_id bigint,
  -- A body kept as its prefix (over CUSTOS_INGEST_MAX_BYTES): the whole body's length and SHA-256.
  ADD COLUMN received_bytes bigint,
  ADD COLUMN received_sha256 bytea CHECK (received_sha256 IS NULL OR length(received_sha256) = 32);

CREATE TABLE quarantine_junk_audits (
  id              bigserial PRIMARY KEY,
  source_address  text NOT NULL,
  window_start    timestamptz(6) NOT NULL,
  count           integer NOT NULL CHECK (count > 0),
  bytes           bigint NOT NULL CHECK (bytes >= 0),
  first_id        bigint NOT NULL,
  last_id         bigint NOT NULL,
  merkle_root     bytea NOT NULL CHECK (length(merkle_root) = 32),
  audit_chain_id  text NOT NULL,
  audit_seq       bigint NOT NULL,
  created_at      timestamptz(6) NOT NULL DEFAULT now()
);
CREATE INDEX quarantine_junk_audits_window_idx ON quarantine_junk_audits (window_start, source_address);
CREATE TRIGGER quarantine_junk_audits_append_only BEFORE UPDATE OR DELETE ON quarantine_junk_audits FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER quarantine_junk_audits_no_truncate BEFORE TRUNCATE ON quarantine_junk_audits FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_change();
ALTER TABLE quarantine_junk_audits ENABLE ALWAYS TRIGGER quarantine_junk_audits_append_only;
ALTER TABLE quarantine_junk_audits ENABLE ALWAYS TRIGGER quarantine_junk_audits_no_truncate;

ALTER TABLE quarantine ADD CONSTRAINT quarantine_junk_audit_fk FOREIGN KEY (junk_audit_id) REFERENCES quarantine_junk_audits (id);
-- The rows whose window has not been audited yet (the flush reads only these).
CREATE INDEX quarantine_junk_pending_idx ON quarantine (junk_window, id) WHERE junk_window IS NOT NULL AND junk_audit_id IS NULL;
CREATE INDEX quarantine_junk_audit_idx ON quarantine (junk_audit_id, id) WHERE junk_audit_id IS NOT NULL;

-- Sealed as before; besides the decision, the one change allowed is naming the window's audit
-- (junk_audit_id, once, from NULL), whatever the entry's status.
CREATE OR REPLACE FUNCTION custos_quarantine_sealed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION '% on quarantine refused: rejected payloads are kept (21 CFR 11.10(e))', TG_OP USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.raw IS DISTINCT FROM OLD.raw OR NEW.raw_sha256 IS DISTINCT FROM OLD.raw_sha256 OR NEW.reason IS DISTINCT FROM OLD.reason
     OR NEW.received_at IS DISTINCT FROM OLD.received_at OR NEW.source IS DISTINCT FROM OLD.source OR NEW.topic IS DISTINCT FROM OLD.topic
     OR NEW.source_address IS DISTINCT FROM OLD.source_address OR NEW.junk_window IS DISTINCT FROM OLD.junk_window
     OR NEW.received_bytes IS DISTINCT FROM OLD.received_bytes OR NEW.received_sha256 IS DISTINCT FROM OLD.received_sha256
     OR (OLD.junk_audit_id IS NOT NULL AND NEW.junk_audit_id IS DISTINCT FROM OLD.junk_audit_id) THEN
    RAISE EXCEPTION 'quarantined payloads are sealed: only an undecided entry may be decided (21 CFR 11.10(e))' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.status <> 'held' AND (NEW.status IS DISTINCT FROM OLD.status OR NEW.decided_by IS DISTINCT FROM OLD.decided_by
     OR NEW.decided_at IS DISTINCT FROM OLD.decided_at OR NEW.decision_reason IS DISTINCT FROM OLD.decision_reason
     OR NEW.telemetry_id IS DISTINCT FROM OLD.telemetry_id OR NEW.detail IS DISTINCT FROM OLD.detail OR NEW.device_hint IS DISTINCT FROM OLD.device_hint) THEN
    RAISE EXCEPTION 'quarantined payloads are sealed: only an undecided entry may be decided (21 CFR 11.10(e))' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;

GRANT SELECT, INSERT ON quarantine_junk_audits TO custos_app;
GRANT USAGE, SELECT ON SEQUENCE quarantine_junk_audits_id_seq TO custos_app;
