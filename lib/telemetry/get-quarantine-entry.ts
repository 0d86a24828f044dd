import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { defaultChainId } from '@/lib/audit/chain-id';
import { trailEntry } from '@/lib/audit/trail-entry';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';
import type { TQuarantineListDbRow } from '@/lib/telemetry/list-quarantine';
import { safePreview } from '@/lib/telemetry/safe-preview';

const PREVIEW_BYTES = 4096;

/**
 * One sealed quarantine entry: its metadata, whether its bytes still hash to the SHA-256 sealed
 * with it, an escaped preview of at most 4 KiB (never the raw bytes), the decision, and the
 * audit events of the entry.
 */
export async function getQuarantineEntry(db: TDb, user: TCurrentUser, id: string) {
  requirePermission(user, 'quarantine.read');
  if (!/^\d{1,18}$/.test(id)) throw new AppError('NOT_FOUND', 'Unknown quarantine entry');
  const rows = await db.$queryRaw<
    Array<
      // The listed columns (with a longer head: PREVIEW_BYTES), and the decision.
      TQuarantineListDbRow & {
        decided_by: string | null;
        decided_at: Date | null;
        decision_reason: string | null;
        telemetry_id: string | null;
        intact: boolean;
        source_address: string | null;
        junk_window: Date | null;
        junk_audit_seq: bigint | null;
      }
    >
  >`SELECT q.id::text, q.received_at, q.source, q.topic, q.device_hint, q.reason, q.detail, q.status, q.decided_by, q.decided_at, q.decision_reason, q.telemetry_id::text,
           octet_length(q.raw) AS size, encode(q.raw_sha256, 'hex') AS sha256, sha256(q.raw) = q.raw_sha256 AS intact,
           substring(q.raw FROM 1 FOR ${PREVIEW_BYTES}::int) AS head, q.source_address, q.junk_window, a.audit_seq AS junk_audit_seq
      FROM quarantine q LEFT JOIN quarantine_junk_audits a ON a.id = q.junk_audit_id WHERE q.id = ${BigInt(id)}`;
  const r = rows[0];
  if (!r) throw new AppError('NOT_FOUND', 'Unknown quarantine entry');
  // Its own events, and for unauthenticated junk the one event of its address and minute.
  const audit = await db.auditEvent.findMany({
    where: { chainId: defaultChainId(), OR: [{ entityType: 'Quarantine', entityId: id }, ...(r.junk_audit_seq !== null ? [{ seq: r.junk_audit_seq }] : [])] },
    orderBy: { seq: 'asc' },
    take: 200,
    select: { seq: true, canonical: true },
  });
  const preview = safePreview(r.head, PREVIEW_BYTES, r.size);
  return {
    id: r.id,
    receivedAt: r.received_at,
    source: r.source,
    topic: r.topic,
    deviceHint: r.device_hint,
    reason: r.reason,
    detail: r.detail,
    status: r.status,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    decisionReason: r.decision_reason,
    telemetryId: r.telemetry_id,
    size: r.size,
    sha256: r.sha256,
    intact: r.intact,
    preview: preview.text,
    previewTruncated: preview.truncated,
    sourceAddress: r.source_address,
    /** Unauthenticated junk: the minute whose one event audits it, and whether that event is written yet. */
    junk: r.junk_window ? { window: r.junk_window, audited: r.junk_audit_seq !== null } : null,
    audit: audit.map((a) => trailEntry(a.seq, a.canonical)),
  };
}
