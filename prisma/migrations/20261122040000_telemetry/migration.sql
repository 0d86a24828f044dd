-- Signed telemetry: devices and their keys, readings (hypertable with TimescaleDB, else native
-- monthly range partitions — decided here at apply time), per-batch Merkle roots in the audit
-- chain, sealed quarantine of everything rejected, excursion and communication-loss state.

CREATE TABLE devices (
  id                   text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{1,99}$'),
  kind                 text NOT NULL CHECK (kind IN ('hmac', 'ecdsa')),
  status               text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'retired')),
  description          text NOT NULL DEFAULT '',
  firmware_version     text,
  calibration_due      date,
  allowed_topics       text[] NOT NULL DEFAULT '{}',
  expected_interval_s  integer CHECK (expected_interval_s > 0),
  limit_min            double precision,
  limit_max            double precision,
  limit_min_duration_s integer NOT NULL DEFAULT 0 CHECK (limit_min_duration_s >= 0),
  unit                 text,
  created_at           timestamptz(6) NOT NULL DEFAULT now(),
  updated_at           timestamptz(6) NOT NULL DEFAULT now(),
  CHECK (limit_min IS NULL OR limit_max IS NULL OR limit_min < limit_max)
);

-- Key versions: rotation adds a version and keeps the old ones, so old payloads still verify.
CREATE TABLE device_keys (
  device_id       text NOT NULL REFERENCES devices(id),
  version         integer NOT NULL CHECK (version >= 1),
  hmac_secret_enc text,
  public_key_pem  text,
  created_at      timestamptz(6) NOT NULL DEFAULT now(),
  retired_at      timestamptz(6),
  PRIMARY KEY (device_id, version),
  CHECK ((hmac_secret_enc IS NULL) <> (public_key_pem IS NULL))
);

-- Seed 001: a gateway owns the sensors whose readings it signs.
CREATE TABLE device_sensors (
  sensor_id text PRIMARY KEY,
  device_id text NOT NULL REFERENCES devices(id)
);

CREATE TABLE device_state (
  device_id            text PRIMARY KEY REFERENCES devices(id),
  last_reading_at      timestamptz(6),
  last_value           double precision,
  excursion_started_at timestamptz(6),
  excursion_peak       double precision,
  excursion_readings   integer NOT NULL DEFAULT 0,
  excursion_record_id  uuid REFERENCES records(id),
  comm_loss_since      timestamptz(6),
  updated_at           timestamptz(6) NOT NULL DEFAULT now()
);

