'use server';

import { revalidatePath } from 'next/cache';
import { requireUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';
import { unlockUser } from '@/lib/users/unlock-user';

export interface TUnlockState {
  ok?: boolean;
  error?: string;
  fieldErrors?: Record<string, string>;
}

export async function unlockUserAction(_prev: TUnlockState, form: FormData): Promise<TUnlockState> {
  try {
    const user = await requireUser();
    await unlockUser(getDb(), user, { userId: form.get('userId'), reason: form.get('reason') });
    revalidatePath('/admin/security-alerts');
    return { ok: true };
  } catch (e) {
    if (isAppError(e)) return { error: e.message, fieldErrors: e.fields };
    throw e;
  }
}
