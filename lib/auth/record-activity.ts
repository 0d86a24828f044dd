import type { TDb } from '@/lib/db/client';

/**
 * Moves the idle deadline forward — only for a session that has not yet passed it. Called by
 * the browser when the person really typed or pointed (throttled), never by polling, so
 * background requests cannot keep a session alive. 11.300(d).
 */
export async function recordActivity(db: TDb, sessionId: string): Promise<Date | null> {
  const rows = await db.$queryRaw<Array<{ deadline: Date }>>`
    UPDATE sessions SET last_activity_at = now()
    WHERE id = ${sessionId} AND revoked_at IS NULL AND now() < absolute_expires_at
      AND now() < last_activity_at + make_interval(secs => idle_timeout_s)
    RETURNING last_activity_at + make_interval(secs => idle_timeout_s) AS deadline`;
  return rows[0]?.deadline ?? null;
}
