import { createHash, randomUUID } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import type pg from 'pg';
import { appendAudit } from '@/lib/audit/append-audit';
import { filterToQuery, type TAuditFilter } from '@/lib/audit/audit-filter';
import { defaultChainId } from '@/lib/audit/chain-id';
import { createCheckpoint } from '@/lib/audit/create-checkpoint';
import { recordExportCompletion } from '@/lib/audit/export/export-completion';
import { exportRows, prepareExport, type TExportHeader } from '@/lib/audit/export/export-source';
import { BUNDLE_ROW_COLUMNS, BundleWriter, bundleCheckpoints } from '@/lib/audit/export/write-bundle';
import { CSV_ROW_COLUMNS, csvHeaderLine, csvRows, exportMetadata } from '@/lib/audit/export/write-csv';
import { loadOrCreateServerKey } from '@/lib/audit/server-key';
import { userActor } from '@/lib/auth/actor';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { logger } from '@/lib/log/logger';

const TX = { maxWait: 60_000, timeout: 60_000 };

export const EXPORT_FORMATS = ['csv', 'pdf', 'bundle'] as const;
export type TExportFormat = (typeof EXPORT_FORMATS)[number];

const CONTENT_TYPE: Record<TExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  pdf: 'application/pdf',
  bundle: 'application/json; charset=utf-8',
};
const EXT: Record<TExportFormat, string> = { csv: 'csv', pdf: 'pdf', bundle: 'json' };

export interface TAuditExport {
  exportId: string;
  header: TExportHeader;
  filename: string;
  contentType: string;
  stream: Readable;
}

/** Counts and hashes what actually leaves the server; records the export when the stream ends or is cancelled. */
class HashTap extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer | string, _e: BufferEncoding, done: TransformCallback) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.hash.update(b);
    this.bytes += b.length;
    done(null, b);
  }
}

/**
 * An export needs audit.read and audit.export; a refusal is audited whichever is missing
 * (before any input is parsed: the route passes what was asked for, as text).
 */
export async function refuseAuditExportUnlessPermitted(
  db: TDb,
  user: TCurrentUser,
  asked: { chainId?: string; format: string; filter: unknown },
): Promise<void> {
  const missing = (['audit.read', 'audit.export'] as const).filter((p) => !user.permissions.has(p));
  if (!missing.length) return;
  const chainId = asked.chainId ?? defaultChainId();
  const reason = `missing permission ${missing.join(' and ')}`;
  await db.$transaction(
    (tx) =>
      appendAudit(
        tx,
        [{ actor: userActor(user, user.sessionId), action: 'audit.export_refused', entityType: 'AuditChain', entityId: chainId, reason, newValue: { format: asked.format.slice(0, 16), filter: asked.filter } }],
        { chainId },
      ),
    TX,
  );
  throw new AppError('FORBIDDEN', `You do not have the permission ${missing.join(' and ')}`);
}

/**
 * Streams an export of the filtered audit trail (constant memory: rows are read in keyset
 * batches and written as they come). 21 CFR 11.10(b): every export is itself audited —
 * `audit.export_started` (who, format, filter) before the first byte, then `audit.export` with
 * the row count and the SHA-256 of the file when it completes (or marked cancelled with the
 * rows sent so far), kept durably and retried until it is in the chain.
 */
