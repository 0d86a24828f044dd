import { initialTransition, transition } from 'xstate';
import { appendAudit } from '@/lib/audit/append-audit';
import { canonicalize } from '@/lib/audit/canonical';
import { userActor } from '@/lib/auth/actor';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { contextOf } from '@/lib/change-requests/context';
import { applyChange } from '@/lib/change-requests/apply-change';
import { loadAuthorityFacts, missingPermissions, requestAuthority } from '@/lib/change-requests/authority';
import { CR_KIND_CONFIG, CR_PAYLOAD, isCrKind, type TCrKind } from '@/lib/change-requests/kinds';
import { changeRequestMachine } from '@/lib/change-requests/machine';
import { roleState, stateHash, userState } from '@/lib/change-requests/target-state';
import type { TDb } from '@/lib/db/client';
import { backupLabel } from '@/lib/backup/restore-request';
import { assertDeviceFree } from '@/lib/devices/register-device';
import { deviceKeyState } from '@/lib/devices/rotate-device-key';
import { checkCertificateChange, deviceCertificateState } from '@/lib/devices/set-device-certificate';
import { AppError } from '@/lib/errors/app-error';
import { contentHashOf } from '@/lib/records/content-hash';
import { checkSigner, signerError, type TSignerCheck } from '@/lib/esign/check-signer';
import { prepareServiceAccountRequest } from '@/lib/service-accounts/change';
import type { TServiceAccountKind } from '@/lib/service-accounts/payloads';
import { requirePermission } from '@/lib/rbac/require-permission';
import { lockSiteState, refuseUnlessCommissioning, siteState } from '@/lib/site/site-state';
import { checkEvidence, storeEvidence, type TEvidenceFile } from '@/lib/users/identity-evidence';

export const CR_EXPIRY_DAYS = () => Number(process.env.CUSTOS_CHANGE_REQUEST_EXPIRY_DAYS ?? 7);

export interface TRequestChangeInput {
  kind: unknown;
  targetUserId?: unknown;
  targetRoleId?: unknown;
  payload?: unknown;
  reason?: unknown;
  /** `commission`: applied now by the requester's own signature, only while the site is commissioning. */
  mode?: 'request' | 'commission';
  employeeId?: unknown;
  password?: unknown;
  /** user.create only: identity evidence (21 CFR 11.100(b)), stored with the request. */
  evidenceFiles?: TEvidenceFile[];
}

export interface TRequestChangeResult {
  id: string;
  number: string;
  requiredApprovals: number;
  /** Applied at once (commissioning). */
  applied: boolean;
}

/**
 * Every privileged change starts here. Once the site is live nothing is applied: a change
 * request is submitted for other people's approval (four eyes). While the site is commissioning
 * an administrator holding site.commission may instead apply it at once, confirmed by their own
 * electronic signature (RESPONSIBILITY) and audited with the commissioning marker. Either way
 * the requester must hold every permission the effect needs (authority.ts). Unknown kinds, roles
 * and permissions are refused (400).
 */
