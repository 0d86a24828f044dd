import { appendAudit } from '@/lib/audit/append-audit';
import { SYSTEM_CHANGE_CONTROL } from '@/lib/audit/events';
import { stateHash } from '@/lib/change-requests/target-state';
import type { TTx } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { gatewayBindingError, type TServiceAccountKind } from '@/lib/service-accounts/payloads';

// What a service account change request is decided against (hashed at submission and again
// when applied, lib/change-requests/target-state.ts) and what approving it does.

export interface TServiceAccountState {
  id: string;
  name: string;
  ownerId: string;
  status: string;
  scopes: string[];
  maxTokenLifetimeS: number;
  allowedNetworks: string[];
  keys: Array<{ kid: string; fingerprint: string; retired: boolean }>;
  /** Present only when bound, so the state (and hash) of an account without a gateway is as before. */
  gatewayId?: string;
}

export async function serviceAccountState(tx: TTx, id: string): Promise<TServiceAccountState | null> {
  const a = await tx.serviceAccount.findUnique({
    where: { id },
    select: {
      id: true,
      name: true,
      ownerId: true,
      status: true,
      scopes: true,
      maxTokenLifetimeS: true,
      allowedNetworks: true,
      gatewayId: true,
      keys: { select: { kid: true, fingerprint: true, retiredAt: true }, orderBy: { kid: 'asc' } },
    },
  });
  if (!a) return null;
  return {
    id: a.id,
    name: a.name,
    ownerId: a.ownerId,
    status: a.status,
    scopes: [...a.scopes].sort(),
    maxTokenLifetimeS: a.maxTokenLifetimeS,
    allowedNetworks: [...a.allowedNetworks].sort(),
    keys: a.keys.map((k) => ({ kid: k.kid, fingerprint: k.fingerprint, retired: k.retiredAt !== null })),
    ...(a.gatewayId ? { gatewayId: a.gatewayId } : {}),
  };
}

/**
 * The gateway an account is bound to must be a registered ECDSA gateway (seed 001) with a key,
 * not retired; the binding rule itself is gatewayBindingError. Returns the refusal in words.
 */
async function gatewayRefusal(tx: TTx, scopes: readonly string[], gatewayId: string | null): Promise<string | null> {
  const rule = gatewayBindingError(scopes, gatewayId);
  if (rule || !gatewayId) return rule;
  const d = await tx.device.findUnique({ where: { id: gatewayId }, select: { kind: true, status: true, keys: { where: { publicKeyPem: { not: null }, retiredAt: null }, select: { version: true }, take: 1 } } });
  if (!d) return `Unknown gateway ${gatewayId}`;
  if (d.kind !== 'ecdsa' || d.keys.length === 0) return `Device ${gatewayId} is not a gateway with an ECDSA key (seed 001)`;
  if (d.status === 'retired') return `Gateway ${gatewayId} is retired`;
  return null;
}

type TKey = { kid: string; publicKeyPem: string; fingerprint: string };

/** Request-time checks (400/409 before anything is stored), the state decided against and the label. */
export async function prepareServiceAccountRequest(
  tx: TTx,
  kind: TServiceAccountKind,
  p: Record<string, unknown>,
): Promise<{ before: TServiceAccountState | null; label: string }> {
  if (kind === 'service_account.create') {
    const id = String(p.id);
    if (await tx.serviceAccount.findUnique({ where: { id }, select: { id: true } })) throw new AppError('CONFLICT', `A service account ${id} exists`, { id: 'taken' });
    await activeOwner(tx, String(p.ownerEmployeeId));
    const refusal = await gatewayRefusal(tx, p.scopes as string[], (p.gatewayId as string | null) ?? null);
    if (refusal) throw new AppError('BAD_REQUEST', refusal, { gatewayId: 'invalid' });
    return { before: null, label: `new service account ${id}` };
  }
  const s = await serviceAccountState(tx, String(p.accountId));
  if (!s) throw new AppError('BAD_REQUEST', `Unknown service account ${String(p.accountId)}`, { accountId: 'unknown' });
  if (kind === 'service_account.rotate_key') {
    const key = p.key as TKey;
    if (s.keys.some((k) => k.kid === key.kid)) throw new AppError('CONFLICT', `Key ID ${key.kid} is already used by this account`, { kid: 'taken' });
    for (const kid of p.retireKids as string[]) {
      if (!s.keys.some((k) => k.kid === kid && !k.retired)) throw new AppError('BAD_REQUEST', `No active key ${kid} to retire`, { retireKids: 'unknown' });
    }
  }
  if (kind === 'service_account.update_scopes') {
    // The request names the gateway the account will have, so the approver sees it.
    if (p.gatewayId === undefined) p.gatewayId = s.gatewayId ?? null;
    const gatewayId = (p.gatewayId as string | null) ?? null;
    if (JSON.stringify(s.scopes) === JSON.stringify(p.scopes) && gatewayId === (s.gatewayId ?? null)) throw new AppError('CONFLICT', 'These are the account\'s scopes and gateway already');
    const refusal = await gatewayRefusal(tx, p.scopes as string[], gatewayId);
    if (refusal) throw new AppError('BAD_REQUEST', refusal, { gatewayId: 'invalid' });
  }
  if (kind === 'service_account.disable' && s.status === 'disabled') throw new AppError('CONFLICT', 'This service account is already disabled');
  return { before: s, label: `service account ${s.id}` };
}

