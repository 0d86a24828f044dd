import { getMetrics } from '@/lib/metrics/registry';

/** Counts a refused sign-in after its transaction committed (the audit event says who and why). */
export function observeSignIn(result: { ok: boolean; code?: string }): void {
  if (!result.ok && result.code && result.code !== 'MFA_REQUIRED' && result.code !== 'BAD_REQUEST') getMetrics().signinFailures.inc({ reason: result.code.toLowerCase() });
}
