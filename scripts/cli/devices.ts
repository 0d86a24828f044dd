import { readFile } from 'node:fs/promises';
import { listDevices } from '@/lib/devices/list-devices';
import type { TDb } from '@/lib/db/client';
import { UsageError, parseFlags } from './args';
import { print, withDb } from './context';
import { PERSON_FLAGS, changeAsPerson } from './person';

/** The device's kind and newest key version after a change, for the printed result. */
async function deviceNow(db: TDb, id: string) {
  const d = await db.device.findUnique({ where: { id }, select: { kind: true, keys: { select: { version: true }, orderBy: { version: 'desc' }, take: 1 } } });
  return { kind: d?.kind ?? null, keyVersion: d?.keys[0]?.version ?? null };
}

async function keyFrom(f: Record<string, unknown>) {
  const hex = f['hmac-secret-hex'] as string | undefined;
  const pemFile = f['ecdsa-public-key-file'] as string | undefined;
  if (Boolean(hex) === Boolean(pemFile)) throw new UsageError('give exactly one of --hmac-secret-hex HEX or --ecdsa-public-key-file PEM');
  if (hex) return { hmacSecretHex: hex };
  try {
    return { publicKeyPem: await readFile(pemFile!, 'utf8') };
  } catch (e) {
    throw new UsageError(`cannot read --ecdsa-public-key-file: ${(e as Error).message}`);
  }
}

