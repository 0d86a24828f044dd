import { appendAudit } from '@/lib/audit/append-audit';
import type { TAuditActor } from '@/lib/audit/events';
import type { TTx } from '@/lib/db/client';
import { assertCertificateFree } from '@/lib/devices/register-device';
import { AppError } from '@/lib/errors/app-error';

// The TLS client certificate a gateway presents to the terminator in front of
// POST /api/ingest/gateway (CUSTOS_GATEWAY_AUTH=mtls-header), as the SHA-256 of its DER.
// Changed only by an approved device.set_certificate request (or while commissioning).

export interface TDeviceCertificateState {
  id: string;
  kind: string;
  status: string;
  certFingerprint: string | null;
}

/** What a certificate request is decided against (hashed at submission and again when applied). */
export async function deviceCertificateState(tx: TTx, deviceId: string): Promise<TDeviceCertificateState | null> {
  const d = await tx.device.findUnique({ where: { id: deviceId }, select: { id: true, kind: true, status: true, certFingerprint: true } });
  return d ? { id: d.id, kind: d.kind, status: d.status, certFingerprint: d.certFingerprint } : null;
}

/** Request-time checks: an ECDSA gateway, a change, a certificate no other device holds. */
export async function checkCertificateChange(tx: TTx, s: TDeviceCertificateState, certFingerprint: string | null): Promise<void> {
  if (s.kind !== 'ecdsa') throw new AppError('BAD_REQUEST', `Device ${s.id} is not a gateway (ECDSA key): a TLS client certificate names a gateway`, { deviceId: 'not a gateway' });
  if (s.certFingerprint === certFingerprint) {
    throw new AppError('CONFLICT', certFingerprint ? `This is device ${s.id}'s certificate already` : `Device ${s.id} has no certificate to remove`, { certFingerprint: 'unchanged' });
  }
  if (certFingerprint) await assertCertificateFree(tx, certFingerprint);
}

/** Sets (or, with null, removes) the certificate inside the caller's transaction, with its audit event. */
export async function setDeviceCertificate(
  tx: TTx,
  s: TDeviceCertificateState,
  certFingerprint: string | null,
  actor: TAuditActor,
  opts: { reason?: string } = {},
): Promise<void> {
  await checkCertificateChange(tx, s, certFingerprint);
  await tx.device.update({ where: { id: s.id }, data: { certFingerprint, updatedAt: new Date() }, select: { id: true } });
  await appendAudit(tx, [
    {
      actor,
      action: 'device.set_certificate',
      entityType: 'Device',
      entityId: s.id,
      oldValue: { certFingerprint: s.certFingerprint },
      newValue: { certFingerprint },
      reason: opts.reason ?? null,
    },
  ]);
}
