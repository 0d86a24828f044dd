import type { TSqlClient } from '@/lib/db/pg-pipeline';
import type { TAuditActor, TAuditEventInput } from '@/lib/audit/events';
import { canonicalContent } from '@/lib/records/content-hash';
import { initialStatus } from '@/lib/records/lifecycle';

/** The reason every system update of an excursion record carries (21 CFR 11.10(e)). */
export function excursionEndReason(endedAt: Date): string {
  return `Excursion ended ${endedAt.toISOString().slice(0, 19).replace('T', ' ')} UTC: end time, duration, peak and number of readings recorded by the system`;
}

/**
 * When an excursion ends, its record tells the truth: a new version (the one that was opened
 * stays as it was) with the end time, the duration, the final peak and the readings outside the
 * limits, with a system reason, and its `record.edit` audit event pushed onto `events` so it
 * commits in the batch's transaction. The record goes (back) to review: signatures bind to the
 * version they signed, and this version has none. A retired record is left alone.
 */
export async function updateExcursionRecord(
  client: TSqlClient,
  opts: { recordId: string; endedAt: Date; startedAt: Date; peak: number | null; readings: number },
  actor: TAuditActor,
  events: TAuditEventInput[],
): Promise<{ version: number } | null> {
  const { rows } = await client.query<{ status: string; current_version: number; content_canonical: string; content_hash: Buffer }>(
    `SELECT r.status, r.current_version, v.content_canonical, v.content_hash
       FROM records r JOIN record_versions v ON v.record_id = r.id AND v.version = r.current_version
      WHERE r.id = $1::uuid AND r.kind = 'excursion' FOR UPDATE OF r`,
    [opts.recordId],
  );
  const r = rows[0];
  if (!r || r.status === 'retired') return null;
  const prev = JSON.parse(r.content_canonical) as Record<string, unknown>;
  const content: Record<string, unknown> = {
    ...prev,
    endedAt: opts.endedAt.toISOString(),
    durationS: Math.max(0, Math.round((opts.endedAt.getTime() - opts.startedAt.getTime()) / 1000)),
    peak: opts.peak ?? prev.peak,
    readings: opts.readings,
  };
  const { canonical, hash } = canonicalContent(content);
  const version = r.current_version + 1;
  const status = initialStatus('excursion');
  const reason = excursionEndReason(opts.endedAt);
  await client.query(
    `INSERT INTO record_versions (record_id, version, content_canonical, content_hash, reason, created_by, created_by_name)
     VALUES ($1::uuid, $2, $3, $4, $5, $6, $7)`,
    [opts.recordId, version, canonical, hash, reason, actor.id, actor.name ?? actor.id],
  );
  await client.query(
    `UPDATE records SET current_version = $2, status = $3, updated_at = now(), row_version = row_version + 1 WHERE id = $1::uuid`,
    [opts.recordId, version, status],
  );
  events.push({
    actor,
    action: 'record.edit',
    entityType: 'Record',
    entityId: opts.recordId,
    oldValue: { version: r.current_version, status: r.status, contentHash: Buffer.from(r.content_hash).toString('hex'), content: prev },
    newValue: { version, status, contentHash: hash.toString('hex'), content },
    reason,
    contextRef: `Record:${opts.recordId}/v${version}`,
  });
  return { version };
}