export async function startAuditExport(
  db: TDb,
  client: pg.PoolClient,
  user: TCurrentUser,
  opts: { format: TExportFormat; filter: TAuditFilter; chainId?: string },
): Promise<TAuditExport> {
  const chainId = opts.chainId ?? defaultChainId();
  const actor = userActor(user, user.sessionId);
  await refuseAuditExportUnlessPermitted(db, user, { chainId, format: opts.format, filter: filterToQuery(opts.filter) });
  const key = loadOrCreateServerKey().key;
  // A checkpoint signed now covers every exported event.
  await createCheckpoint(db, { chainId, key });
  const filter = filterToQuery(opts.filter) as TAuditFilter;
  const header = await prepareExport(client, { chainId, filter, exportedBy: `${user.displayName} (${user.employeeId})` });
  // Before the first byte leaves: who, which filter, which format.
  const exportId = randomUUID();
  await db.$transaction(
    (tx) =>
      appendAudit(tx, [{ actor, action: 'audit.export_started', entityType: 'AuditChain', entityId: chainId, newValue: { exportId, format: opts.format, filter, rows: header.rows } }], { chainId }),
    TX,
  );

  const abort = new AbortController();
  let rowsSent = 0;
  const source = async function* (): AsyncGenerator<string> {
    if (opts.format === 'csv') {
      yield csvHeaderLine();
      for await (const rows of exportRows(client, { chainId, filter, columns: CSV_ROW_COLUMNS, signal: abort.signal })) {
        rowsSent += rows.length;
        yield csvRows(rows);
      }
    } else {
      const w = new BundleWriter(header, key, bundleCheckpoints(header));
      yield w.start();
      for await (const rows of exportRows(client, { chainId, filter, columns: BUNDLE_ROW_COLUMNS, signal: abort.signal })) {
        rowsSent += rows.length;
        yield w.rows(rows);
      }
      yield w.end();
    }
  };

  const tap = new HashTap();
  if (opts.format === 'pdf') {
    // Loaded on first use: pdfkit and its fonts are ~15 MB of memory that CSV and bundle
    // exports (and the rest of the server) never need.
    const { AuditPdfWriter, PDF_ROW_COLUMNS } = await import('@/lib/audit/export/write-pdf');
    const pdf = new AuditPdfWriter(header);
    pdf.doc.pipe(tap);
    void (async () => {
      try {
        for await (const rows of exportRows(client, { chainId, filter, columns: PDF_ROW_COLUMNS, signal: abort.signal })) {
          rowsSent += rows.length;
          pdf.addRows(rows);
          // Back-pressure: let the reader drain what pdfkit has produced before adding more.
          while (pdf.doc.readableLength > 4 * 1024 * 1024 && !abort.signal.aborted) await new Promise((r) => setTimeout(r, 5));
          if (abort.signal.aborted) return;
        }
        pdf.finish();
      } catch (e) {
        tap.destroy(e as Error);
      }
    })();
  } else {
    const rows = Readable.from(source(), { objectMode: false });
    // A failed read (the database, or the connection closed under a cancelled export) ends the
    // download with that error; unhandled, it would take the process down.
    rows.on('error', (e) => tap.destroy(e));
    rows.pipe(tap);
  }

  let recorded = false;
  const record = async (status: 'completed' | 'cancelled') => {
    if (recorded) return;
    recorded = true;
    abort.abort();
    // A cancelled export may have left its COPY midway: that connection is closed, not reused.
    client.release(status === 'cancelled' ? new Error('audit export cancelled') : undefined);
    const event = {
      actor,
      action: 'audit.export',
      entityType: 'AuditChain',
      entityId: chainId,
      newValue: {
        exportId,
        format: opts.format,
        status,
        filter,
        rows: status === 'completed' ? header.rows : rowsSent,
        seqRange: header.firstSeq ? [header.firstSeq, header.lastSeq] : null,
        bytes: tap.bytes,
        sha256: status === 'completed' ? tap.hash.digest('hex') : null,
        verification: header.verification.summary,
        // The CSV is a plain table; what a header block used to carry is kept here.
        ...exportMetadata(header),
      },
    };
    // Kept durably first; appended now, or by the worker's retry if the chain is busy.
    await recordExportCompletion(db, exportId, chainId, event).catch((e) => logger('audit').error({ err: e, exportId }, 'audit export completion not kept'));
  };
  tap.on('end', () => void record('completed'));
  tap.on('close', () => void record(tap.readableEnded ? 'completed' : 'cancelled'));

  const stamp = header.exportedAt.slice(0, 19).replace(/[:T]/g, '-');
  return { exportId, header, filename: `custos-audit-${chainId}-${stamp}.${EXT[opts.format]}`, contentType: CONTENT_TYPE[opts.format], stream: tap };
}