export async function requestChange(db: TDb, user: TCurrentUser, input: TRequestChangeInput): Promise<TRequestChangeResult> {
  if (!isCrKind(input.kind)) throw new AppError('BAD_REQUEST', `Unknown change kind: ${String(input.kind)}`, { kind: 'unknown' });
  const kind: TCrKind = input.kind;
  const cfg = CR_KIND_CONFIG[kind];
  requirePermission(user, cfg.permission);
  const commission = input.mode === 'commission';
  if (commission) {
    requirePermission(user, 'site.commission');
    refuseUnlessCommissioning(await siteState(db));
    if (!cfg.commissionable) throw new AppError('BAD_REQUEST', `${cfg.label} is not applied directly, even while commissioning: request it`);
  }
  const parsed = CR_PAYLOAD[kind].safeParse(input.payload ?? {});
  if (!parsed.success) {
    const fields: Record<string, string> = {};
    for (const i of parsed.error.issues) fields[String(i.path[0] ?? 'payload')] ??= i.message;
    throw new AppError('BAD_REQUEST', Object.values(fields)[0], fields);
  }
  const payload = parsed.data as Record<string, unknown>;
  const evidence = input.evidenceFiles ?? [];
  if (evidence.length && kind !== 'user.create') throw new AppError('BAD_REQUEST', 'Only a new user takes identity evidence', { evidence: 'not here' });
  checkEvidence(evidence);
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (reason.length < 3 || reason.length > 2000) throw new AppError('BAD_REQUEST', 'Give the reason for this change', { reason: 'required' });

  let signer: Extract<TSignerCheck, { ok: true }>['signer'] | null = null;
  const commissionRef = `ChangeRequest:commission:${kind}`;
  if (commission) {
    // 11.200(a): both components, counted toward lockout like any signature (own transaction: a failure commits).
    const s = await db.$transaction((tx) => checkSigner(tx, user, { employeeId: input.employeeId, password: input.password }, { contextRef: commissionRef }), {
      maxWait: 60_000,
      timeout: 60_000,
    });
    if (!s.ok) throw signerError(s);
    signer = s.signer;
  }

  return db.$transaction(async (tx) => {
    if (commission) refuseUnlessCommissioning(await lockSiteState(tx));
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
    } else if (kind === 'device.set_certificate') {
      const s = await deviceCertificateState(tx, String(payload.deviceId));
      if (!s) throw new AppError('BAD_REQUEST', `Unknown device ${String(payload.deviceId)}`, { deviceId: 'unknown' });
      await checkCertificateChange(tx, s, payload.certFingerprint as string | null);
      before = s;
      targetLabel = `device ${s.id}`;
    } else if (cfg.target === 'device') {
      const s = await deviceKeyState(tx, String(payload.deviceId));
      if (!s) throw new AppError('BAD_REQUEST', `Unknown device ${String(payload.deviceId)}`, { deviceId: 'unknown' });
      const keyKind = (payload.key as { kind: string }).kind;
      if (keyKind !== s.kind) throw new AppError('BAD_REQUEST', `Device ${s.id} uses ${s.kind.toUpperCase()} keys`, { key: 'wrong kind' });
      before = s;
      targetLabel = `device ${s.id}`;
    } else if (cfg.target === 'service_account') {
      ({ before, label: targetLabel } = await prepareServiceAccountRequest(tx, kind as TServiceAccountKind, payload));
    } else if (kind === 'backup.restore') {
      targetLabel = await backupLabel(tx, payload as { backupId: string; manifestHash: string });
    } else if (kind === 'device.register') {
      await assertDeviceFree(tx, String(payload.id), payload.sensors as string[], payload.certFingerprint as string | null);
      targetLabel = `new device ${String(payload.id)}`;
    } else {
      targetLabel =
        kind === 'user.create'
          ? `new user ${String(payload.employeeId)}`
          : kind === 'broker.apply'
            ? 'broker access'
            : kind === 'training.curriculum'
              ? `training curriculum of ${String(payload.role)}`
              : `new role ${String(payload.name)}`;
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

    if (kind === 'user.create') payload.identity = { ...(payload.identity as object), evidence: await storeEvidence(tx, user.id, evidence) };

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
    // 11.10(g): what the effect needs, from the payload — e.g. creating a user with a role is
    // also assigning that role; and two approvers when it grants administrative permissions.
    const authority = requestAuthority(kind, payload, await loadAuthorityFacts(tx, kind, payload, targetUserId));
    const lacking = missingPermissions(user.permissions, authority.permissions);
    if (lacking.length) {
      throw new AppError('FORBIDDEN', `This change also needs the permission ${lacking.join(' and ')}, which you do not hold`);
    }
    const approvals = authority.approvals;
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
        requiredPermissions: authority.permissions,
        commissioning: commission,
        expiresAt,
        submittedAt: now,
      },
      select: { id: true },
    });
    if (signer) return commissionInTx(tx, user, signer, { id: cr.id, number, kind, targetUserId, targetRoleId, targetLabel, payload, payloadHash, before, reason, approvals });
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
    return { id: cr.id, number, requiredApprovals: approvals, applied: false };
  });
}

/**
 * Commissioning: the request is signed by its requester (RESPONSIBILITY) and applied in the
 * same transaction, with the same effect code an approval runs. Its events carry
 * `commissioning: true`, so the trail tells direct provisioning from four-eyes changes.
 */
