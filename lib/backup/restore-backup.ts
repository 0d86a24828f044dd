import path from 'node:path';
import { appendAuditPg } from '@/lib/audit/append-audit';
import { backupDir } from '@/lib/backup/config';
import { withBackupLock } from '@/lib/backup/lock';
import { openBackup } from '@/lib/backup/open-backup';
import { checkScratch, dropScratch, restoreIntoScratch, scratchName, type TScratch } from '@/lib/backup/restore-scratch';
import { ownerDatabaseUrl } from '@/lib/config/database-url';
import type { TTx } from '@/lib/db/client';
import { dataDir } from '@/lib/db/embedded';

export type TRestoreOutcome = { ok: true; effect: Record<string, unknown> } | { ok: false; reason: string };

const CHANGE_CONTROL = { type: 'system' as const, id: 'system:change-control', name: 'Custos change control' };

/** Where an approved restore goes: a new database (PostgreSQL) or data directory (PGlite). */
export function restoreTarget(engine: 'postgres' | 'pglite', crNumber: string) {
  return engine === 'postgres' ? { ownerUrl: ownerDatabaseUrl(), database: scratchName('custos_restored', crNumber) } : { dir: path.join(dataDir(), 'restored', crNumber) };
}

/**
 * The apply step of an approved `backup.restore` change request (two approvers besides the
 * requester, each an e-signature). Runs in the deciding transaction `tx` of the live site:
 * re-checks that the backup and its manifest are the ones approved, restores into a new scratch
 * database, verifies the whole chain there and that its head is the manifest's, and records in
 * the restored chain a `backup.restored` event naming the backup, the approvers and the events
 * of the live chain after the snapshot that the restored site does not have (their seq range).
 * The live database is not touched: switching to the restored one is the operator's step
 * (README, "Restore"). On any failure the scratch is dropped and the request fails with the reason.
 */
export async function restoreBackup(
  tx: TTx,
  cr: { id: string; number?: string; payload: unknown },
): Promise<TRestoreOutcome> {
  const p = cr.payload as { backupId: string; manifestHash: string };
  const number = cr.number ?? cr.id;
  const row = await tx.backup.findUnique({ where: { id: p.backupId }, select: { id: true, fileName: true, manifestHash: true, status: true, chainId: true, headSeq: true } });
  if (!row) return { ok: false, reason: 'The backup no longer exists in the catalogue' };
  if (row.status === 'pruned') return { ok: false, reason: 'The backup was pruned since the request was submitted' };
  if (Buffer.from(row.manifestHash).toString('hex') !== p.manifestHash) return { ok: false, reason: 'The backup catalogue names another manifest than the one approved' };

  const head = await tx.$queryRaw<Array<{ seq: bigint }>>`SELECT seq FROM audit_chain_heads WHERE chain_id = ${row.chainId}`;
  const liveHead = head[0]?.seq ?? 0n;
  const request = await tx.changeRequest.findUnique({ where: { id: cr.id }, select: { requesterName: true } });
  const decisions = await tx.changeRequestDecision.findMany({
    where: { changeRequestId: cr.id, decision: 'approve' },
    orderBy: { signedAt: 'asc' },
    select: { employeeId: true, printedName: true, signedAt: true, meaning: true },
  });
  // The deciding approval's own events (decision, apply) follow the head read here: the lost
  // range is "from the snapshot on", its upper end is the live head when the restore ran.
  const lost = { fromSeq: (row.headSeq + 1n).toString(), toSeq: liveHead.toString(), count: Number(liveHead > row.headSeq ? liveHead - row.headSeq : 0n) };

  try {
    return await withBackupLock(tx, backupDir(), async () => {
      const b = await openBackup(row.fileName, p.manifestHash);
      const open = await restoreIntoScratch(b, restoreTarget(b.manifest.engine, number));
      let scratch: TScratch | null = open.scratch;
      try {
        const check = await checkScratch(open.client, b, open.plaintextBytes);
        if (!check.ok) return { ok: false as const, reason: `The restored copy did not verify: ${check.reason}` };
        await open.client.query('BEGIN');
        const [ev] = await appendAuditPg(
          open.client,
          [
            {
              actor: CHANGE_CONTROL,
              action: 'backup.restored',
              entityType: 'Backup',
              entityId: row.id,
              newValue: {
                backupId: row.id,
                file: row.fileName,
                manifestHash: p.manifestHash,
                snapshotHead: b.manifest.chain,
                changeRequest: number,
                requestedBy: request?.requesterName ?? null,
                approvedBy: decisions.map((d) => ({ employeeId: d.employeeId, printedName: d.printedName, signedAt: d.signedAt.toISOString(), meaning: d.meaning })),
                preRestoreHead: liveHead.toString(),
                lostEvents: lost,
              },
              reason: lost.count ? `events ${lost.fromSeq}–${lost.toSeq} of the live chain are not in this backup` : 'no event of the live chain is lost',
              contextRef: `ChangeRequest:${cr.id}`,
            },
          ],
          { chainId: row.chainId },
        );
        await open.client.query('COMMIT');
        scratch = null; // kept: it is the restored site
        const target = open.scratch.engine === 'postgres' ? { database: open.scratch.database } : { dataDir: open.scratch.dir };
        return {
          ok: true as const,
          effect: { backupId: row.id, manifestHash: p.manifestHash, restoredInto: target, restoredHead: check.chain.headSeq, restoredEventSeq: ev.seq.toString(), lostEvents: lost },
        };
      } finally {
        await open.close();
        if (scratch) await dropScratch(scratch, ownerDatabaseUrl()).catch(() => undefined);
      }
    });
  } catch (e) {
    return { ok: false, reason: `The backup could not be restored: ${(e as Error).message}` };
  }
}
