'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import type { TEsignState } from '@/components/esign/esign-dialog';
import { requireUser } from '@/lib/auth/require-user';
import { cancelChangeRequest } from '@/lib/change-requests/cancel-change-request';
import { decideChangeRequest } from '@/lib/change-requests/decide-change-request';
import { revealChangeSecret } from '@/lib/change-requests/get-change-request';
import { CR_KIND_CONFIG, isCrKind, type TCrKind } from '@/lib/change-requests/kinds';
import { requestChange } from '@/lib/change-requests/request-change';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';
import type { TEvidenceFile } from '@/lib/users/identity-evidence';
import type { TReasonState } from '@/components/ui/reason-dialog';

// Server actions are public endpoints: each one checks the session itself; the services parse
// the input, check the permission and the four-eyes rules before anything is written.

export interface TRequestChangeState {
  error?: string;
  fieldErrors?: Record<string, string>;
  /** What was submitted, so a refused form keeps its text (React resets uncontrolled inputs). */
  values?: Record<string, string | string[]>;
}

export type TCancelState = TReasonState;

export interface TRevealState {
  secret?: string;
  error?: string;
}

function text(form: FormData, name: string): string | undefined {
  const v = form.get(name);
  return typeof v === 'string' ? v : undefined;
}

function list(form: FormData, name: string): string[] {
  return form.getAll(name).filter((v): v is string => typeof v === 'string');
}

/** The payload of each kind from its form fields; the service validates it (CR_PAYLOAD). */
function payloadFrom(kind: TCrKind, form: FormData): Record<string, unknown> {
  switch (kind) {
    case 'user.create':
      return {
        employeeId: text(form, 'employeeId')?.trim(),
        displayName: text(form, 'displayName'),
        email: text(form, 'email')?.trim() || null,
        roles: list(form, 'roles'),
        identity: { method: text(form, 'identity.method'), reference: text(form, 'identity.reference'), verifiedBy: text(form, 'identity.verifiedBy') },
      };
    case 'user.update': {
      // Only what differs from the values the form was opened with: the request names the change.
      const payload: Record<string, unknown> = {};
      const name = text(form, 'displayName')?.trim() ?? '';
      const email = text(form, 'email')?.trim() ?? '';
      if (name !== (text(form, 'original.displayName') ?? '')) payload.displayName = name;
      if (email !== (text(form, 'original.email') ?? '')) payload.email = email || null;
      return payload;
    }
    case 'user.assign_role':
    case 'user.remove_role':
      return { role: text(form, 'role') ?? '' };
    case 'role.create':
      return { name: text(form, 'name'), description: text(form, 'description') ?? '', permissions: list(form, 'permissions') };
    case 'role.update_permissions':
      return { permissions: list(form, 'permissions') };
    case 'training.curriculum':
      return { role: text(form, 'role') ?? '', documents: list(form, 'documents') };
    case 'service_account.create':
      return {
        id: text(form, 'id')?.trim(),
        name: text(form, 'name'),
        ownerEmployeeId: text(form, 'ownerEmployeeId'),
        scopes: list(form, 'scopes'),
        maxTokenLifetimeS: text(form, 'maxTokenLifetimeS') || undefined,
        allowedNetworks: (text(form, 'allowedNetworks') ?? '').split(/[\s,]+/).filter(Boolean),
        gatewayId: text(form, 'gatewayId') || null,
        key: { kid: text(form, 'kid')?.trim(), publicKeyPem: text(form, 'publicKeyPem') },
      };
    case 'service_account.rotate_key':
      return { accountId: text(form, 'accountId'), key: { kid: text(form, 'kid')?.trim(), publicKeyPem: text(form, 'publicKeyPem') }, retireKids: list(form, 'retireKids') };
    case 'service_account.update_scopes':
      return { accountId: text(form, 'accountId'), scopes: list(form, 'scopes'), gatewayId: text(form, 'gatewayId') || null };
    case 'service_account.disable':
      return { accountId: text(form, 'accountId') };
    default:
      return {};
  }
}

/** Identity evidence files of a new user (the service checks type and size). */
async function evidenceFrom(form: FormData): Promise<TEvidenceFile[]> {
  const files = form.getAll('evidence').filter((v): v is File => typeof v !== 'string' && v.size > 0);
  return Promise.all(files.map(async (f) => ({ filename: f.name, contentType: f.type, bytes: Buffer.from(await f.arrayBuffer()) })));
}

