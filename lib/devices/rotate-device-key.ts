import { appendAudit } from '@/lib/audit/append-audit';
import type { TAuditActor } from '@/lib/audit/events';
import { ZDeviceKey, sealKeyMaterial } from '@/lib/devices/register-device';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';

/**
 * Adds a new key version. Old versions stay verifiable (payloads name their key_version), so
 * buffered readings signed before the rotation are still accepted.
 */
export async function rotateDeviceKey(db: TDb, deviceId: string, key: unknown, actor: TAuditActor): Promise<{ version: number }> {
  const k = ZDeviceKey.safeParse(key);
  if (!k.success) throw new AppError('BAD_REQUEST', k.error.issues[0].message, { key: k.error.issues[0].message });
  return db.$transaction(async (tx) => {
    const device = await tx.device.findUnique({ where: { id: deviceId }, select: { kind: true, keys: { orderBy: { version: 'desc' }, take: 1, select: { version: true } } } });
    if (!device) throw new AppError('NOT_FOUND', `Unknown device ${deviceId}`);
    const wantKind = k.data.hmacSecretHex ? 'hmac' : 'ecdsa';
    if (wantKind !== device.kind) throw new AppError('BAD_REQUEST', `Device ${deviceId} uses ${device.kind.toUpperCase()} keys`);
    const version = (device.keys[0]?.version ?? 0) + 1;
    await tx.deviceKey.create({ data: { deviceId, version, ...sealKeyMaterial(deviceId, version, k.data) }, select: { version: true } });
    await appendAudit(tx, [
      { actor, action: 'device.rotate_key', entityType: 'Device', entityId: deviceId, oldValue: { keyVersion: version - 1 }, newValue: { keyVersion: version, keyKind: wantKind }, reason: actor.type === 'system' ? `rotated by ${actor.id}` : null },
    ]);
    return { version };
  });
}
