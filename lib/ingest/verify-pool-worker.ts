import { parentPort } from 'node:worker_threads';
import type { TDb } from '@/lib/db/client';
import { DeviceKeyStore } from '@/lib/ingest/key-store';
import { verifyInbound } from '@/lib/ingest/verify-inbound';
import type { TFromWorker, TToWorker, TWireVerdict } from '@/lib/ingest/verify-pool';

// A verification thread of lib/ingest/verify-pool.ts. Its DeviceKeyStore never touches the
// database: its maps are the main thread's, sent whenever that store reloads, so every lookup
// (device status, key version, gateway of a sensor) is DeviceKeyStore's own code.

const keys = new DeviceKeyStore(null as unknown as TDb, Number.POSITIVE_INFINITY);
const EPOCH = new Date(0);

parentPort!.on('message', (m: TToWorker) => {
  if (m.type === 'keys') {
    keys['devices'] = m.snapshot.devices;
    keys['hmac'] = new Map([...m.snapshot.hmac].map(([k, v]) => [k, Buffer.from(v.buffer, v.byteOffset, v.byteLength)]));
    keys['gateways'] = m.snapshot.gateways;
    return;
  }
  let reply: TFromWorker;
  const transfer: ArrayBuffer[] = [];
  try {
    const payloads = Buffer.from(m.payloads);
    const n = m.offsets.length - 1;
    const hashes = new Uint8Array(n * 64);
    const verdicts: TWireVerdict[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const raw = payloads.subarray(m.offsets[i], m.offsets[i + 1]);
      // receivedAt is not looked at by verification; the main thread keeps the real inbound.
      const v = verifyInbound({ source: m.sources[i], topic: m.topics[i], raw, receivedAt: EPOCH }, keys, { maxBytes: m.maxBytes });
      if (v.ok) {
        const r = v.reading;
        hashes.set(r.rawSha256, i * 64);
        hashes.set(r.dedupKey, i * 64 + 32);
        verdicts[i] = [1, r.format, r.deviceId, r.sensorId, r.keyVersion, r.gatewaySeq, r.valueText, r.unit, r.deviceTs];
      } else {
        hashes.set(v.rejected.rawSha256, i * 64);
        verdicts[i] = [0, v.rejected.reason, v.rejected.detail, v.rejected.deviceHint];
      }
    }
    reply = { id: m.id, verdicts, hashes: hashes.buffer };
    transfer.push(hashes.buffer);
  } catch (e) {
    reply = { id: m.id, error: (e as Error).message };
  }
  parentPort!.postMessage(reply, transfer);
});
