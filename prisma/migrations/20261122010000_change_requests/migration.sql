-- Four-eyes change control: every privileged change is a change request that another person
-- approves (two distinct approvers for kinds that grant privileges). Decisions are electronic
-- signatures, append-only.

CREATE SEQUENCE change_request_number_seq;

CREATE TABLE change_requests (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number             text NOT NULL UNIQUE,
  kind               text NOT NULL,
  status             text NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'applied', 'rejected', 'cancelled', 'expired', 'failed')),
  requester_id       uuid NOT NULL REFERENCES users(id),
  requester_name     text NOT NULL,
  target_user_id     uuid REFERENCES users(id),
  target_role_id     uuid REFERENCES roles(id),
  target_label       text NOT NULL,
  reason             text NOT NULL CHECK (length(btrim(reason)) >= 3),
  payload            jsonb NOT NULL,
  payload_canonical  text NOT NULL,
  payload_hash       bytea NOT NULL CHECK (length(payload_hash) = 32),
  before_state       jsonb,
  before_hash        bytea,
  required_approvals integer NOT NULL CHECK (required_approvals BETWEEN 1 AND 3),
  approver_ids       uuid[] NOT NULL DEFAULT '{}',
  decider_ids        uuid[] NOT NULL DEFAULT '{}',
  expires_at         timestamptz(6) NOT NULL,
  submitted_at       timestamptz(6),
  decided_at         timestamptz(6),
  applied_at         timestamptz(6),
  failure_reason     text,
  secret_enc         text,
  secret_revealed_at timestamptz(6),
  version            integer NOT NULL DEFAULT 1,
  created_at         timestamptz(6) NOT NULL DEFAULT now(),
  updated_at         timestamptz(6) NOT NULL DEFAULT now()
);
CREATE INDEX change_requests_status_idx ON change_requests (status, created_at DESC);
CREATE INDEX change_requests_requester_idx ON change_requests (requester_id, created_at DESC);

CREATE TABLE change_request_decisions (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  change_request_id uuid NOT NULL REFERENCES change_requests(id),
  decider_id        uuid NOT NULL REFERENCES users(id),
  employee_id       text NOT NULL,
  printed_name      text NOT NULL,
  signer_role       text NOT NULL,
  decision          text NOT NULL CHECK (decision IN ('approve', 'reject')),
  meaning           text NOT NULL CHECK (meaning IN ('APPROVAL', 'REJECTION')),
  reason            text,
  signed_at         timestamptz(6) NOT NULL,
  context_ref       text NOT NULL,
  payload_hash      bytea NOT NULL,
  audit_chain_id    text NOT NULL,
  audit_seq         bigint NOT NULL,
  CHECK (decision <> 'reject' OR (reason IS NOT NULL AND length(btrim(reason)) > 0)),
  UNIQUE (change_request_id, decider_id)
);

CREATE TRIGGER change_request_decisions_no_update_delete BEFORE UPDATE OR DELETE ON change_request_decisions
  FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER change_request_decisions_no_truncate BEFORE TRUNCATE ON change_request_decisions
  FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_change();
ALTER TABLE change_request_decisions ENABLE ALWAYS TRIGGER change_request_decisions_no_update_delete;
ALTER TABLE change_request_decisions ENABLE ALWAYS TRIGGER change_request_decisions_no_truncate;

GRANT SELECT, INSERT, UPDATE ON change_requests TO custos_app;
GRANT SELECT, INSERT ON change_request_decisions TO custos_app;
GRANT INSERT, UPDATE ON roles TO custos_app;
GRANT USAGE, SELECT ON SEQUENCE change_request_number_seq TO custos_app;
