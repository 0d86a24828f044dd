import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { defaultChainId } from '@/lib/audit/chain-id';
import { trailEntry } from '@/lib/audit/trail-entry';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';
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
    Array<{
      id: string;
      received_at: Date;
      source: string;
      topic: string | null;
      device_hint: string | null;
      reason: string;
      detail: string | null;
      status: string;
      decided_by: string | null;
      decided_at: Date | null;
      decision_reason: string | null;
      telemetry_id: string | null;
      size: number;
      sha256: string;
      intact: boolean;
      head: Uint8Array;
    }>
  >`SELECT id::text, received_at, source, topic, device_hint, reason, detail, status, decided_by, decided_at, decision_reason, telemetry_id::text,
           octet_length(raw) AS size, encode(raw_sha256, 'hex') AS sha256, sha256(raw) = raw_sha256 AS intact,
           substring(raw FROM 1 FOR ${PREVIEW_BYTES}::int) AS head
      FROM quarantine WHERE id = ${BigInt(id)}`;
  const r = rows[0];
  if (!r) throw new AppError('NOT_FOUND', 'Unknown quarantine entry');
  const audit = await db.auditEvent.findMany({
    where: { chainId: defaultChainId(), entityType: 'Quarantine', entityId: id },
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
    audit: audit.map((a) => trailEntry(a.seq, a.canonical)),
  };
}
