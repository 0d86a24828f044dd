import type { z } from 'zod';
import { appendAudit } from '@/lib/audit/append-audit';
import type { TAuditActor } from '@/lib/audit/events';
import { ZDeviceKey, sealKeyMaterial } from '@/lib/devices/register-device';
import type { TDb, TTx } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';

/**
 * Adds a new key version. Old versions stay verifiable (payloads name their key_version), so
 * buffered readings signed before the rotation are still accepted.
 */
export async function rotateDeviceKey(db: TDb, deviceId: string, key: unknown, actor: TAuditActor): Promise<{ version: number }> {
  const k = ZDeviceKey.safeParse(key);
  if (!k.success) throw new AppError('BAD_REQUEST', k.error.issues[0].message, { key: k.error.issues[0].message });
  return db.$transaction(async (tx) => insertKeyVersion(tx, deviceId, k.data, actor));
}

/** The rotation inside the caller's transaction: the CLI's own, or an approved change request's. */
export async function insertKeyVersion(
  tx: TTx,
  deviceId: string,
  key: z.output<typeof ZDeviceKey>,
  actor: TAuditActor,
  opts: { reason?: string } = {},
): Promise<{ version: number }> {
  const device = await tx.device.findUnique({ where: { id: deviceId }, select: { kind: true, keys: { orderBy: { version: 'desc' }, take: 1, select: { version: true } } } });
  if (!device) throw new AppError('NOT_FOUND', `Unknown device ${deviceId}`);
  const wantKind = key.hmacSecretHex ? 'hmac' : 'ecdsa';
  if (wantKind !== device.kind) throw new AppError('BAD_REQUEST', `Device ${deviceId} uses ${device.kind.toUpperCase()} keys`);
  const version = (device.keys[0]?.version ?? 0) + 1;
  await tx.deviceKey.create({ data: { deviceId, version, ...sealKeyMaterial(deviceId, version, key) }, select: { version: true } });
  await appendAudit(tx, [
    {
      actor,
      action: 'device.rotate_key',
      entityType: 'Device',
      entityId: deviceId,
      oldValue: { keyVersion: version - 1 },
      newValue: { keyVersion: version, keyKind: wantKind },
      reason: opts.reason ?? (actor.type === 'system' ? `rotated by ${actor.id}` : null),
    },
  ]);
  return { version };
}

export interface TDeviceKeyState {
  id: string;
  kind: string;
  status: string;
  keyVersions: number[];
}

/**
 * What a key rotation request is decided against: hashed at submission and again when applied,
 * so a rotation nobody reviewed (e.g. one made from the CLI meanwhile) fails the request.
 */
export async function deviceKeyState(tx: TTx, deviceId: string): Promise<TDeviceKeyState | null> {
  const d = await tx.device.findUnique({ where: { id: deviceId }, select: { id: true, kind: true, status: true, keys: { orderBy: { version: 'asc' }, select: { version: true } } } });
  return d ? { id: d.id, kind: d.kind, status: d.status, keyVersions: d.keys.map((k) => k.version) } : null;
}
