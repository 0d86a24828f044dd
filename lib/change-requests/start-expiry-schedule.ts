import { expireChangeRequests } from '@/lib/change-requests/expire-change-requests';
import type { TDb } from '@/lib/db/client';

/**
 * The worker ends change requests past their deadline: every CUSTOS_CR_EXPIRY_CHECK_S (default
 * 60) submitted requests whose `expires_at` has passed become `expired`, each with its
 * `change_request.expire` event by the system actor `system:change-control`. A run is not
 * overlapped by the next. `clock` exists for tests (a shifted clock).
 */
export function startChangeRequestExpiry(
  db: TDb,
  opts: { env?: Record<string, string | undefined>; log?: (line: string) => void; clock?: () => Date } = {},
): { stop(): Promise<void> } {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => undefined);
  const clock = opts.clock ?? (() => new Date());
  const everyS = Number(env.CUSTOS_CR_EXPIRY_CHECK_S || 60);
  let busy: Promise<unknown> | null = null;
  const run = () => {
    if (busy) return;
    busy = expireChangeRequests(db, clock())
      .then((n) => n > 0 && log(`change requests: ${n} expired`))
      .catch((e: Error) => log(`change-request expiry failed: ${e.message}`))
      .finally(() => {
        busy = null;
      });
  };
  const t = setInterval(run, everyS * 1000);
  t.unref();
  run();
  return {
    async stop() {
      clearInterval(t);
      await busy;
    },
  };
}
