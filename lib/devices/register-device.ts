import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { appendAudit } from '@/lib/audit/append-audit';
import type { TAuditActor } from '@/lib/audit/events';
import { seal } from '@/lib/crypto/secret-box';
import type { TDb, TTx } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { ZCertFingerprint } from '@/lib/devices/cert-fingerprint';

export const ZDeviceKey = z
  .object({
    hmacSecretHex: z.string().regex(/^([0-9a-fA-F]{2}){32,256}$/, 'HMAC secret: 32 to 256 bytes as hex').optional(),
    publicKeyPem: z.string().max(10_000).optional(),
  })
  .refine((k) => Boolean(k.hmacSecretHex) !== Boolean(k.publicKeyPem), 'Give either an HMAC secret or an ECDSA public key');

export const ZRegisterDevice = z.object({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{1,99}$/, 'Device ID: 2–100 letters, digits, dot, dash, colon or underscore'),
  keyVersion: z.coerce.number().int().min(1).max(10_000).default(1),
  sensors: z.array(z.string().trim().min(1).max(100)).max(1000).default([]),
  description: z.string().max(500).default(''),
  firmwareVersion: z.string().max(100).nullish(),
  calibrationDue: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Calibration due: YYYY-MM-DD').nullish(),
  allowedTopics: z.array(z.string().min(1).max(500)).max(100).default([]),
  expectedIntervalS: z.coerce.number().int().positive().nullish(),
  limitMin: z.coerce.number().finite().nullish(),
  limitMax: z.coerce.number().finite().nullish(),
  limitMinDurationS: z.coerce.number().int().min(0).default(0),
  unit: z.string().max(20).nullish(),
  // A gateway's TLS client certificate (seed 001 over HTTP with a TLS terminator): the PEM or its
  // SHA-256; stored, and carried in the request payload, as 64 lowercase hex digits.
  certFingerprint: ZCertFingerprint,
  key: ZDeviceKey,
});
export type TRegisterDevice = z.input<typeof ZRegisterDevice>;

/** Parses a P-256 public key once, at registration; refuses anything else. */
export function parsePublicKey(pem: string): string {
  let key;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new AppError('BAD_REQUEST', 'Not a PEM public key', { publicKey: 'invalid' });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new AppError('BAD_REQUEST', 'The public key must be ECDSA P-256', { publicKey: 'wrong curve' });
  }
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

export function sealKeyMaterial(deviceId: string, version: number, k: z.output<typeof ZDeviceKey>) {
  return k.hmacSecretHex
    ? { hmacSecretEnc: seal(Buffer.from(k.hmacSecretHex, 'hex'), `device:${deviceId}:${version}`), publicKeyPem: null }
    : { hmacSecretEnc: null, publicKeyPem: parsePublicKey(k.publicKeyPem!) };
}

export const CERT_NEEDS_GATEWAY = 'A TLS client certificate names a gateway (an ECDSA key), not a device with an HMAC secret';

export type TDeviceInsert = z.output<typeof ZRegisterDevice> & { kind: string; material: { hmacSecretEnc: string | null; publicKeyPem: string | null } };

/** Validates a registration and seals its key material: what insertDevice stores. */
export function prepareDevice(input: TRegisterDevice): TDeviceInsert {
  const p = ZRegisterDevice.safeParse(input);
  if (!p.success) {
    const fields: Record<string, string> = {};
    for (const i of p.error.issues) fields[String(i.path[0] ?? 'key')] ??= i.message;
    throw new AppError('BAD_REQUEST', Object.values(fields)[0], fields);
  }
  const d = p.data;
  if (d.limitMin != null && d.limitMax != null && d.limitMin >= d.limitMax) throw new AppError('BAD_REQUEST', 'The lower limit must be below the upper limit', { limitMin: 'invalid' });
  if (d.certFingerprint && d.key.hmacSecretHex) throw new AppError('BAD_REQUEST', CERT_NEEDS_GATEWAY, { certFingerprint: 'not a gateway' });
  const material = sealKeyMaterial(d.id, d.keyVersion, d.key);
  return { ...d, kind: material.hmacSecretEnc ? 'hmac' : 'ecdsa', material };
}

/**
 * Registers a device (seed 000, HMAC) or gateway (seed 001, ECDSA) with its first key version.
 * The secret is sealed at rest; the registration is audited (never the secret itself).
 */
export async function registerDevice(db: TDb, input: TRegisterDevice, actor: TAuditActor) {
  const d = prepareDevice(input);
  return db.$transaction(async (tx) => insertDevice(tx, d, actor));
}

/** The ID, the sensors and the certificate must not be taken: checked when a registration is requested and again when it is applied. */
export async function assertDeviceFree(tx: TTx, id: string, sensors: readonly string[], certFingerprint: string | null = null): Promise<void> {
  if (await tx.device.findUnique({ where: { id }, select: { id: true } })) throw new AppError('CONFLICT', `Device ${id} is already registered`, { id: 'taken' });
  if (sensors.length) {
    const owned = await tx.deviceSensor.findMany({ where: { sensorId: { in: [...sensors] } }, select: { sensorId: true, deviceId: true } });
    if (owned.length) throw new AppError('CONFLICT', `Sensor ${owned[0].sensorId} already belongs to ${owned[0].deviceId}`, { sensors: 'taken' });
  }
  if (certFingerprint) await assertCertificateFree(tx, certFingerprint);
}

/** One certificate names one device (devices_cert_fingerprint_key): refused with the device holding it. */
export async function assertCertificateFree(tx: TTx, certFingerprint: string): Promise<void> {
  const holder = await tx.device.findUnique({ where: { certFingerprint }, select: { id: true } });
  if (holder) throw new AppError('CONFLICT', `The certificate ${certFingerprint.slice(0, 16)}… is already registered for device ${holder.id}`, { certFingerprint: 'taken' });
}

/** The registration inside the caller's transaction: the CLI's own, or an approved change request's. */
export async function insertDevice(tx: TTx, d: TDeviceInsert, actor: TAuditActor, opts: { reason?: string } = {}) {
  await assertDeviceFree(tx, d.id, d.sensors, d.certFingerprint);
  await tx.device.create({
    data: {
      id: d.id,
      kind: d.kind,
      description: d.description,
      firmwareVersion: d.firmwareVersion ?? null,
      calibrationDue: d.calibrationDue ? new Date(`${d.calibrationDue}T00:00:00Z`) : null,
      allowedTopics: d.allowedTopics,
      expectedIntervalS: d.expectedIntervalS ?? null,
      limitMin: d.limitMin ?? null,
      limitMax: d.limitMax ?? null,
      limitMinDurationS: d.limitMinDurationS,
      unit: d.unit ?? null,
      certFingerprint: d.certFingerprint,
      keys: { create: { version: d.keyVersion, ...d.material } },
      sensors: { create: d.sensors.map((sensorId) => ({ sensorId })) },
      state: { create: {} },
    },
    select: { id: true },
  });
  const { material: _m, key: _k, ...visible } = d;
  await appendAudit(tx, [
    {
      actor,
      action: 'device.register',
      entityType: 'Device',
      entityId: d.id,
      newValue: { ...visible, keyKind: d.kind, publicKeyPem: d.material.publicKeyPem },
      reason: opts.reason ?? (actor.type === 'system' ? `provisioned by ${actor.id}` : null),
    },
  ]);
  return { id: d.id, kind: d.kind, keyVersion: d.keyVersion };
}
