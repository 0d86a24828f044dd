'use server';

import { changePassword } from '@/lib/auth/change-password';
import { requireUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';

export interface TChangePasswordState {
  ok?: boolean;
  error?: string;
  fieldErrors?: Record<string, string>;
}

export async function changePasswordAction(_prev: TChangePasswordState, form: FormData): Promise<TChangePasswordState> {
  try {
    const user = await requireUser({ allow: ['must_change_password', 'password_expired'] });
    await changePassword(getDb(), user, {
      current: String(form.get('current') ?? ''),
      next: String(form.get('next') ?? ''),
      confirm: String(form.get('confirm') ?? ''),
    });
    return { ok: true };
  } catch (e) {
    if (isAppError(e)) return { error: e.message, fieldErrors: e.fields };
    throw e;
  }
}
