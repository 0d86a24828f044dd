import { initialTransition, transition } from 'xstate';
import { appendAudit } from '@/lib/audit/append-audit';
import { canonicalize } from '@/lib/audit/canonical';
import { userActor } from '@/lib/auth/actor';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { contextOf } from '@/lib/change-requests/context';
import { CR_KIND_CONFIG, CR_PAYLOAD, isCrKind, requiredApprovals, type TCrKind } from '@/lib/change-requests/kinds';
import { changeRequestMachine } from '@/lib/change-requests/machine';
import { roleState, stateHash, userState } from '@/lib/change-requests/target-state';
import type { TDb } from '@/lib/db/client';
import { backupLabel } from '@/lib/backup/restore-request';
import { assertDeviceFree } from '@/lib/devices/register-device';
import { deviceKeyState } from '@/lib/devices/rotate-device-key';
import { AppError } from '@/lib/errors/app-error';
import { contentHashOf } from '@/lib/records/content-hash';
import { requirePermission } from '@/lib/rbac/require-permission';

export const CR_EXPIRY_DAYS = () => Number(process.env.CUSTOS_CHANGE_REQUEST_EXPIRY_DAYS ?? 7);

/**
 * Every privileged change starts here: nothing is applied, a change request is submitted for
 * another person's approval (four eyes). Unknown kinds, roles and permissions are refused (400).
 */
