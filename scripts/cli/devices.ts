import { readFile } from 'node:fs/promises';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { listDevices } from '@/lib/devices/list-devices';
import { registerDevice } from '@/lib/devices/register-device';
import { rotateDeviceKey } from '@/lib/devices/rotate-device-key';
import { UsageError, parseFlags } from './args';
import { print, withDb } from './context';

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

const KEY_FLAGS = { 'hmac-secret-hex': { type: 'string' }, 'ecdsa-public-key-file': { type: 'string' } } as const;

export async function devicesCommand(verb: string | undefined, rest: string[]): Promise<number> {
  if (verb === 'add') {
    const f = parseFlags(
      rest,
      {
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
      },
      ['id'],
    );
    const key = await keyFrom(f);
    const num = (v: unknown) => (v === undefined ? undefined : Number(v));
    const r = await withDb((db) =>
      registerDevice(
        db,
        {
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
        },
        SYSTEM_CLI,
      ),
    );
    print({ json: Boolean(f.json) }, r, `registered ${r.kind.toUpperCase()} device ${r.id} with key version ${r.keyVersion}`);
    return 0;
  }
  if (verb === 'rotate-key') {
    const f = parseFlags(rest, { id: { type: 'string' }, ...KEY_FLAGS }, ['id']);
    const key = await keyFrom(f);
    const r = await withDb((db) => rotateDeviceKey(db, f.id as string, key, SYSTEM_CLI));
    print({ json: Boolean(f.json) }, { id: f.id, ...r }, `device ${String(f.id)} now signs with key version ${r.version} (older versions stay verifiable)`);
    return 0;
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
