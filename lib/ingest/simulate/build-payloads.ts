import { createHash, createHmac, sign, type KeyObject } from 'node:crypto';
import { JsonNumber, type TJsonObject } from '@/lib/ingest/json-value';
import { pythonCanonicalJson } from '@/lib/ingest/python-canonical';

// Builders producing exactly what the seed devices send, for the simulator, benchmarks and
// tests (the byte-level conformance is proven against the seeds' own Python in
// tests/vectors/). Numbers are passed as Python's repr text (e.g. "2.0", "1e-07").

const EXCLUDED = new Set(['schema_hash', 'signature_manifest']);

/** Python's float repr for the simple decimals a simulator produces (one decimal place). */
export function pyFloat(x: number): string {
  const s = (Math.round(x * 10) / 10).toString();
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

export function utcIsoSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}+00:00`;
}

/** Seed 000 `Part11PayloadBuilder.build()` + the publisher's json.dumps(payload, separators=(",", ":")). */
export function buildHmacPayload(opts: {
  deviceId: string;
  secret: Buffer;
  value: string;
  previous?: string | null;
  unit?: string;
  at?: Date;
  keyVersion?: number;
}): Buffer {
  const ts = utcIsoSeconds(opts.at ?? new Date());
  const value = new JsonNumber(opts.value);
  const payload: TJsonObject = {
    payload_version: '2.1.0',
    device_id: opts.deviceId,
    timestamp_utc: ts,
    sensor_reading: { value, unit: opts.unit ?? '°C' },
    audit_trail: [
      {
        action: 'temperature_read',
        operator_id: 'SYS_AUTO',
        timestamp_utc: ts,
        previous_value: opts.previous ? new JsonNumber(opts.previous) : null,
        new_value: value,
        reason_for_change: 'routine_telemetry',
      },
    ],
    access_control: { operator_role: 'cold_chain_monitor', device_cert_fingerprint: 'sha256:pending_attestation', access_level: 'read_write' },
    transmission_params: { broker_endpoint: 'mqtt.pharma-edge.internal', tls_version: '1.3', qos_level: new JsonNumber('1'), retain_flag: false },
  };
  const canonical = pythonCanonicalJson(payload, { excludeTopLevelKeys: EXCLUDED });
  payload.schema_hash = createHash('sha256').update(canonical).digest('hex');
  const manifest: TJsonObject = {
    signer_name: opts.deviceId,
    signer_role: 'automated_edge_agent',
    signature_timestamp: ts,
    cryptographic_hash: createHmac('sha256', opts.secret).update(canonical).digest('hex'),
  };
  if (opts.keyVersion && opts.keyVersion !== 1) manifest.key_version = new JsonNumber(String(opts.keyVersion));
  payload.signature_manifest = manifest;
  // The publisher does not sort keys; key order does not matter to the verifier.
  return pythonCanonicalJson(payload);
}

/** Seed 001 `ingest_and_sign` + `sync_pending`'s body as `requests` sends it (json.dumps defaults). */
export function buildGatewayBody(opts: { privateKey: KeyObject; seq: number; sensorId: string; value: string; unit?: string; at?: Date }): Buffer {
  const at = opts.at ?? new Date();
  const tsUtc = `${at.toISOString().slice(0, 23)}000+00:00`;
  const canonical = pythonCanonicalJson({ sensor_id: opts.sensorId, ts_utc: tsUtc, unit: opts.unit ?? '°C', value: new JsonNumber(opts.value) }).toString('latin1');
  const sig = sign('sha256', Buffer.from(canonical, 'utf8'), { key: opts.privateKey, dsaEncoding: 'der' }).toString('hex');
  const ts = (at.getTime() / 1000).toFixed(6);
  return Buffer.from(`{"seq": ${opts.seq}, "canonical": ${JSON.stringify(canonical)}, "sig": "${sig}", "ts": ${ts}}`, 'utf8');
}
