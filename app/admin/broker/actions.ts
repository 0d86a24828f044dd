'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { requireUser } from '@/lib/auth/require-user';
import { requestBrokerChange } from '@/lib/broker/request-broker-change';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';

export interface TBrokerChangeState {
  error?: string;
  fieldErrors?: Record<string, string>;
}

/** Submits the batch for approval; nothing reaches the broker until two other people approve. */
export async function requestBrokerChangeAction(_prev: TBrokerChangeState, form: FormData): Promise<TBrokerChangeState> {
  let id: string;
  try {
    const user = await requireUser();
    requirePermission(user, 'broker.manage');
    let commands: unknown;
    try {
      commands = JSON.parse(String(form.get('commands') ?? '[]'));
    } catch {
      return { error: 'The command batch is not readable', fieldErrors: { commands: 'not JSON' } };
    }
    id = (await requestBrokerChange(getDb(), user, { commands, reason: form.get('reason') })).id;
  } catch (e) {
    if (isAppError(e)) return { error: e.message, fieldErrors: e.fields };
    throw e;
  }
  revalidatePath('/admin/broker');
  redirect(`/change-requests/${id}`);
}
