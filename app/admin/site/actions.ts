'use server';

import { revalidatePath } from 'next/cache';
import type { TEsignState } from '@/components/esign/esign-dialog';
import { requireUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';
import { goLive } from '@/lib/site/go-live';

/** Go live: an electronic signature (RESPONSIBILITY); the service checks the permission and the readiness. */
export async function goLiveAction(_prev: TEsignState, form: FormData): Promise<TEsignState> {
  const text = (n: string) => {
    const v = form.get(n);
    return typeof v === 'string' ? v : undefined;
  };
  try {
    const user = await requireUser();
    await goLive(getDb(), user, { reason: text('comment'), employeeId: text('employeeId'), password: text('password') });
  } catch (e) {
    if (isAppError(e)) return { error: e.message, fieldErrors: e.fields };
    throw e;
  }
  revalidatePath('/', 'layout');
  return { ok: true };
}