CREATE TABLE device_alarms (
  id         bigserial PRIMARY KEY,
  device_id  text NOT NULL REFERENCES devices(id),
  kind       text NOT NULL CHECK (kind IN ('comm_loss', 'excursion')),
  opened_at  timestamptz(6) NOT NULL DEFAULT now(),
  closed_at  timestamptz(6),
  record_id  uuid REFERENCES records(id),
  detail     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX device_alarms_open_idx ON device_alarms (device_id, kind) WHERE closed_at IS NULL;

CREATE TABLE telemetry_batches (
  id             bigserial PRIMARY KEY,
  created_at     timestamptz(6) NOT NULL DEFAULT now(),
  source         text NOT NULL,
  count          integer NOT NULL CHECK (count > 0),
  first_id       bigint NOT NULL,
  last_id        bigint NOT NULL,
  merkle_root    bytea NOT NULL CHECK (length(merkle_root) = 32),
  audit_chain_id text NOT NULL,
  audit_seq      bigint NOT NULL
);

CREATE SEQUENCE telemetry_id_seq;

-- Idempotency: one row per (device, canonical hash) for seed 000 and (gateway, seq) for seed
-- 001. Kept outside the partitioned table so uniqueness does not depend on the partition key.
CREATE TABLE telemetry_keys (
  dedup_key    bytea PRIMARY KEY,
  telemetry_id bigint NOT NULL
);

DO $telemetry$
DECLARE
  cols text := $cols$
    id           bigint NOT NULL DEFAULT nextval('telemetry_id_seq'),
    received_at  timestamptz(6) NOT NULL,
    device_id    text NOT NULL,
    sensor_id    text,
    format       text NOT NULL CHECK (format IN ('hmac', 'ecdsa')),
    value_text   text NOT NULL,
    value        double precision NOT NULL,
    unit         text,
    device_ts    text NOT NULL,
    device_time  timestamptz(6),
    skew_ms      bigint,
    flags        text[] NOT NULL DEFAULT '{}',
    source       text NOT NULL,
    topic        text,
    gateway_seq  bigint,
    key_version  integer,
    raw          text NOT NULL,
    raw_sha256   bytea NOT NULL,
    leaf_hash    bytea NOT NULL,
    batch_id     bigint NOT NULL,
    PRIMARY KEY (id, received_at)
  $cols$;
  m date;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    CREATE EXTENSION IF NOT EXISTS timescaledb;
    EXECUTE format('CREATE TABLE telemetry (%s)', cols);
    PERFORM create_hypertable('telemetry', 'received_at', chunk_time_interval => interval '7 days');
  ELSE
    EXECUTE format('CREATE TABLE telemetry (%s) PARTITION BY RANGE (received_at)', cols);
    -- Monthly partitions two years ahead; anything outside lands in the default partition
    -- (never refused). Operations add partitions ahead of time (see README).
    FOR i IN -1..24 LOOP
      m := (date_trunc('month', now()) + make_interval(months => i))::date;
      EXECUTE format('CREATE TABLE telemetry_%s PARTITION OF telemetry FOR VALUES FROM (%L) TO (%L)',
        to_char(m, 'YYYYMM'), m, (m + interval '1 month')::date);
    END LOOP;
    CREATE TABLE telemetry_default PARTITION OF telemetry DEFAULT;
  END IF;
END
$telemetry$;
CREATE INDEX telemetry_device_time_idx ON telemetry (device_id, received_at DESC);
CREATE INDEX telemetry_batch_idx ON telemetry (batch_id, id);

-- Quarantine: every rejected message, sealed. Only its decision may change.
CREATE TABLE quarantine (
  id              bigserial PRIMARY KEY,
  received_at     timestamptz(6) NOT NULL DEFAULT now(),
  source          text NOT NULL CHECK (source IN ('mqtt', 'http')),
  topic           text,
  device_hint     text,
  raw             bytea NOT NULL,
  raw_sha256      bytea NOT NULL CHECK (length(raw_sha256) = 32),
  reason          text NOT NULL,
  detail          text,
  status          text NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'reinjected', 'discarded')),
  decided_by      text,
  decided_at      timestamptz(6),
  decision_reason text,
  telemetry_id    bigint
);
CREATE INDEX quarantine_status_idx ON quarantine (status, id DESC);

CREATE FUNCTION custos_quarantine_sealed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION '% on quarantine refused: rejected payloads are kept (21 CFR 11.10(e))', TG_OP USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.raw IS DISTINCT FROM OLD.raw OR NEW.raw_sha256 IS DISTINCT FROM OLD.raw_sha256 OR NEW.reason IS DISTINCT FROM OLD.reason
     OR NEW.received_at IS DISTINCT FROM OLD.received_at OR NEW.source IS DISTINCT FROM OLD.source OR NEW.topic IS DISTINCT FROM OLD.topic
     OR OLD.status <> 'held' THEN
    RAISE EXCEPTION 'quarantined payloads are sealed: only an undecided entry may be decided (21 CFR 11.10(e))' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER quarantine_sealed BEFORE UPDATE OR DELETE ON quarantine FOR EACH ROW EXECUTE FUNCTION custos_quarantine_sealed();
CREATE TRIGGER quarantine_no_truncate BEFORE TRUNCATE ON quarantine FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_change();
ALTER TABLE quarantine ENABLE ALWAYS TRIGGER quarantine_sealed;
ALTER TABLE quarantine ENABLE ALWAYS TRIGGER quarantine_no_truncate;

GRANT SELECT, INSERT, UPDATE ON devices, device_state, device_alarms TO custos_app;
GRANT SELECT, INSERT, UPDATE ON device_keys TO custos_app;
GRANT SELECT, INSERT ON device_sensors, telemetry, telemetry_batches, telemetry_keys TO custos_app;
GRANT SELECT, INSERT, UPDATE ON quarantine TO custos_app;
GRANT USAGE, SELECT ON SEQUENCE telemetry_id_seq, telemetry_batches_id_seq, quarantine_id_seq, device_alarms_id_seq TO custos_app;
