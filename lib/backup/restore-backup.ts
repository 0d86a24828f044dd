import path from 'node:path';
import { raiseAlert } from '@/lib/alerts/raise-alert';
import { appendAudit, appendAuditPg } from '@/lib/audit/append-audit';
import { defaultChainId } from '@/lib/audit/chain-id';
import { backupDir } from '@/lib/backup/config';
import { withBackupLock } from '@/lib/backup/lock';
import { openBackup } from '@/lib/backup/open-backup';
import { checkScratch, dropScratch, restoreIntoScratch, scratchName, type TScratch } from '@/lib/backup/restore-scratch';
import { ownerDatabaseUrl } from '@/lib/config/database-url';
import type { TDb, TTx } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';
import { dataDir } from '@/lib/db/embedded';

export type TRestoreOutcome = { ok: true; effect: Record<string, unknown> } | { ok: false; reason: string };

const CHANGE_CONTROL = { type: 'system' as const, id: 'system:change-control', name: 'Custos change control' };

/** Where an approved restore goes: a new database (PostgreSQL) or data directory (PGlite). */
export function restoreTarget(engine: 'postgres' | 'pglite', crNumber: string) {
  return engine === 'postgres' ? { ownerUrl: ownerDatabaseUrl(), database: scratchName('custos_restored', crNumber) } : { dir: path.join(dataDir(), 'restored', crNumber) };
}

/** Restores whose decrypted dump is larger than this run after the approval, not inside it. */
export function inlineRestoreMaxBytes(env: Record<string, string | undefined> = process.env): number {
  const mb = Number(env.CUSTOS_RESTORE_INLINE_MAX_MB ?? 32);
  return (Number.isFinite(mb) && mb >= 0 ? mb : 32) * 1048576;
}

interface TRestorePlan {
  crId: string;
  number: string;
  backupId: string;
  fileName: string;
  manifestHash: string;
  chainId: string;
  requestedBy: string | null;
  approvedBy: Array<{ employeeId: string; printedName: string; signedAt: string; meaning: string }>;
  preRestoreHead: string;
  lostEvents: { fromSeq: string; toSeq: string; count: number };
}

type TReader = Pick<TTx, 'backup' | 'changeRequest' | 'changeRequestDecision' | '$queryRaw'>;

/** What an approved restore is, read when the last approval arrives: the backup, who approved, what is lost. */
async function planRestore(tx: TReader, cr: { id: string; number?: string; payload: unknown }): Promise<{ ok: false; reason: string } | { ok: true; plan: TRestorePlan; plaintextBytes: number }> {
  const p = cr.payload as { backupId: string; manifestHash: string };
  const row = await tx.backup.findUnique({ where: { id: p.backupId }, select: { id: true, fileName: true, manifestHash: true, status: true, chainId: true, headSeq: true, manifest: true } });
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
  // range is "from the snapshot on", its upper end is the live head when the restore was approved.
  const lost = { fromSeq: (row.headSeq + 1n).toString(), toSeq: liveHead.toString(), count: Number(liveHead > row.headSeq ? liveHead - row.headSeq : 0n) };
  return {
    ok: true,
    plaintextBytes: Number((row.manifest as { plaintext_size?: number }).plaintext_size ?? 0),
    plan: {
      crId: cr.id,
      number: cr.number ?? cr.id,
      backupId: row.id,
      fileName: row.fileName,
      manifestHash: p.manifestHash,
      chainId: row.chainId,
      requestedBy: request?.requesterName ?? null,
      approvedBy: decisions.map((d) => ({ employeeId: d.employeeId, printedName: d.printedName, signedAt: d.signedAt.toISOString(), meaning: d.meaning })),
      preRestoreHead: liveHead.toString(),
      lostEvents: lost,
    },
  };
}

/**
 * Restores the planned backup into its new database / data directory, verifies the whole chain
 * there and its head against the manifest, and appends `backup.restored` to the restored chain.
 * The caller holds the backup lock. On any failure the scratch is dropped.
 */
async function carryOut(plan: TRestorePlan): Promise<TRestoreOutcome> {
  try {
    const b = await openBackup(plan.fileName, plan.manifestHash);
    const open = await restoreIntoScratch(b, restoreTarget(b.manifest.engine, plan.number));
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
            entityId: plan.backupId,
            newValue: {
              backupId: plan.backupId,
              file: plan.fileName,
              manifestHash: plan.manifestHash,
              snapshotHead: b.manifest.chain,
              changeRequest: plan.number,
              requestedBy: plan.requestedBy,
              approvedBy: plan.approvedBy,
              preRestoreHead: plan.preRestoreHead,
              lostEvents: plan.lostEvents,
            },
            reason: plan.lostEvents.count ? `events ${plan.lostEvents.fromSeq}–${plan.lostEvents.toSeq} of the live chain are not in this backup` : 'no event of the live chain is lost',
            contextRef: `ChangeRequest:${plan.crId}`,
          },
        ],
        { chainId: plan.chainId },
      );
      await open.client.query('COMMIT');
      scratch = null; // kept: it is the restored site
      const target = open.scratch.engine === 'postgres' ? { database: open.scratch.database } : { dataDir: open.scratch.dir };
      return {
        ok: true as const,
        effect: { backupId: plan.backupId, manifestHash: plan.manifestHash, restoredInto: target, restoredHead: check.chain.headSeq, restoredEventSeq: ev.seq.toString(), lostEvents: plan.lostEvents },
      };
    } finally {
      await open.close();
      if (scratch) await dropScratch(scratch, ownerDatabaseUrl()).catch(() => undefined);
    }
  } catch (e) {
    return { ok: false, reason: `The backup could not be restored: ${(e as Error).message}` };
  }
}

