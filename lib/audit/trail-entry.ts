/**
 * One event of an entity's trail as people see it, read from its canonical text — what the
 * chain proves — never from the display columns beside it (a column altered by the database's
 * owner is reported by verification and never shown as if it were verified).
 */
export interface TTrailEntry {
  seq: string;
  occurredAt: Date;
  actorId: string;
  actorName: string | null;
  action: string;
  reason: string | null;
  contextRef: string | null;
}

export function trailEntry(seq: bigint, canonical: string): TTrailEntry {
  const c = JSON.parse(canonical) as { occurred_at: string; actor_id: string; actor_name: string | null; action: string; reason: string | null; context_ref: string | null };
  return { seq: seq.toString(), occurredAt: new Date(c.occurred_at), actorId: c.actor_id, actorName: c.actor_name, action: c.action, reason: c.reason, contextRef: c.context_ref };
}