export async function requestChange(
  db: TDb,
  user: TCurrentUser,
  input: { kind: unknown; targetUserId?: unknown; targetRoleId?: unknown; payload?: unknown; reason?: unknown },
): Promise<{ id: string; number: string; requiredApprovals: number }> {
  if (!isCrKind(input.kind)) throw new AppError('BAD_REQUEST', `Unknown change kind: ${String(input.kind)}`, { kind: 'unknown' });
  const kind: TCrKind = input.kind;
  const cfg = CR_KIND_CONFIG[kind];
  requirePermission(user, cfg.permission);
  const parsed = CR_PAYLOAD[kind].safeParse(input.payload ?? {});
  if (!parsed.success) {
    const fields: Record<string, string> = {};
    for (const i of parsed.error.issues) fields[String(i.path[0] ?? 'payload')] ??= i.message;
    throw new AppError('BAD_REQUEST', Object.values(fields)[0], fields);
  }
  const payload = parsed.data as Record<string, unknown>;
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (reason.length < 3 || reason.length > 2000) throw new AppError('BAD_REQUEST', 'Give the reason for this change', { reason: 'required' });

  return db.$transaction(async (tx) => {
    let targetUserId: string | null = null;
    let targetRoleId: string | null = null;
    let before: unknown = null;
    let targetLabel = '';
    if (cfg.target === 'user') {
      if (typeof input.targetUserId !== 'string' || !/^[0-9a-f-]{36}$/i.test(input.targetUserId)) throw new AppError('BAD_REQUEST', 'Unknown user', { targetUserId: 'unknown' });
      const s = await userState(tx, input.targetUserId);
      if (!s) throw new AppError('BAD_REQUEST', 'Unknown user', { targetUserId: 'unknown' });
      targetUserId = input.targetUserId;
      before = s;
      targetLabel = `${s.displayName} (${s.employeeId})`;
      checkUserPreconditions(kind, s, payload);
    } else if (cfg.target === 'role') {
      if (typeof input.targetRoleId !== 'string' || !/^[0-9a-f-]{36}$/i.test(input.targetRoleId)) throw new AppError('BAD_REQUEST', 'Unknown role', { targetRoleId: 'unknown' });
      const s = await roleState(tx, input.targetRoleId);
      if (!s) throw new AppError('BAD_REQUEST', 'Unknown role', { targetRoleId: 'unknown' });
      targetRoleId = input.targetRoleId;
      before = s;
      targetLabel = `role ${s.name}`;
    } else if (cfg.target === 'device') {
      const s = await deviceKeyState(tx, String(payload.deviceId));
      if (!s) throw new AppError('BAD_REQUEST', `Unknown device ${String(payload.deviceId)}`, { deviceId: 'unknown' });
      const keyKind = (payload.key as { kind: string }).kind;
      if (keyKind !== s.kind) throw new AppError('BAD_REQUEST', `Device ${s.id} uses ${s.kind.toUpperCase()} keys`, { key: 'wrong kind' });
      before = s;
      targetLabel = `device ${s.id}`;
    } else if (kind === 'backup.restore') {
      targetLabel = await backupLabel(tx, payload as { backupId: string; manifestHash: string });
    } else if (kind === 'device.register') {
      await assertDeviceFree(tx, String(payload.id), payload.sensors as string[]);
      targetLabel = `new device ${String(payload.id)}`;
    } else {
      targetLabel = kind === 'user.create' ? `new user ${String(payload.employeeId)}` : kind === 'broker.apply' ? 'broker access' : `new role ${String(payload.name)}`;
    }
    // Unknown role names are refused when requested, not when applied.
    const roleNames = kind === 'user.create' ? (payload.roles as string[]) : 'role' in payload ? [String(payload.role)] : [];
    if (roleNames.length) {
      const found = await tx.role.findMany({ where: { name: { in: roleNames } }, select: { name: true } });
      const missing = roleNames.filter((n) => !found.some((f) => f.name === n));
      if (missing.length) throw new AppError('BAD_REQUEST', `Unknown role: ${missing.join(', ')}`, { role: 'unknown' });
    }
    if (kind === 'user.create' && (await tx.user.findUnique({ where: { employeeId: String(payload.employeeId) }, select: { id: true } }))) {
      throw new AppError('CONFLICT', `Employee ID ${String(payload.employeeId)} is already in use`, { employeeId: 'taken' });
    }
    if (kind === 'role.create' && (await tx.role.findUnique({ where: { name: String(payload.name) }, select: { id: true } }))) {
      throw new AppError('CONFLICT', `A role named ${String(payload.name)} exists`, { name: 'taken' });
    }

    // 11.70: what approvers sign binds the change to its kind, its target and the state the
    // target was in when the request was submitted — not just to the requested values.
    const payloadCanonical = canonicalize({
      kind,
      targetUserId,
      targetRoleId,
      targetStateHash: before ? stateHash(before).toString('hex') : null,
      payload,
    });
    const payloadHash = contentHashOf(payloadCanonical);
    const approvals = requiredApprovals(kind, before as { roles?: string[] } | null);
    const expiresAt = new Date(Date.now() + CR_EXPIRY_DAYS() * 86_400_000);
    const [{ n }] = await tx.$queryRaw<Array<{ n: bigint }>>`SELECT nextval('change_request_number_seq') AS n`;
    const number = `CR-${String(n).padStart(6, '0')}`;

    // The machine decides: draft → submitted for the requester.
    const ctx = contextOf({ kind, requesterId: user.id, targetUserId, payloadHash, requiredApprovals: approvals, approverIds: [], deciderIds: [], expiresAt, failureReason: null });
    const [draft] = initialTransition(changeRequestMachine, ctx);
    const [submitted] = transition(changeRequestMachine, draft, { type: 'SUBMIT', actorId: user.id });
    if (submitted.value !== 'submitted') throw new Error('change request could not be submitted');

    const now = new Date();
    const cr = await tx.changeRequest.create({
      data: {
        number,
        kind,
        status: 'submitted',
        requesterId: user.id,
        requesterName: user.displayName,
        targetUserId,
        targetRoleId,
        targetLabel,
        reason,
        payload: payload as object,
        payloadCanonical,
        payloadHash,
        beforeState: (before ?? undefined) as object | undefined,
        beforeHash: before ? stateHash(before) : null,
        requiredApprovals: approvals,
        expiresAt,
        submittedAt: now,
      },
      select: { id: true },
    });
    await appendAudit(tx, [
      {
        actor: userActor(user, user.sessionId),
        action: 'change_request.submit',
        entityType: 'ChangeRequest',
        entityId: cr.id,
        oldValue: before,
        newValue: { number, kind, target: targetLabel, payload, payloadHash: payloadHash.toString('hex'), requiredApprovals: approvals },
        reason,
        contextRef: `ChangeRequest:${cr.id}`,
      },
    ]);
    return { id: cr.id, number, requiredApprovals: approvals };
  });
}

function checkUserPreconditions(kind: TCrKind, s: { status: string; locked: boolean; roles: string[] }, payload: Record<string, unknown>) {
  if (kind === 'user.disable' && s.status === 'disabled') throw new AppError('CONFLICT', 'This user is already disabled');
  if (kind === 'user.enable' && s.status === 'active') throw new AppError('CONFLICT', 'This user is active');
  if (kind === 'user.unlock' && !s.locked) throw new AppError('CONFLICT', 'This account is not locked');
  if (kind === 'user.assign_role' && s.roles.includes(String(payload.role))) throw new AppError('CONFLICT', `The user already has the role ${String(payload.role)}`);
  if (kind === 'user.remove_role' && !s.roles.includes(String(payload.role))) throw new AppError('CONFLICT', `The user does not have the role ${String(payload.role)}`);
}
