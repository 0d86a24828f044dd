import type { TDb } from '@/lib/db/client';
import { DRILL_OVERDUE_DAYS } from '@/lib/backup/config';

export interface TBackupRow {
  id: string;
  createdAt: Date;
  createdBy: string;
  status: string;
  engine: string;
  fileName: string;
  sizeBytes: bigint;
  headSeq: bigint;
  headHash: string;
  manifestHash: string;
  verifiedAt: Date | null;
  lastDrill: { ok: boolean; finishedAt: Date; reason: string | null } | null;
}

export interface TBackupOverview {
  rows: TBackupRow[];
  nextCursor: string | null;
  lastDrill: { ok: boolean; finishedAt: Date; backupId: string; reason: string | null } | null;
  drillOverdue: boolean;
}

/** One page of the backup catalogue, newest first (keyset on created_at, id), and the drill state. */
export async function listBackups(db: TDb, opts: { cursor?: string | null; pageSize?: number } = {}): Promise<TBackupOverview> {
  const take = Math.min(Math.max(opts.pageSize ?? 25, 1), 200);
  let where = {};
  if (opts.cursor) {
    const c = await db.backup.findUnique({ where: { id: opts.cursor }, select: { id: true, createdAt: true } });
    if (c) where = { OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }] };
  }
  const rows = await db.backup.findMany({
    where,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: take + 1,
    select: {
      id: true, createdAt: true, createdBy: true, status: true, engine: true, fileName: true, sizeBytes: true,
      headSeq: true, headHash: true, manifestHash: true, verifiedAt: true,
      drills: { orderBy: { finishedAt: 'desc' }, take: 1, select: { ok: true, finishedAt: true, result: true } },
    },
  });
  const first = await db.backup.findFirst({ where: { status: { not: 'pruned' } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { createdAt: true } });
  const last = await db.backupDrill.findFirst({ orderBy: [{ finishedAt: 'desc' }, { id: 'desc' }], select: { ok: true, finishedAt: true, backupId: true, result: true } });
  const reasonOf = (r: unknown) => ((r as { reason?: string | null } | null)?.reason ?? null);
  return {
    rows: rows.slice(0, take).map((r) => ({
      id: r.id,
      createdAt: r.createdAt,
      createdBy: r.createdBy,
      status: r.status,
      engine: r.engine,
      fileName: r.fileName,
      sizeBytes: r.sizeBytes,
      headSeq: r.headSeq,
      headHash: Buffer.from(r.headHash).toString('hex'),
      manifestHash: Buffer.from(r.manifestHash).toString('hex'),
      verifiedAt: r.verifiedAt,
      lastDrill: r.drills[0] ? { ok: r.drills[0].ok, finishedAt: r.drills[0].finishedAt, reason: reasonOf(r.drills[0].result) } : null,
    })),
    nextCursor: rows.length > take ? rows[take - 1].id : null,
    lastDrill: last ? { ok: last.ok, finishedAt: last.finishedAt, backupId: last.backupId, reason: reasonOf(last.result) } : null,
    drillOverdue: isDrillOverdue(last?.finishedAt ?? null, first?.createdAt ?? null),
  };
}

/**
 * No drill for more than DRILL_OVERDUE_DAYS while backups exist (counted from the oldest backup
 * kept when there has been no drill yet: a new site is not overdue on its first day).
 */
export function isDrillOverdue(lastDrillAt: Date | null, firstBackupAt: Date | null, now = new Date()): boolean {
  if (!firstBackupAt) return false;
  const since = lastDrillAt ?? firstBackupAt;
  return now.getTime() - since.getTime() > DRILL_OVERDUE_DAYS * 86_400_000;
}
