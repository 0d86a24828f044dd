'use server';

import { revalidatePath } from 'next/cache';
import { requireUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';
import { decideQuarantine } from '@/lib/ingest/decide-quarantine';

export interface TDecideQuarantineState {
  error?: string;
  fieldErrors?: Record<string, string>;
  /** What happened: "stored", "duplicate" or "still rejected: <reason>" after a re-inject, "discarded". */
  outcome?: { decision: 'reinject' | 'discard'; status: string; message: string; tone: 'ok' | 'warn' };
  /** The reason typed, kept when the decision was refused. */
  reason?: string;
}

/**
 * Re-inject or discard a quarantined message (a public endpoint: the service checks the
 * session's permission quarantine.manage, the reason and the entry's state itself).
 */
export async function decideQuarantineAction(_prev: TDecideQuarantineState, form: FormData): Promise<TDecideQuarantineState> {
  const id = String(form.get('id') ?? '');
  const decision = form.get('decision') === 'discard' ? 'discard' : 'reinject';
  const reason = String(form.get('reason') ?? '');
  try {
    const user = await requireUser();
    const r = await decideQuarantine(getDb(), user, { id, decision, reason });
    revalidatePath('/quarantine');
    revalidatePath(`/quarantine/${id}`);
    if (decision === 'discard') return { outcome: { decision, status: r.status, message: 'Discarded. The message stays sealed in quarantine with your reason.', tone: 'ok' } };
    if (r.status === 'held') return { outcome: { decision, status: r.status, message: `Still rejected: ${r.reason ?? 'unknown reason'}. This entry stays held; the attempt was quarantined again as a new entry.`, tone: 'warn' }, reason };
    return {
      outcome: {
        decision,
        status: r.status,
        message: r.telemetryStored ? 'Stored: the reading was accepted and added to the telemetry.' : 'Stored already: the same reading had been received before (nothing was added twice).',
        tone: 'ok',
      },
    };
  } catch (e) {
    if (isAppError(e)) return { error: e.message, fieldErrors: e.fields, reason };
    throw e;
  }
}
