'use server';

import { revalidatePath } from 'next/cache';
import type { TEsignState } from '@/components/esign/esign-dialog';
import { requireUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';
import { QUARANTINE_MEANING, signQuarantineDecision } from '@/lib/telemetry/sign-quarantine-decision';

const text = (form: FormData, k: string) => {
  const v = form.get(k);
  return typeof v === 'string' ? v : undefined;
};

/**
 * Re-inject or discard a quarantined message, as an electronic signature with its reason (a
 * public endpoint: session, then permission quarantine.manage, then input; the service checks
 * the signature and the entry's state itself).
 */
export async function decideQuarantineAction(_prev: TEsignState, form: FormData): Promise<TEsignState> {
  try {
    const user = await requireUser();
    requirePermission(user, 'quarantine.manage');
    if (text(form, 'meaning') !== QUARANTINE_MEANING) return { error: 'A quarantine decision is signed with the meaning Responsibility', fieldErrors: { meaning: 'Must be Responsibility' } };
    const id = text(form, 'id') ?? '';
    const r = await signQuarantineDecision(getDb(), user, {
      id,
      decision: text(form, 'decision'),
      reason: text(form, 'comment'),
      contentHash: text(form, 'contentHash'),
      employeeId: text(form, 'employeeId'),
      password: text(form, 'password'),
    });
    revalidatePath('/quarantine');
    revalidatePath(`/quarantine/${id}`);
    // Still not acceptable: said in the dialog; this entry stays held, the attempt is audited.
    if (r.status === 'held') return { error: `Still rejected: ${r.reason ?? 'unknown reason'}. This entry stays held; the attempt was quarantined again as a new entry.` };
    return { ok: true };
  } catch (e) {
    if (isAppError(e)) return { error: e.message, fieldErrors: e.fields };
    throw e;
  }
}
