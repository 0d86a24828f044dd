'use server';

import { revalidatePath } from 'next/cache';
import type { TEsignState } from '@/components/esign/esign-dialog';
import { ACK_MEANING, acknowledgeAlert } from '@/lib/alerts/acknowledge-alert';
import { requireUser } from '@/lib/auth/require-user';
import { requirePermission } from '@/lib/rbac/require-permission';
import { requestChange } from '@/lib/change-requests/request-change';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';

export interface TUnlockState {
  /** The change request that was submitted. */
  request?: { id: string; number: string };
  error?: string;
  fieldErrors?: Record<string, string>;
}

/** An unlock is a privileged change: it is requested here and applied once someone else approves it. */
export async function requestUnlockAction(_prev: TUnlockState, form: FormData): Promise<TUnlockState> {
  try {
    const user = await requireUser();
    const request = await requestChange(getDb(), user, { kind: 'user.unlock', targetUserId: form.get('userId'), payload: {}, reason: form.get('reason') });
    revalidatePath('/admin/security-alerts');
    revalidatePath('/change-requests', 'layout');
    return { request: { id: request.id, number: request.number } };
  } catch (e) {
    if (isAppError(e)) return { error: e.message, fieldErrors: e.fields };
    throw e;
  }
}

const text = (form: FormData, k: string) => {
  const v = form.get(k);
  return typeof v === 'string' ? v : undefined;
};

/** Acknowledges an alert: an electronic signature (meaning RESPONSIBILITY) with a comment. */
export async function acknowledgeAlertAction(_prev: TEsignState, form: FormData): Promise<TEsignState> {
  try {
    const user = await requireUser();
    requirePermission(user, 'security_alerts.acknowledge');
    if (text(form, 'meaning') !== ACK_MEANING) return { error: 'An acknowledgement is signed with the meaning Responsibility', fieldErrors: { meaning: 'Must be Responsibility' } };
    await acknowledgeAlert(getDb(), user, {
      alertId: text(form, 'alertId'),
      contentHash: text(form, 'contentHash'),
      comment: text(form, 'comment'),
      employeeId: text(form, 'employeeId'),
      password: text(form, 'password'),
    });
    revalidatePath('/admin/security-alerts');
    return { ok: true };
  } catch (e) {
    if (isAppError(e)) return { error: e.message, fieldErrors: e.fields };
    throw e;
  }
}
