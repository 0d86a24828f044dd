-- Seed 001 readings are de-duplicated on (gateway, SHA-256 of the signed `canonical` text): `seq`
-- is not covered by the gateway's signature, so a captured body resent with a new seq must not
-- be stored again. seq stays on the reading as transport metadata, and each gateway's highest
-- seq is kept here so that a gap (or a sequence that went backwards) is flagged on the reading.
CREATE TABLE gateway_seq_state (
  gateway_id text PRIMARY KEY REFERENCES devices(id),
  last_seq   bigint NOT NULL,
  updated_at timestamptz(6) NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT, UPDATE ON gateway_seq_state TO custos_app;

INSERT INTO gateway_seq_state (gateway_id, last_seq)
SELECT device_id, max(gateway_seq) FROM telemetry WHERE format = 'ecdsa' AND gateway_seq IS NOT NULL GROUP BY device_id;

-- The content key of every seed 001 reading stored before (same bytes as lib/ingest/verify-inbound.ts:
-- sha256("ecdsa" NUL gateway NUL hex(sha256(canonical)))), so a replay of one of them is a duplicate too.
DO $backfill$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT id, device_id, raw FROM telemetry WHERE format = 'ecdsa' ORDER BY id LOOP
    BEGIN
      INSERT INTO telemetry_keys (dedup_key, telemetry_id)
      VALUES (
        sha256(convert_to('ecdsa', 'UTF8') || '\x00'::bytea || convert_to(r.device_id, 'UTF8') || '\x00'::bytea
          || convert_to(encode(sha256(convert_to(r.raw::jsonb ->> 'canonical', 'UTF8')), 'hex'), 'UTF8')),
        r.id)
      ON CONFLICT (dedup_key) DO NOTHING;
    EXCEPTION WHEN others THEN
      RAISE NOTICE 'telemetry %: no content key (%)', r.id, SQLERRM;
    END;
  END LOOP;
END
$backfill$;