function submitted(form: FormData): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = {};
  for (const key of new Set(form.keys())) {
    if (key.startsWith('$') || key === 'password' || key === 'evidence') continue;
    const all = list(form, key);
    values[key] = ['roles', 'permissions', 'documents', 'scopes', 'retireKids'].includes(key) ? all : (all[0] ?? '');
  }
  return values;
}

/** Any privileged change: submitted as a change request for someone else's approval, then shown. */
export async function requestChangeAction(_prev: TRequestChangeState, form: FormData): Promise<TRequestChangeState> {
  let id: string;
  try {
    const user = await requireUser();
    const kind = text(form, 'kind');
    const created = await requestChange(getDb(), user, {
      kind,
      targetUserId: text(form, 'targetUserId') || undefined,
      targetRoleId: text(form, 'targetRoleId') || undefined,
      payload: isCrKind(kind) ? payloadFrom(kind, form) : {},
      reason: text(form, 'reason'),
      mode: text(form, 'mode') === 'commission' ? 'commission' : 'request',
      evidenceFiles: await evidenceFrom(form),
      employeeId: text(form, 'employeeId.signer'),
      password: text(form, 'password'),
    });
    id = created.id;
    const target = CR_KIND_CONFIG[kind as TCrKind].target;
    if (target === 'user' || kind === 'user.create') revalidatePath('/admin/users', 'layout');
    if (target === 'role' || kind === 'role.create') revalidatePath('/admin/roles');
    if (target === 'service_account') revalidatePath('/admin/service-accounts');
  } catch (e) {
    if (isAppError(e)) return { error: e.message, fieldErrors: e.fields, values: submitted(form) };
    throw e;
  }
  revalidatePath('/change-requests');
  redirect(`/change-requests/${id}`);
}

/** Approve or reject: an electronic signature (EsignDialog) with both components re-entered. */
export async function decideAction(_prev: TEsignState, form: FormData): Promise<TEsignState> {
  const id = text(form, 'id') ?? '';
  const decision = text(form, 'decision');
  const meaning = text(form, 'meaning');
  try {
    const user = await requireUser();
    // The meaning the signer saw must be the decision that is recorded.
    if ((decision === 'approve' && meaning !== 'APPROVAL') || (decision === 'reject' && meaning !== 'REJECTION')) {
      return { error: 'The meaning of the signature does not match the decision', fieldErrors: { meaning: 'Does not match the decision' } };
    }
    await decideChangeRequest(getDb(), user, {
      id,
      decision,
      payloadHash: text(form, 'payloadHash'),
      reason: text(form, 'comment'),
      employeeId: text(form, 'employeeId'),
      password: text(form, 'password'),
    });
  } catch (e) {
    if (isAppError(e)) {
      // The dialog's comment field carries the service's "reason".
      const { reason, ...fields } = e.fields ?? {};
      return { error: e.message, fieldErrors: reason ? { ...fields, comment: reason === 'required' ? e.message : reason } : e.fields };
    }
    throw e;
  }
  revalidatePath('/change-requests', 'layout');
  revalidatePath('/admin', 'layout');
  return { ok: true };
}

/** The requester withdraws an undecided request, with a reason. */
export async function cancelAction(_prev: TCancelState, form: FormData): Promise<TCancelState> {
  const id = text(form, 'id') ?? '';
  try {
    const user = await requireUser();
    await cancelChangeRequest(getDb(), user, id, text(form, 'reason'));
  } catch (e) {
    if (isAppError(e)) return { error: e.message, fieldErrors: e.fields?.reason === 'required' ? { reason: e.message } : e.fields };
    throw e;
  }
  revalidatePath('/change-requests', 'layout');
  revalidatePath('/admin', 'layout');
  return { ok: true };
}

/** The one-time password of an applied creation or reset: returned once, to the requester. */
export async function revealSecretAction(_prev: TRevealState, form: FormData): Promise<TRevealState> {
  const id = text(form, 'id') ?? '';
  try {
    const user = await requireUser();
    if (!/^[0-9a-f-]{36}$/i.test(id)) return { error: 'Change request not found' };
    return { secret: await revealChangeSecret(getDb(), user, id) };
  } catch (e) {
    if (isAppError(e)) return { error: e.message };
    throw e;
  }
}
