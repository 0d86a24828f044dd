'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { requireUser } from '@/lib/auth/require-user';
import { requestChange } from '@/lib/change-requests/request-change';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';

// Device registration, key rotation and gateway certificates are requested, not made: a key grants the power to
// create records, so two other people approve (lib/change-requests/kinds.ts). The HMAC secret
// is sealed by the service before it reaches the payload, and it is never sent back here.

export interface TDeviceRequestState {
  error?: string;
  fieldErrors?: Record<string, string>;
  /** What was submitted, without the HMAC secret, so a refused form keeps its text. */
  values?: Record<string, string>;
}

const SECRET_FIELDS = new Set(['hmacSecretHex']);

function text(form: FormData, name: string): string {
  const v = form.get(name);
  return typeof v === 'string' ? v.trim() : '';
}

/** Empty means "not set" (z.coerce would read '' as 0). */
function optional(form: FormData, name: string): string | null {
  return text(form, name) || null;
}

/** "a, b c\nd" → [a, b, c, d]: sensors and topics, one or several per line. */
function list(form: FormData, name: string): string[] {
  return text(form, name)
    .split(/[\s,]+/)
    .filter(Boolean);
}

function keyFrom(form: FormData) {
  return text(form, 'keyKind') === 'ecdsa' ? { publicKeyPem: text(form, 'publicKeyPem') } : { hmacSecretHex: text(form, 'hmacSecretHex') };
}

function kept(form: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [k, v] of form.entries()) if (!k.startsWith('$') && !SECRET_FIELDS.has(k) && typeof v === 'string') values[k] = v;
  return values;
}

/** Field names of the service's messages, as the form names them. */
function fieldsOf(fields: Record<string, string> | undefined, keyKind: string): Record<string, string> | undefined {
  if (!fields) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) out[k === 'key' || k === 'publicKey' ? (keyKind === 'ecdsa' ? 'publicKeyPem' : 'hmacSecretHex') : k] = v;
  return out;
}

async function submit(form: FormData, input: Parameters<typeof requestChange>[2]): Promise<TDeviceRequestState> {
  let id: string;
  try {
    const user = await requireUser();
    id = (await requestChange(getDb(), user, input)).id;
  } catch (e) {
    if (isAppError(e)) return { error: e.message, fieldErrors: fieldsOf(e.fields, text(form, 'keyKind')), values: kept(form) };
    throw e;
  }
  revalidatePath('/change-requests');
  redirect(`/change-requests/${id}`);
}

export async function requestDeviceRegistrationAction(_prev: TDeviceRequestState, form: FormData): Promise<TDeviceRequestState> {
  return submit(form, {
    kind: 'device.register',
    reason: text(form, 'reason'),
    payload: {
      id: text(form, 'id'),
      key: keyFrom(form),
      sensors: list(form, 'sensors'),
      allowedTopics: list(form, 'allowedTopics'),
      description: text(form, 'description'),
      firmwareVersion: optional(form, 'firmwareVersion'),
      calibrationDue: optional(form, 'calibrationDue'),
      expectedIntervalS: optional(form, 'expectedIntervalS'),
      limitMin: optional(form, 'limitMin'),
      limitMax: optional(form, 'limitMax'),
      limitMinDurationS: optional(form, 'limitMinDurationS') ?? 0,
      unit: optional(form, 'unit'),
      certFingerprint: optional(form, 'certFingerprint'),
    },
  });
}

export async function requestKeyRotationAction(_prev: TDeviceRequestState, form: FormData): Promise<TDeviceRequestState> {
  return submit(form, { kind: 'device.rotate_key', reason: text(form, 'reason'), payload: { deviceId: text(form, 'deviceId'), key: keyFrom(form) } });
}

/** Sets or removes a gateway's TLS client certificate (empty: remove). */
export async function requestCertificateAction(_prev: TDeviceRequestState, form: FormData): Promise<TDeviceRequestState> {
  return submit(form, { kind: 'device.set_certificate', reason: text(form, 'reason'), payload: { deviceId: text(form, 'deviceId'), certFingerprint: optional(form, 'certFingerprint') } });
}
