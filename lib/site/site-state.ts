import type { TDb, TTx } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';

// A new site is *commissioning* until it goes live (go-live.ts): while commissioning an
// administrator provisions users, roles and devices directly, each by their own electronic
// signature; once live, every such change is a change request approved by others.

export type TSiteState =
  | { phase: 'commissioning' }
  | { phase: 'live'; wentLiveAt: Date; printedName: string; employeeId: string | null };

export async function siteState(db: TDb | TTx): Promise<TSiteState> {
  const row = await db.siteGoLive.findUnique({ where: { id: 1 }, select: { wentLiveAt: true, printedName: true, employeeId: true } });
  return row ? { phase: 'live', ...row } : { phase: 'commissioning' };
}

/** Serialises commissioning actions with going live, in the caller's transaction. */
export async function lockSiteState(tx: TTx): Promise<TSiteState> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(7212001)`;
  return siteState(tx);
}

export function refuseUnlessCommissioning(state: TSiteState): void {
  if (state.phase === 'live') {
    throw new AppError('FORBIDDEN', 'The site is live: this change goes through a change request that another person approves');
  }
}
