import { randomBytes } from 'node:crypto';
import { restoreBackup } from '@/lib/backup/restore-backup';
import { hashPassword } from '@/lib/auth/password-hash';
import { applyBrokerChange } from '@/lib/broker/apply-broker-change';
import type { TCrKind } from '@/lib/change-requests/kinds';
import { roleState, stateHash, userState } from '@/lib/change-requests/target-state';
import { seal } from '@/lib/crypto/secret-box';
import type { TTx } from '@/lib/db/client';
import { openKeyRequest, type TDeviceKeyRequest } from '@/lib/devices/key-request';
import { insertDevice, prepareDevice, type TRegisterDevice } from '@/lib/devices/register-device';
import { deviceKeyState, insertKeyVersion } from '@/lib/devices/rotate-device-key';
import { deviceCertificateState, setDeviceCertificate } from '@/lib/devices/set-device-certificate';
import { isAppError } from '@/lib/errors/app-error';
import { applyCurriculum } from '@/lib/training/training';
import { applyServiceAccountChange } from '@/lib/service-accounts/change';

export type TApplyResult =
  | { ok: true; effect: Record<string, unknown>; secretEnc?: string }
  | { ok: false; reason: string };

interface TCrForApply {
  id: string;
  number?: string;
  kind: string;
  targetUserId: string | null;
  targetRoleId: string | null;
  payload: unknown;
  beforeHash: Uint8Array | null;
}

const CHANGE_CONTROL = { type: 'system' as const, id: 'system:change-control', name: 'Custos change control' };

/** A one-time password handed over by the requester; the user must change it at first sign-in. */
function temporaryPassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  return [...randomBytes(20)].map((b) => alphabet[b % alphabet.length]).join('');
}

/**
 * Applies an approved change in the deciding transaction, after re-validating what it was
 * decided against: if the target changed since submission, nothing is applied and the request
 * fails with the reason (it must be submitted again).
 */
export async function applyChange(tx: TTx, cr: TCrForApply): Promise<TApplyResult> {
  const kind = cr.kind as TCrKind;
  const p = cr.payload as Record<string, unknown>;
  if (cr.targetUserId) {
    const s = await userState(tx, cr.targetUserId);
    if (!s) return { ok: false, reason: 'The target user no longer exists' };
    if (!cr.beforeHash || !stateHash(s).equals(Buffer.from(cr.beforeHash))) {
      return { ok: false, reason: 'The target user changed since the request was submitted; submit it again' };
    }
  }
  if (cr.targetRoleId) {
    const s = await roleState(tx, cr.targetRoleId);
    if (!s) return { ok: false, reason: 'The target role no longer exists' };
    if (!cr.beforeHash || !stateHash(s).equals(Buffer.from(cr.beforeHash))) {
      return { ok: false, reason: 'The role changed since the request was submitted; submit it again' };
    }
  }
  const now = new Date();
  switch (kind) {
    case 'user.create': {
      if (await tx.user.findUnique({ where: { employeeId: String(p.employeeId) }, select: { id: true } })) {
        return { ok: false, reason: `Employee ID ${String(p.employeeId)} was taken since the request was submitted` };
      }
      const roles = await tx.role.findMany({ where: { name: { in: p.roles as string[] } }, select: { id: true, name: true } });
      if (roles.length !== (p.roles as string[]).length) return { ok: false, reason: 'A requested role no longer exists' };
      const password = temporaryPassword();
      const user = await tx.user.create({
        data: {
          employeeId: String(p.employeeId),
          displayName: String(p.displayName),
          email: (p.email as string | null) ?? null,
          passwordHash: await hashPassword(password),
          mustChangePassword: true,
          // 11.100(b): how the identity was verified, as approved (old requests have none).
          identityVerification: p.identity ? ({ ...(p.identity as object), changeRequest: cr.number ?? cr.id } as object) : undefined,
          roles: { create: roles.map((r) => ({ roleId: r.id })) },
        },
        select: { id: true },
      });
      return { ok: true, effect: { userId: user.id, employeeId: p.employeeId, roles: p.roles }, secretEnc: seal(password, `cr:${cr.id}`) };
    }
    case 'user.update': {
      const data: { displayName?: string; email?: string | null; updatedAt: Date } = { updatedAt: now };
      if (p.displayName !== undefined) data.displayName = String(p.displayName);
      if (p.email !== undefined) data.email = (p.email as string | null) ?? null;
      await tx.user.update({ where: { id: cr.targetUserId! }, data, select: { id: true } });
      return { ok: true, effect: { ...p } };
    }
    case 'user.assign_role':
    case 'user.remove_role': {
      const role = await tx.role.findUnique({ where: { name: String(p.role) }, select: { id: true } });
      if (!role) return { ok: false, reason: `The role ${String(p.role)} no longer exists` };
      if (kind === 'user.assign_role') await tx.userRole.create({ data: { userId: cr.targetUserId!, roleId: role.id }, select: { userId: true } });
      else await tx.userRole.delete({ where: { userId_roleId: { userId: cr.targetUserId!, roleId: role.id } }, select: { userId: true } });
      return { ok: true, effect: { role: p.role } };
    }
    case 'user.disable': {
      await tx.user.update({ where: { id: cr.targetUserId! }, data: { status: 'disabled', updatedAt: now }, select: { id: true } });
      // 11.300(c): disabling ends every live session at once.
      const revoked = await tx.session.updateMany({ where: { userId: cr.targetUserId!, revokedAt: null }, data: { revokedAt: now, revokedReason: 'user disabled' } });
      return { ok: true, effect: { status: 'disabled', sessionsRevoked: revoked.count } };
    }
    case 'user.enable':
      await tx.user.update({ where: { id: cr.targetUserId! }, data: { status: 'active', failedAttempts: 0, updatedAt: now }, select: { id: true } });
      return { ok: true, effect: { status: 'active' } };
    case 'user.unlock':
      await tx.user.update({ where: { id: cr.targetUserId! }, data: { lockedAt: null, failedAttempts: 0, updatedAt: now }, select: { id: true } });
      return { ok: true, effect: { locked: false } };
    case 'user.reset_password': {
      const password = temporaryPassword();
      await tx.user.update({
        where: { id: cr.targetUserId! },
        data: { passwordHash: await hashPassword(password), mustChangePassword: true, passwordChangedAt: now, failedAttempts: 0, updatedAt: now },
        select: { id: true },
      });
      await tx.session.updateMany({ where: { userId: cr.targetUserId!, revokedAt: null }, data: { revokedAt: now, revokedReason: 'password reset' } });
      return { ok: true, effect: { mustChangePassword: true }, secretEnc: seal(password, `cr:${cr.id}`) };
    }
    case 'role.create': {
      if (await tx.role.findUnique({ where: { name: String(p.name) }, select: { id: true } })) {
        return { ok: false, reason: `A role named ${String(p.name)} was created since the request was submitted` };
      }
      const role = await tx.role.create({
        data: { name: String(p.name), description: String(p.description ?? ''), permissions: { create: (p.permissions as string[]).map((permission) => ({ permission })) } },
        select: { id: true },
      });
      return { ok: true, effect: { roleId: role.id, permissions: p.permissions } };
    }
    case 'role.update_permissions': {
      await tx.rolePermission.deleteMany({ where: { roleId: cr.targetRoleId! } });
      await tx.rolePermission.createMany({ data: (p.permissions as string[]).map((permission) => ({ roleId: cr.targetRoleId!, permission })) });
      return { ok: true, effect: { permissions: p.permissions } };
    }
    case 'backup.restore':
      return restoreBackup(tx, cr);
    case 'device.register':
    case 'device.rotate_key':
    case 'device.set_certificate':
      return applyDeviceChange(tx, kind, cr, p);
    case 'broker.apply':
      return applyBrokerChange(tx, cr);
    case 'training.curriculum':
      return applyCurriculum(tx, p as { role: string; documents: string[] }, now);
    case 'service_account.create':
    case 'service_account.rotate_key':
    case 'service_account.update_scopes':
    case 'service_account.disable':
      return applyServiceAccountChange(tx, kind, cr, p);
  }
}

