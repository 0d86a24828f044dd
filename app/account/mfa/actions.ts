'use server';

import QRCode from 'qrcode';
import { confirmMfaEnrolment, startMfaEnrolment } from '@/lib/auth/enrol-mfa';
import { requireUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';

export interface TMfaState {
  step: 'start' | 'confirm' | 'done';
  secret?: string;
  qr?: string;
  recoveryCodes?: string[];
  error?: string;
}

export async function startMfaAction(): Promise<TMfaState> {
  try {
    const user = await requireUser({ allow: ['mfa_pending'] });
    const { secret, uri } = await startMfaEnrolment(getDb(), user);
    return { step: 'confirm', secret, qr: await QRCode.toDataURL(uri, { margin: 1, width: 200 }) };
  } catch (e) {
    if (isAppError(e)) return { step: 'start', error: e.message };
    throw e;
  }
}

export async function confirmMfaAction(prev: TMfaState, form: FormData): Promise<TMfaState> {
  try {
    const user = await requireUser({ allow: ['mfa_pending'] });
    const { recoveryCodes } = await confirmMfaEnrolment(getDb(), user, String(form.get('code') ?? ''));
    return { step: 'done', recoveryCodes };
  } catch (e) {
    if (isAppError(e)) return { ...prev, error: e.message };
    throw e;
  }
}
