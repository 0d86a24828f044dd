import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { open } from '@/lib/crypto/secret-box';
import type { TDb } from '@/lib/db/client';
import { keyFingerprint, publicKeyFingerprint } from '@/lib/devices/key-request';
import { AppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';

/** Overdue the day after the due date, as the reading rules flag it (lib/ingest/reading-rules.ts). */
export function calibrationOverdue(due: Date | null, now = new Date()): boolean {
  return due !== null && now.getTime() >= due.getTime() + 86_400_000;
}

/**
 * The fingerprint that the change request showed its approvers, so the stored key can be matched
 * to the approved one. The secret is opened only to hash it; it never leaves this function.
 */
function fingerprintOf(deviceId: string, k: { version: number; hmacSecretEnc: string | null; publicKeyPem: string | null }): string | null {
  try {
    if (k.publicKeyPem) return publicKeyFingerprint(k.publicKeyPem);
    if (k.hmacSecretEnc) return keyFingerprint(open(k.hmacSecretEnc, `device:${deviceId}:${k.version}`));
  } catch {
    // A key sealed under another secrets key: shown without a fingerprint rather than failing the page.
  }
  return null;
}

/** One device: configuration, key versions (fingerprints only, never key material), sensors, state and open alarms. */
export async function getDevice(db: TDb, user: TCurrentUser, id: string) {
  requirePermission(user, 'devices.read');
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{1,99}$/.test(id)) throw new AppError('NOT_FOUND', 'Unknown device');
  const d = await db.device.findUnique({
    where: { id },
    select: {
      id: true,
      kind: true,
      status: true,
      description: true,
      firmwareVersion: true,
      calibrationDue: true,
      allowedTopics: true,
      expectedIntervalS: true,
      limitMin: true,
      limitMax: true,
      limitMinDurationS: true,
      unit: true,
      certFingerprint: true,
      createdAt: true,
      updatedAt: true,
      keys: { orderBy: { version: 'asc' }, select: { version: true, createdAt: true, retiredAt: true, hmacSecretEnc: true, publicKeyPem: true } },
      sensors: { orderBy: { sensorId: 'asc' }, select: { sensorId: true } },
      state: { select: { lastReadingAt: true, lastValue: true, excursionStartedAt: true, excursionPeak: true, excursionReadings: true, commLossSince: true } },
      alarms: {
        where: { closedAt: null },
        orderBy: { openedAt: 'desc' },
        select: { id: true, kind: true, openedAt: true, recordId: true, record: { select: { number: true } } },
      },
    },
  });
  if (!d) throw new AppError('NOT_FOUND', 'Unknown device');
  return {
    id: d.id,
    kind: d.kind,
    status: d.status,
    description: d.description,
    firmwareVersion: d.firmwareVersion,
    calibrationDue: d.calibrationDue ? d.calibrationDue.toISOString().slice(0, 10) : null,
    calibrationOverdue: calibrationOverdue(d.calibrationDue),
    allowedTopics: d.allowedTopics,
    expectedIntervalS: d.expectedIntervalS,
    limitMin: d.limitMin,
    limitMax: d.limitMax,
    limitMinDurationS: d.limitMinDurationS,
    unit: d.unit,
    certFingerprint: d.certFingerprint,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    keys: d.keys.map((k) => ({
      version: k.version,
      kind: k.publicKeyPem ? 'ecdsa' : 'hmac',
      fingerprint: fingerprintOf(d.id, k),
      createdAt: k.createdAt,
      retiredAt: k.retiredAt,
    })),
    sensors: d.sensors.map((s) => s.sensorId),
    state: d.state,
    openAlarms: d.alarms.map((a) => ({ id: a.id.toString(), kind: a.kind, openedAt: a.openedAt, recordId: a.recordId, recordNumber: a.record?.number ?? null })),
  };
}