async function activeOwner(tx: TTx, employeeId: string): Promise<{ id: string }> {
  const u = await tx.user.findUnique({ where: { employeeId }, select: { id: true, status: true } });
  if (!u || u.status !== 'active') throw new AppError('BAD_REQUEST', `The owner must be an active user (${employeeId})`, { ownerEmployeeId: 'unknown' });
  return u;
}

type TApply = { ok: true; effect: Record<string, unknown> } | { ok: false; reason: string };

/** Applies an approved request in the deciding transaction; a target changed since submission fails it. */
export async function applyServiceAccountChange(
  tx: TTx,
  kind: TServiceAccountKind,
  cr: { id: string; number?: string; beforeHash: Uint8Array | null },
  p: Record<string, unknown>,
): Promise<TApply> {
  const now = new Date();
  const reason = `approved change request ${cr.number ?? cr.id}`;
  if (kind === 'service_account.create') {
    const id = String(p.id);
    if (await tx.serviceAccount.findUnique({ where: { id }, select: { id: true } })) return { ok: false, reason: `A service account ${id} was created since the request was submitted` };
    let owner;
    try {
      owner = await activeOwner(tx, String(p.ownerEmployeeId));
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
    const key = p.key as TKey;
    const gatewayId = (p.gatewayId as string | null | undefined) ?? null;
    const refusal = await gatewayRefusal(tx, p.scopes as string[], gatewayId);
    if (refusal) return { ok: false, reason: refusal };
    await tx.serviceAccount.create({
      data: {
        id,
        name: String(p.name),
        ownerId: owner.id,
        scopes: p.scopes as string[],
        maxTokenLifetimeS: Number(p.maxTokenLifetimeS),
        allowedNetworks: p.allowedNetworks as string[],
        gatewayId,
        keys: { create: { kid: key.kid, publicKeyPem: key.publicKeyPem, fingerprint: key.fingerprint } },
      },
      select: { id: true },
    });
    const effect = { accountId: id, scopes: p.scopes, maxTokenLifetimeS: p.maxTokenLifetimeS, allowedNetworks: p.allowedNetworks, gatewayId, kid: key.kid, fingerprint: key.fingerprint };
    await audit(tx, 'service_account.create', id, null, effect, reason);
    return { ok: true, effect };
  }
  const id = String(p.accountId);
  const s = await serviceAccountState(tx, id);
  if (!s) return { ok: false, reason: `Service account ${id} no longer exists` };
  if (!cr.beforeHash || !stateHash(s).equals(Buffer.from(cr.beforeHash))) {
    return { ok: false, reason: 'The service account changed since the request was submitted; submit it again' };
  }
  let effect: Record<string, unknown>;
  if (kind === 'service_account.rotate_key') {
    const key = p.key as TKey;
    await tx.serviceAccountKey.create({ data: { accountId: id, kid: key.kid, publicKeyPem: key.publicKeyPem, fingerprint: key.fingerprint }, select: { kid: true } });
    const retire = p.retireKids as string[];
    if (retire.length) await tx.serviceAccountKey.updateMany({ where: { accountId: id, kid: { in: retire }, retiredAt: null }, data: { retiredAt: now } });
    effect = { accountId: id, kid: key.kid, fingerprint: key.fingerprint, retired: retire };
  } else if (kind === 'service_account.update_scopes') {
    const gatewayId = p.gatewayId === undefined ? (s.gatewayId ?? null) : ((p.gatewayId as string | null) ?? null);
    const refusal = await gatewayRefusal(tx, p.scopes as string[], gatewayId);
    if (refusal) return { ok: false, reason: refusal };
    effect = { accountId: id, scopes: p.scopes, gatewayId };
  } else {
    effect = { accountId: id, status: 'disabled' };
  }
  if (kind !== 'service_account.rotate_key') {
    await tx.serviceAccount.update({
      where: { id },
      data: kind === 'service_account.update_scopes' ? { scopes: p.scopes as string[], gatewayId: effect.gatewayId as string | null, updatedAt: now } : { status: 'disabled', updatedAt: now },
      select: { id: true },
    });
  } else await tx.serviceAccount.update({ where: { id }, data: { updatedAt: now }, select: { id: true } });
  await audit(tx, kind, id, s, effect, reason);
  return { ok: true, effect };
}

async function audit(tx: TTx, action: string, id: string, oldValue: unknown, newValue: Record<string, unknown>, reason: string) {
  await appendAudit(tx, [{ actor: SYSTEM_CHANGE_CONTROL, action, entityType: 'ServiceAccount', entityId: id, oldValue: (oldValue ?? undefined) as never, newValue: newValue as never, reason }]);
}