async function commissionInTx(
  tx: Parameters<Parameters<TDb['$transaction']>[0]>[0],
  user: TCurrentUser,
  signer: { employeeId: string; displayName: string; roles: string[] },
  cr: {
    id: string;
    number: string;
    kind: TCrKind;
    targetUserId: string | null;
    targetRoleId: string | null;
    targetLabel: string;
    payload: Record<string, unknown>;
    payloadHash: Uint8Array;
    before: unknown;
    reason: string;
    approvals: number;
  },
): Promise<TRequestChangeResult> {
  const actor = userActor(user, user.sessionId);
  const contextRef = `ChangeRequest:${cr.id}/decision:commission`;
  const role = signer.roles.join(', ') || '(no role)';
  const row = await tx.changeRequest.findUniqueOrThrow({ where: { id: cr.id }, select: { beforeHash: true } });
  const applied = await applyChange(tx, { id: cr.id, number: cr.number, kind: cr.kind, targetUserId: cr.targetUserId, targetRoleId: cr.targetRoleId, payload: cr.payload, beforeHash: row.beforeHash });
  if (!applied.ok) throw new AppError('CONFLICT', applied.reason);
  const [ev] = await appendAudit(tx, [
    {
      actor,
      action: 'change_request.commission',
      entityType: 'ChangeRequest',
      entityId: cr.id,
      oldValue: cr.before,
      newValue: {
        number: cr.number,
        kind: cr.kind,
        target: cr.targetLabel,
        payload: cr.payload,
        payloadHash: Buffer.from(cr.payloadHash).toString('hex'),
        commissioning: true,
        meaning: 'RESPONSIBILITY',
        printedName: signer.displayName,
        employeeId: signer.employeeId,
        role,
      },
      reason: cr.reason,
      contextRef,
    },
    {
      actor,
      action: 'change_request.apply',
      entityType: cr.targetUserId ? 'User' : cr.targetRoleId ? 'Role' : 'ChangeRequest',
      entityId: cr.targetUserId ?? cr.targetRoleId ?? cr.id,
      newValue: { kind: cr.kind, effect: applied.effect, commissioning: true },
      reason: 'applied directly while the site is commissioning, by the requester\'s signature',
      contextRef: `ChangeRequest:${cr.id}`,
    },
  ]);
  const at = new Date(ev.occurredAt);
  await tx.changeRequestDecision.create({
    data: {
      changeRequestId: cr.id,
      deciderId: user.id,
      employeeId: signer.employeeId,
      printedName: signer.displayName,
      signerRole: role,
      decision: 'commission',
      meaning: 'RESPONSIBILITY',
      reason: cr.reason,
      signedAt: at,
      contextRef,
      payloadHash: Buffer.from(cr.payloadHash),
      auditChainId: ev.chainId,
      auditSeq: ev.seq,
    },
    select: { id: true },
  });
  await tx.changeRequest.update({
    where: { id: cr.id },
    data: { status: 'applied', decidedAt: at, appliedAt: at, updatedAt: at, secretEnc: applied.secretEnc ?? null, deciderIds: [user.id], version: { increment: 1 } },
    select: { id: true },
  });
  return { id: cr.id, number: cr.number, requiredApprovals: cr.approvals, applied: true };
}

function checkUserPreconditions(kind: TCrKind, s: { status: string; locked: boolean; roles: string[] }, payload: Record<string, unknown>) {
  if (kind === 'user.disable' && s.status === 'disabled') throw new AppError('CONFLICT', 'This user is already disabled');
  if (kind === 'user.enable' && s.status === 'active') throw new AppError('CONFLICT', 'This user is active');
  if (kind === 'user.unlock' && !s.locked) throw new AppError('CONFLICT', 'This account is not locked');
  if (kind === 'user.assign_role' && s.roles.includes(String(payload.role))) throw new AppError('CONFLICT', `The user already has the role ${String(payload.role)}`);
  if (kind === 'user.remove_role' && !s.roles.includes(String(payload.role))) throw new AppError('CONFLICT', `The user does not have the role ${String(payload.role)}`);
}
