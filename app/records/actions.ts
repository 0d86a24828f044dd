'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { currentSession, requireUser, sessionStateMessage } from '@/lib/auth/require-user';
import type { TSessionState } from '@/lib/auth/session-rules';
import { getDb } from '@/lib/db/client';
import { auditRefusedSigning } from '@/lib/esign/audit-refused-signing';
import { recordContextRef } from '@/lib/esign/manifestation';
import { ZSignRecord, signRecord } from '@/lib/esign/sign-record';
import { isAppError } from '@/lib/errors/app-error';
import { createRecord } from '@/lib/records/create-record';
import { editRecord } from '@/lib/records/edit-record';
import { isRecordKind } from '@/lib/records/kinds';
import { retireRecord } from '@/lib/records/retire-record';
import { contentFromForm } from './kind-fields';
import type { TEsignState } from '@/components/esign/esign-dialog';
import type { TReasonState } from '@/components/ui/reason-dialog';

// Server actions are public endpoints: each one checks the session itself, and the services
// validate the input and check the permission before they change anything.

export interface TRecordFormState {
  error?: string;
  fieldErrors?: Record<string, string>;
  /** What was submitted, so a refused form keeps its text (React resets uncontrolled inputs). */
  values?: Record<string, string>;
}

export type TRetireState = TReasonState;

function text(form: FormData, name: string): string | undefined {
  const v = form.get(name);
  return typeof v === 'string' ? v : undefined;
}

function submitted(form: FormData, extra: string[] = []): Record<string, string> {
  const kind = text(form, 'kind');
  const values: Record<string, string> = isRecordKind(kind) ? contentFromForm(kind, form) : {};
  for (const name of extra) values[name] = text(form, name) ?? '';
  return values;
}

export async function createRecordAction(_prev: TRecordFormState, form: FormData): Promise<TRecordFormState> {
  let id: string;
  try {
    const user = await requireUser();
    const kind = text(form, 'kind');
    const created = await createRecord(getDb(), user, { kind, content: isRecordKind(kind) ? contentFromForm(kind, form) : {} });
    id = created.id;
  } catch (e) {
    if (isAppError(e)) return { error: e.message, fieldErrors: e.fields, values: submitted(form, ['kind']) };
    throw e;
  }
  revalidatePath('/records');
  redirect(`/records/${id}`);
}

export async function editRecordAction(_prev: TRecordFormState, form: FormData): Promise<TRecordFormState> {
  const recordId = text(form, 'recordId') ?? '';
  try {
    const user = await requireUser();
    const kind = text(form, 'kind');
    await editRecord(getDb(), user, {
      recordId,
      baseVersion: text(form, 'baseVersion'),
      reason: text(form, 'reason'),
      content: isRecordKind(kind) ? contentFromForm(kind, form) : {},
    });
  } catch (e) {
    if (isAppError(e)) return { error: e.message, fieldErrors: e.fields, values: submitted(form, ['reason']) };
    throw e;
  }
  revalidatePath('/records');
  revalidatePath(`/records/${recordId}`);
  redirect(`/records/${recordId}`);
}

// A signing attempt from a session that may not sign is refused, and recorded: an attempt to
// sign is evidence even when it never reaches the record.
const REFUSED: Partial<Record<TSessionState, string>> = {
  idle_locked: 'Session locked — unlock it before signing',
  password_expired: 'Your password has expired — change it before signing',
  must_change_password: 'Change your password before signing',
  user_locked: 'Account locked — contact an administrator',
};

const ZSignTarget = ZSignRecord.pick({ recordId: true, version: true, transition: true });

export async function signRecordAction(_prev: TEsignState, form: FormData): Promise<TEsignState> {
  const input = {
    recordId: text(form, 'recordId'),
    version: text(form, 'version'),
    transition: text(form, 'transition'),
    meaning: text(form, 'meaning'),
    comment: text(form, 'comment'),
    employeeId: text(form, 'employeeId'),
    password: text(form, 'password'),
  };
  try {
    const { state, user } = await currentSession();
    if (state !== 'ok') {
      const refused = REFUSED[state];
      if (!user) return { error: 'Sign in to continue' };
      if (!refused) return { error: sessionStateMessage(state) };
      const target = ZSignTarget.safeParse(input);
      if (target.success) {
        const { recordId, version, transition } = target.data;
        await auditRefusedSigning(getDb(), user, {
          entityType: 'Record',
          entityId: recordId,
          contextRef: recordContextRef(recordId, version, transition),
          reason: refused,
        });
      }
      return { error: refused };
    }
    await signRecord(getDb(), user!, input);
  } catch (e) {
    if (isAppError(e)) return { error: e.message, fieldErrors: e.fields };
    throw e;
  }
  revalidatePath('/records');
  revalidatePath(`/records/${input.recordId}`);
  return { ok: true };
}

export async function retireRecordAction(_prev: TRetireState, form: FormData): Promise<TRetireState> {
  const recordId = text(form, 'recordId') ?? '';
  try {
    const user = await requireUser();
    await retireRecord(getDb(), user, { recordId, reason: text(form, 'reason') });
  } catch (e) {
    if (isAppError(e)) return { error: e.message, fieldErrors: e.fields };
    throw e;
  }
  revalidatePath('/records');
  revalidatePath(`/records/${recordId}`);
  return { ok: true };
}
