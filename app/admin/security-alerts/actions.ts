'use server';

import { revalidatePath } from 'next/cache';
import { requireUser } from '@/lib/auth/require-user';
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
