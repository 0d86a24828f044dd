import { appendAudit } from '@/lib/audit/append-audit';
import type { TAuditEventInput } from '@/lib/audit/events';
import type { TDb } from '@/lib/db/client';
import { type Prisma } from '@/lib/generated/prisma/client';

// The completion of an export is kept durably first (one INSERT), then appended to the chain
// with `written_at` set in the same transaction. What could not be appended is retried by the
// worker (retryExportCompletions) until it is.

const TX = { maxWait: 60_000, timeout: 60_000 };

export async function recordExportCompletion(db: TDb, exportId: string, chainId: string, event: TAuditEventInput): Promise<boolean> {
  await db.auditExportCompletion.create({ data: { exportId, chainId, event: event as unknown as Prisma.InputJsonValue }, select: { exportId: true } });
  return writeCompletion(db, exportId);
}

/** Appends one kept completion if it is still pending (skipping one another writer holds). */
export async function writeCompletion(db: TDb, exportId: string): Promise<boolean> {
  try {
    return await db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<Array<{ chain_id: string; event: TAuditEventInput }>>`
        SELECT chain_id, event FROM audit_export_completions
        WHERE export_id = ${exportId}::uuid AND written_at IS NULL FOR UPDATE SKIP LOCKED`;
      if (!rows[0]) return false;
      await appendAudit(tx, [rows[0].event], { chainId: rows[0].chain_id });
      await tx.$executeRaw`UPDATE audit_export_completions SET written_at = now(), attempts = attempts + 1 WHERE export_id = ${exportId}::uuid`;
      return true;
    }, TX);
  } catch (e) {
    await db.$executeRaw`UPDATE audit_export_completions SET attempts = attempts + 1, last_error = ${String((e as Error).message).slice(0, 500)} WHERE export_id = ${exportId}::uuid`.catch(() => undefined);
    return false;
  }
}

/** The worker's retry: every kept completion not yet in the chain. Returns how many were appended. */
export async function retryExportCompletions(db: TDb, limit = 100): Promise<number> {
  const pending = await db.auditExportCompletion.findMany({ where: { writtenAt: null }, orderBy: { createdAt: 'asc' }, take: limit, select: { exportId: true } });
  let n = 0;
  for (const p of pending) if (await writeCompletion(db, p.exportId)) n += 1;
  return n;
}

export interface TUnfinishedExport {
  exportId: string;
  chainId: string;
  seq: bigint;
  startedAt: Date;
  actorId: string;
  format: string | null;
}

/**
 * Exports whose `audit.export_started` has no completion (`audit.export`) in the chain: still
 * running, stopped with the server, or a completion still waiting for its retry.
 */
export async function unfinishedExports(db: TDb, opts: { olderThanS?: number } = {}): Promise<TUnfinishedExport[]> {
  const olderThan = opts.olderThanS ?? 0;
  const rows = await db.$queryRaw<Array<{ export_id: string; chain_id: string; seq: bigint; occurred_at: Date; actor_id: string; format: string | null }>>`
    SELECT s.new_value->>'exportId' AS export_id, s.chain_id, s.seq, s.occurred_at, s.actor_id, s.new_value->>'format' AS format
    FROM audit_events s
    WHERE s.action = 'audit.export_started'
      AND s.occurred_at <= now() - make_interval(secs => ${olderThan})
      AND NOT EXISTS (
        SELECT 1 FROM audit_events c
        WHERE c.action = 'audit.export' AND c.chain_id = s.chain_id AND c.new_value->>'exportId' = s.new_value->>'exportId')
    ORDER BY s.occurred_at DESC
    LIMIT 200`;
  return rows.map((r) => ({ exportId: r.export_id, chainId: r.chain_id, seq: r.seq, startedAt: r.occurred_at, actorId: r.actor_id, format: r.format }));
}