/**
 * The same inserts the CLI uses, in the deciding transaction. Their refusals (ID or sensor
 * taken meanwhile, wrong key kind) happen before anything is written and fail the request.
 */
async function applyDeviceChange(tx: TTx, kind: 'device.register' | 'device.rotate_key' | 'device.set_certificate', cr: TCrForApply, p: Record<string, unknown>): Promise<TApplyResult> {
  const reason = `approved change request ${cr.number ?? cr.id}`;
  try {
    if (kind === 'device.register') {
      const id = String(p.id);
      const d = prepareDevice({ ...(p as Omit<TRegisterDevice, 'key'>), id, key: openKeyRequest(id, p.key as TDeviceKeyRequest) });
      const r = await insertDevice(tx, d, CHANGE_CONTROL, { reason });
      return { ok: true, effect: { deviceId: r.id, keyKind: r.kind, keyVersion: r.keyVersion, keyFingerprint: (p.key as TDeviceKeyRequest).fingerprint, certFingerprint: d.certFingerprint } };
    }
    const deviceId = String(p.deviceId);
    if (kind === 'device.set_certificate') {
      const s = await deviceCertificateState(tx, deviceId);
      if (!s) return { ok: false, reason: `Device ${deviceId} no longer exists` };
      if (!cr.beforeHash || !stateHash(s).equals(Buffer.from(cr.beforeHash))) {
        return { ok: false, reason: 'The device or its certificate changed since the request was submitted; submit it again' };
      }
      const certFingerprint = (p.certFingerprint as string | null) ?? null;
      await setDeviceCertificate(tx, s, certFingerprint, CHANGE_CONTROL, { reason });
      return { ok: true, effect: { deviceId, certFingerprint } };
    }
    const s = await deviceKeyState(tx, deviceId);
    if (!s) return { ok: false, reason: `Device ${deviceId} no longer exists` };
    if (!cr.beforeHash || !stateHash(s).equals(Buffer.from(cr.beforeHash))) {
      return { ok: false, reason: 'The device or its keys changed since the request was submitted; submit it again' };
    }
    const r = await insertKeyVersion(tx, deviceId, openKeyRequest(deviceId, p.key as TDeviceKeyRequest), CHANGE_CONTROL, { reason });
    return { ok: true, effect: { deviceId, keyVersion: r.version, keyFingerprint: (p.key as TDeviceKeyRequest).fingerprint } };
  } catch (e) {
    if (isAppError(e)) return { ok: false, reason: e.message };
    throw e;
  }
}
