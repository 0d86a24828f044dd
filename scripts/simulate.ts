import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { createDb } from '@/lib/db/client';
import { dataDir } from '@/lib/db/embedded';
import { resolveDatabase } from '@/lib/db/resolve-database';
import { registerDevice } from '@/lib/devices/register-device';
import { siteState } from '@/lib/site/site-state';
import { buildGatewayBody, buildHmacPayload, pyFloat } from '@/lib/ingest/simulate/build-payloads';

// `npm run simulate`: demo devices publishing signed telemetry (seed 000 HMAC fridges and a
// seed 001 ECDSA gateway) so a newcomer sees the whole flow: readings, an excursion that opens
// a record for QA review, and a tampered message that lands in quarantine.

const SIMULATOR = { type: 'system' as const, id: 'system:simulator', name: 'Custos demo simulator' };
const log = (s: string) => console.log(`simulate: ${s}`);

interface TSimKeys {
  fridges: Record<string, string>;
  gatewayKeyPem: string;
}

function loadKeys(): TSimKeys {
  const file = path.join(dataDir(), 'keys', 'simulator.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as TSimKeys;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keys: TSimKeys = {
    fridges: { 'SIM-FRIDGE-01': randomBytes(32).toString('hex'), 'SIM-FRIDGE-02': randomBytes(32).toString('hex') },
    gatewayKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

async function main() {
  const { values } = parseArgs({
    options: { duration: { type: 'string', default: '120' }, interval: { type: 'string', default: '2' }, topic: { type: 'string', default: 'pharma/coldchain/site-a' } },
  });
  const durationS = Number(values.duration);
  const intervalS = Number(values.interval);
  const keys = loadKeys();
  const gatewayKey: KeyObject = createPrivateKey(keys.gatewayKeyPem);

  const db = await resolveDatabase();
  const prisma = createDb(db.appUrl);
  const known = new Set((await prisma.device.findMany({ select: { id: true } })).map((d) => d.id));
  const missing = [...Object.keys(keys.fridges), 'SIM-GW-01'].filter((id) => !known.has(id));
  // The demo registers its devices itself only while the site is commissioning; a live site
  // registers devices through change requests like any other (custos devices add --as …).
  if (missing.length && (await siteState(prisma)).phase === 'live') {
    console.error(
      `simulate: the site is live, so the demo devices (${missing.join(', ')}) are registered through change requests: ` +
        `run \`npm run custos -- devices add --as EMPLOYEE_ID …\` with the keys in ${path.join(dataDir(), 'keys', 'simulator.json')}, have them approved, then simulate again`,
    );
    process.exit(1);
  }
  for (const [id, secret] of Object.entries(keys.fridges)) {
    if (known.has(id)) continue;
    await registerDevice(
      prisma,
      { id, key: { hmacSecretHex: secret }, description: 'Demo vaccine fridge', unit: '°C', limitMin: 2, limitMax: 8, limitMinDurationS: 20, expectedIntervalS: 60, firmwareVersion: '1.4.2', calibrationDue: '2027-06-30' },
      SIMULATOR,
    );
    log(`registered ${id} (HMAC, limits 2–8 °C)`);
  }
  if (!known.has('SIM-GW-01')) {
    await registerDevice(
      prisma,
      {
        id: 'SIM-GW-01',
        key: { publicKeyPem: createPublicKey(gatewayKey).export({ type: 'spki', format: 'pem' }).toString() },
        sensors: ['SIM-TS-01', 'SIM-TS-02'],
        description: 'Demo warehouse gateway',
        unit: '°C',
        limitMin: 15,
        limitMax: 25,
        expectedIntervalS: 60,
      },
      SIMULATOR,
    );
    log('registered SIM-GW-01 (ECDSA gateway for SIM-TS-01, SIM-TS-02)');
  }
  await prisma.$disconnect();
  await db.close();

  const url = process.env.MQTT_URL || 'mqtt://127.0.0.1:1883';
  const client = await mqtt.connectAsync(url, { clientId: `custos-sim-${randomBytes(3).toString('hex')}` });
  log(`publishing to ${url} under ${values.topic}/… every ${intervalS} s for ${durationS} s (Ctrl-C to stop)`);
  let seq = Date.now() % 1_000_000;
  let n = 0;
  const prev: Record<string, number> = {};
  const until = Date.now() + durationS * 1000;
  while (Date.now() < until) {
    const tick = Math.floor(n / 3);
    for (const [id, secret] of Object.entries(keys.fridges)) {
      // SIM-FRIDGE-01 warms up past 8 °C for a while every 60 ticks: an excursion.
      const excursion = id === 'SIM-FRIDGE-01' && tick % 60 >= 40 && tick % 60 < 55;
      const value = excursion ? 9 + Math.random() * 2 : 4.5 + Math.sin(tick / 7) * 1.5 + Math.random() * 0.3;
      let raw = buildHmacPayload({ deviceId: id, secret: Buffer.from(secret, 'hex'), value: pyFloat(value), previous: prev[id] !== undefined ? pyFloat(prev[id]) : null });
      prev[id] = value;
      if (n > 0 && n % 37 === 0) {
        raw = Buffer.from(raw.toString().replace(/"value":[-0-9.e+]+/, '"value":5.0'));
        log(`tampered with a ${id} message (it will be quarantined)`);
      }
      await client.publishAsync(`${values.topic}/${id}/telemetry`, raw, { qos: 1 });
      n += 1;
    }
    for (const sensor of ['SIM-TS-01', 'SIM-TS-02']) {
      const value = 20 + Math.sin(tick / 11 + (sensor.endsWith('2') ? 1 : 0)) * 2;
      await client.publishAsync(`${values.topic}/SIM-GW-01/sync`, buildGatewayBody({ privateKey: gatewayKey, seq: seq++, sensorId: sensor, value: pyFloat(value) }), { qos: 1 });
      n += 1;
    }
    await new Promise((r) => setTimeout(r, intervalS * 1000));
  }
  await client.endAsync();
  log(`published ${n} messages`);
}

main().catch((e) => {
  console.error(`simulate: ${(e as Error).message}`);
  process.exit(1);
});
