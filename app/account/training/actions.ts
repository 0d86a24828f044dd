'use server';

import { revalidatePath } from 'next/cache';
import type { TEsignState } from '@/components/esign/esign-dialog';
import { requireUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';
import { TRAINING_MEANING, completeTraining } from '@/lib/training/training';

/** "Read and understood": an electronic signature on the required version of a document. */
export async function completeTrainingAction(_prev: TEsignState, form: FormData): Promise<TEsignState> {
  const text = (n: string) => {
    const v = form.get(n);
    return typeof v === 'string' ? v : undefined;
  };
  try {
    const user = await requireUser();
    if (text('meaning') !== TRAINING_MEANING) return { error: 'Training is signed with the meaning "read and understood"', fieldErrors: { meaning: TRAINING_MEANING } };
    await completeTraining(getDb(), user, { recordId: text('recordId'), version: text('version'), employeeId: text('employeeId'), password: text('password') });
  } catch (e) {
    if (isAppError(e)) return { error: e.message, fieldErrors: e.fields };
    throw e;
  }
  revalidatePath('/account/training');
  return { ok: true };
}