/**
 * The apply step of an approved `backup.restore` change request (two approvers besides the
 * requester, each an e-signature), in the deciding transaction `tx` of the live site: re-checks
 * that the backup and its manifest are the ones approved and reads who approved and which events
 * of the live chain the restored site will not have (their seq range). A small backup (dump up
 * to CUSTOS_RESTORE_INLINE_MAX_MB, default 32) is restored right here: into a new scratch
 * database, whose whole chain is verified (head = the manifest's) and gets a `backup.restored`
 * event naming the backup, the approvers and the lost range. A larger one would outlast the
 * transaction: the apply records the restore as queued, and the worker carries it out under the
 * backup lock at its next check (runQueuedRestores), recording `backup.restore_completed` or
 * `backup.restore_failed` (with an alert). The live database is never touched: switching to the
 * restored one is the operator's step (README, "Restore").
 */
export async function restoreBackup(tx: TTx, cr: { id: string; number?: string; payload: unknown }): Promise<TRestoreOutcome> {
  const planned = await planRestore(tx, cr);
  if (!planned.ok) return planned;
  const { plan } = planned;
  if (planned.plaintextBytes > inlineRestoreMaxBytes()) {
    return {
      ok: true,
      effect: {
        queued: true,
        backupId: plan.backupId,
        manifestHash: plan.manifestHash,
        note: 'restored by the worker at its next check (within a minute); the result is recorded as backup.restore_completed or backup.restore_failed',
        plan: plan as unknown as Record<string, unknown>,
        lostEvents: plan.lostEvents,
      },
    };
  }
  try {
    return await withBackupLock(tx, backupDir(), () => carryOut(plan));
  } catch (e) {
    return { ok: false, reason: `The backup could not be restored: ${(e as Error).message}` };
  }
}

/**
 * The worker's part of a large approved restore: every `backup.restore` request applied as queued
 * and not yet carried out is restored now, under the backup lock, as planned at approval (the
 * approvers and the lost range are those of that moment). The outcome goes into the live chain
 * (`backup.restore_completed` naming the new database, or `backup.restore_failed` with the reason
 * and a `backup_restore_failed` alert); a restore is attempted once.
 */
/** Approved restores queued for the worker and not carried out yet, oldest first. */
export async function queuedRestores(db: TDb, chainId = defaultChainId()): Promise<Array<{ cr_id: string; plan: TRestorePlan; approved_at: Date }>> {
  return db.$queryRaw<Array<{ cr_id: string; plan: TRestorePlan; approved_at: Date }>>`
    SELECT a.entity_id AS cr_id, a.new_value->'effect'->'plan' AS plan, a.occurred_at AS approved_at FROM audit_events a
    WHERE a.chain_id = ${chainId} AND a.action = 'change_request.apply' AND a.new_value->>'kind' = 'backup.restore'
      AND a.new_value->'effect'->>'queued' = 'true'
      AND NOT EXISTS (SELECT 1 FROM audit_events f WHERE f.chain_id = a.chain_id AND f.entity_type = 'ChangeRequest' AND f.entity_id = a.entity_id
                      AND f.action IN ('backup.restore_completed', 'backup.restore_failed'))
    ORDER BY a.seq`;
}

export async function runQueuedRestores(db: TDb, opts: { ownerUrl: string; chainId?: string; log?: (line: string) => void }): Promise<Array<{ changeRequest: string; ok: boolean; reason: string | null }>> {
  const chainId = opts.chainId ?? defaultChainId();
  const pending = await queuedRestores(db, chainId);
  if (pending.length === 0) return [];
  const done: Array<{ changeRequest: string; ok: boolean; reason: string | null }> = [];
  try {
    await withBackupLock(opts.ownerUrl, backupDir(), async () => {
      for (const { cr_id, plan } of pending) {
        // Re-checked under the lock: another worker may have carried it out meanwhile.
        const [again] = await db.$queryRaw<Array<{ n: bigint }>>`
          SELECT count(*) AS n FROM audit_events WHERE chain_id = ${chainId} AND entity_type = 'ChangeRequest' AND entity_id = ${cr_id}
            AND action IN ('backup.restore_completed', 'backup.restore_failed')`;
        if (again.n > 0n) continue;
        opts.log?.(`restoring ${plan.fileName} for ${plan.number}`);
        const out = await carryOut(plan);
        await db.$transaction(async (tx) => {
          await appendAudit(
            tx,
            [
              {
                actor: CHANGE_CONTROL,
                action: out.ok ? 'backup.restore_completed' : 'backup.restore_failed',
                entityType: 'ChangeRequest',
                entityId: cr_id,
                newValue: out.ok ? { changeRequest: plan.number, ...out.effect } : { changeRequest: plan.number, backupId: plan.backupId, manifestHash: plan.manifestHash },
                reason: out.ok ? `restored as approved in ${plan.number}` : out.reason,
                contextRef: `ChangeRequest:${cr_id}`,
              },
            ],
            { chainId },
          );
          if (!out.ok) {
            await raiseAlert(tx, {
              kind: 'backup_restore_failed',
              dedupKey: `backup_restore_failed:${cr_id}`,
              detail: { changeRequest: plan.number, backupId: plan.backupId, fileName: plan.fileName, reason: out.reason },
              entity: { type: 'ChangeRequest', id: cr_id },
              reason: `the approved restore ${plan.number} failed: ${out.reason}`,
            });
          }
        });
        opts.log?.(out.ok ? `restore of ${plan.number} completed` : `restore of ${plan.number} FAILED: ${out.reason}`);
        done.push({ changeRequest: plan.number, ok: out.ok, reason: out.ok ? null : out.reason });
      }
    });
  } catch (e) {
    if (isAppError(e) && e.code === 'CONFLICT') return done; // a backup, drill or restore is running: next check
    throw e;
  }
  return done;
}
