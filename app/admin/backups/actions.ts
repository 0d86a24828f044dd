'use server';

import { revalidatePath } from 'next/cache';
import { requireUser } from '@/lib/auth/require-user';
import { requestChange } from '@/lib/change-requests/request-change';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';

export interface TRestoreRequestState {
  request?: { id: string; number: string };
  error?: string;
}

/** A restore is requested here and applied only when two other administrators approve it. */
export async function requestRestoreAction(_prev: TRestoreRequestState, form: FormData): Promise<TRestoreRequestState> {
  try {
    const user = await requireUser();
    const request = await requestChange(getDb(), user, {
      kind: 'backup.restore',
      payload: { backupId: form.get('backupId'), manifestHash: form.get('manifestHash') },
      reason: form.get('reason'),
    });
    revalidatePath('/change-requests', 'layout');
    return { request: { id: request.id, number: request.number } };
  } catch (e) {
    if (isAppError(e)) return { error: e.message };
    throw e;
  }
}
