import { defaultChainId } from '@/lib/audit/chain-id';
import { getDb, type TDb } from '@/lib/db/client';
import { explainConnectionError } from '@/lib/db/pg-errors';
import { appDatabaseUrl } from '@/lib/config/database-url';

export type THealthStatus = 'ok' | 'degraded' | 'down';

export interface THealth {
  status: THealthStatus;
  database: 'up' | 'down';
  chain: {
    /** Sequence number of the chain head as text (bigint); null when the chain has no head yet. */
    head_seq: string | null;
    /** ISO 8601 UTC time of the last recorded chain verification; null when none is known. */
    verified_at: string | null;
  };
}

export interface TGetHealthOptions {
  db?: TDb;
  chainId?: string;
  /** Per-step limit: a health check that hangs is as useless as one that fails. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 2_000;

// How far back from the head we look for the last 'audit.verify' event. audit_events has no
// index on action, so an unbounded search would walk the whole chain on every probe when no
// verification has been recorded yet; this keeps a load-balancer probe cheap.
const VERIFY_LOOKBACK = 100_000n;

class HealthTimeout extends Error {
  constructor(step: string, ms: number) {
    super(`health check step "${step}" did not answer within ${ms} ms`);
    this.name = 'HealthTimeout';
  }
}

function withTimeout<T>(step: string, ms: number, work: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HealthTimeout(step, ms)), ms);
  });
  return Promise.race([work(), limit]).finally(() => clearTimeout(timer));
}

function logFailure(step: string, e: unknown): void {
  let hint: string | null = null;
  try {
    hint = explainConnectionError(e, appDatabaseUrl());
  } catch {
    // DATABASE_URL unset: the original error already says so.
  }
  // Prisma's messages span several lines; a probe failure should be one greppable log line.
  const message = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim();
  console.error(`[health] ${step} failed: ${hint ?? message}`);
}

function readVerifiedAt(newValue: unknown, occurredAt: Date): string {
  if (newValue && typeof newValue === 'object' && !Array.isArray(newValue)) {
    const v = (newValue as Record<string, unknown>).verifiedAt;
    if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return v;
  }
  // The event itself was written right after the verification finished.
  return occurredAt.toISOString();
}

async function readChain(db: TDb, chainId: string): Promise<THealth['chain']> {
  const head = await db.auditChainHead.findUnique({ where: { chainId }, select: { seq: true } });
  if (!head) return { head_seq: null, verified_at: null };
  const lastVerify = await db.auditEvent.findFirst({
    where: { chainId, action: 'audit.verify', seq: { gt: head.seq - VERIFY_LOOKBACK } },
    orderBy: { seq: 'desc' },
    select: { newValue: true, occurredAt: true },
  });
  return {
    head_seq: head.seq.toString(),
    verified_at: lastVerify ? readVerifiedAt(lastVerify.newValue, lastVerify.occurredAt) : null,
  };
}

/**
 * Liveness of the web process's dependencies, for probes and the home page. Never throws:
 * an unreachable database reports 'down'; a reachable database whose chain cannot be read
 * reports 'degraded'.
 */
export async function getHealth(opts: TGetHealthOptions = {}): Promise<THealth> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const unknownChain = { head_seq: null, verified_at: null };

  let db: TDb;
  try {
    db = opts.db ?? getDb();
    await withTimeout('database', timeoutMs, () => db.$queryRaw`SELECT 1`);
  } catch (e) {
    logFailure('database', e);
    return { status: 'down', database: 'down', chain: unknownChain };
  }

  try {
    const chain = await withTimeout('chain', timeoutMs, () => readChain(db, opts.chainId ?? defaultChainId()));
    return { status: 'ok', database: 'up', chain };
  } catch (e) {
    logFailure('chain', e);
    return { status: 'degraded', database: 'up', chain: unknownChain };
  }
}
