'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import type { TEsignState } from '@/components/esign/esign-dialog';
import { closeReview, markSeen, openReview } from '@/lib/audit-review/audit-review';
import { requireUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';

// Server actions are public endpoints: each checks the session; the service checks audit.review.

export interface TReviewFormState {
  error?: string;
  fieldErrors?: Record<string, string>;
}

const text = (form: FormData, name: string) => {
  const v = form.get(name);
  return typeof v === 'string' ? v : undefined;
};

/** Opens a review of a chain over a period (times entered as UTC). */
export async function openReviewAction(_prev: TReviewFormState, form: FormData): Promise<TReviewFormState> {
  let id: string;
  try {
    const user = await requireUser();
    const utc = (v: string | undefined) => (v ? `${v}${v.length === 16 ? ':00' : ''}Z` : undefined); // the form's times are UTC
    const r = await openReview(getDb(), user, { chainId: text(form, 'chainId') || undefined, from: utc(text(form, 'from')), to: utc(text(form, 'to')) });
    id = r.id;
  } catch (e) {
    if (isAppError(e)) return { error: e.message, fieldErrors: e.fields };
    throw e;
  }
  revalidatePath('/audit/reviews');
  redirect(`/audit/reviews/${id}`);
}

export async function markSeenAction(_prev: TReviewFormState, form: FormData): Promise<TReviewFormState> {
  try {
    const user = await requireUser();
    const id = text(form, 'id') ?? '';
    await markSeen(getDb(), user, { id, seqs: form.getAll('seq').filter((v) => typeof v === 'string') });
    revalidatePath(`/audit/reviews/${id}`);
    return {};
  } catch (e) {
    if (isAppError(e)) return { error: e.message, fieldErrors: e.fields };
    throw e;
  }
}

/** Closes the review: an electronic signature (REVIEW) with the finding. */
export async function closeReviewAction(_prev: TEsignState, form: FormData): Promise<TEsignState> {
  try {
    const user = await requireUser();
    if (text(form, 'meaning') !== 'REVIEW') return { error: 'A review is signed with the meaning REVIEW', fieldErrors: { meaning: 'REVIEW' } };
    const id = text(form, 'id') ?? '';
    await closeReview(getDb(), user, { id, finding: text(form, 'finding'), findingText: text(form, 'comment'), employeeId: text(form, 'employeeId'), password: text(form, 'password') });
    revalidatePath(`/audit/reviews/${id}`);
    return { ok: true };
  } catch (e) {
    if (isAppError(e)) return { error: e.message, fieldErrors: e.fields };
    throw e;
  }
}