/** --cert-file PEM or --cert-fingerprint HEX (normalized by the service); neither: none. */
async function certFrom(f: Record<string, unknown>): Promise<string | null> {
  const file = f['cert-file'] as string | undefined;
  const hex = f['cert-fingerprint'] as string | undefined;
  if (file && hex) throw new UsageError('give at most one of --cert-file PEM or --cert-fingerprint HEX');
  if (hex) return hex;
  if (!file) return null;
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read --cert-file: ${(e as Error).message}`);
  }
}

const CERT_FLAGS = { 'cert-file': { type: 'string' }, 'cert-fingerprint': { type: 'string' } } as const;

const KEY_FLAGS = { 'hmac-secret-hex': { type: 'string' }, 'ecdsa-public-key-file': { type: 'string' } } as const;

export async function devicesCommand(verb: string | undefined, rest: string[]): Promise<number> {
  if (verb === 'add') {
    const f = parseFlags(
      rest,
      {
        ...PERSON_FLAGS,
        reason: { type: 'string' },
        id: { type: 'string' },
        ...KEY_FLAGS,
        'key-version': { type: 'string' },
        sensor: { type: 'string', multiple: true },
        description: { type: 'string' },
        firmware: { type: 'string' },
        'calibration-due': { type: 'string' },
        topic: { type: 'string', multiple: true },
        'expected-interval': { type: 'string' },
        'limit-min': { type: 'string' },
        'limit-max': { type: 'string' },
        'limit-duration': { type: 'string' },
        unit: { type: 'string' },
        ...CERT_FLAGS,
      },
      ['as', 'id'],
    );
    const key = await keyFrom(f);
    const certFingerprint = await certFrom(f);
    const num = (v: unknown) => (v === undefined ? undefined : Number(v));
    return withDb(async (db) => {
      const { result } = await changeAsPerson(db, f, {
        kind: 'device.register',
        reason: (f.reason as string | undefined) ?? `device ${String(f.id)} registered from the command line`,
        payload: {
          id: f.id as string,
          key,
          keyVersion: num(f['key-version']) ?? 1,
          sensors: (f.sensor as string[] | undefined) ?? [],
          description: (f.description as string | undefined) ?? '',
          firmwareVersion: (f.firmware as string | undefined) ?? null,
          calibrationDue: (f['calibration-due'] as string | undefined) ?? null,
          allowedTopics: (f.topic as string[] | undefined) ?? [],
          expectedIntervalS: num(f['expected-interval']) ?? null,
          limitMin: num(f['limit-min']) ?? null,
          limitMax: num(f['limit-max']) ?? null,
          limitMinDurationS: num(f['limit-duration']) ?? 0,
          unit: (f.unit as string | undefined) ?? null,
          certFingerprint,
        },
      });
      const out = { json: Boolean(f.json) };
      if (!result.applied) {
        print(out, { id: f.id, changeRequest: result.number, applied: false }, `filed change request ${result.number}: ${result.requiredApprovals} other person(s) must approve`);
        return 0;
      }
      const now = await deviceNow(db, String(f.id));
      print(out, { id: f.id, ...now, changeRequest: result.number, applied: true }, `registered ${String(now.kind).toUpperCase()} device ${String(f.id)} with key version ${now.keyVersion} (${result.number})`);
      return 0;
    });
  }
  if (verb === 'rotate-key') {
    const f = parseFlags(rest, { ...PERSON_FLAGS, reason: { type: 'string' }, id: { type: 'string' }, ...KEY_FLAGS }, ['as', 'id']);
    const key = await keyFrom(f);
    return withDb(async (db) => {
      const { result } = await changeAsPerson(db, f, {
        kind: 'device.rotate_key',
        reason: (f.reason as string | undefined) ?? `key of device ${String(f.id)} rotated from the command line`,
        payload: { deviceId: f.id, key },
      });
      const out = { json: Boolean(f.json) };
      if (!result.applied) {
        print(out, { id: f.id, changeRequest: result.number, applied: false }, `filed change request ${result.number}: ${result.requiredApprovals} other person(s) must approve`);
        return 0;
      }
      const now = await deviceNow(db, String(f.id));
      print(out, { id: f.id, version: now.keyVersion, changeRequest: result.number, applied: true }, `device ${String(f.id)} now signs with key version ${now.keyVersion} (older versions stay verifiable)`);
      return 0;
    });
  }
  if (verb === 'set-certificate') {
    const f = parseFlags(rest, { ...PERSON_FLAGS, reason: { type: 'string' }, id: { type: 'string' }, ...CERT_FLAGS, clear: { type: 'boolean' } }, ['as', 'id']);
    const certFingerprint = await certFrom(f);
    if (Boolean(certFingerprint) === Boolean(f.clear)) throw new UsageError('give exactly one of --cert-file PEM, --cert-fingerprint HEX or --clear');
    return withDb(async (db) => {
      const { result } = await changeAsPerson(db, f, {
        kind: 'device.set_certificate',
        reason: (f.reason as string | undefined) ?? `TLS client certificate of gateway ${String(f.id)} ${f.clear ? 'removed' : 'set'} from the command line`,
        payload: { deviceId: f.id, certFingerprint },
      });
      const out = { json: Boolean(f.json) };
      if (!result.applied) {
        print(out, { id: f.id, changeRequest: result.number, applied: false }, `filed change request ${result.number}: ${result.requiredApprovals} other person(s) must approve`);
        return 0;
      }
      const d = await db.device.findUnique({ where: { id: String(f.id) }, select: { certFingerprint: true } });
      print(out, { id: f.id, certFingerprint: d?.certFingerprint ?? null, changeRequest: result.number, applied: true }, `gateway ${String(f.id)}: certificate ${d?.certFingerprint ?? 'removed'} (${result.number})`);
      return 0;
    });
  }
  if (verb === 'list') {
    const f = parseFlags(rest, {});
    const rows = await withDb((db) => listDevices(db));
    print(
      { json: Boolean(f.json) },
      rows,
      rows.length ? rows.map((d) => `${d.id}\t${d.kind}\t${d.status}\tkeys v${d.keys.map((k) => k.version).join(',v')}\t${d.sensors.join(',')}`).join('\n') : 'no devices',
    );
    return 0;
  }
  throw new UsageError(`unknown command: devices ${verb ?? ''}`.trim());
}
