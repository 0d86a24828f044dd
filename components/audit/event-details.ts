import type { TAuditRow } from '@/lib/audit/query-audit';

// What the detail drawer derives from an audit row: the signature it records (if it is one)
// and where its subjects live in the app.

/** Audit actions that are electronic signatures (21 CFR 11.50: show name, time and meaning). */
export const SIGNATURE_ACTIONS = ['record.sign', 'change_request.approve', 'change_request.reject'] as const;

export interface TSignatureManifestation {
  printedName: string;
  employeeId: string | null;
  meaning: string;
  signedAt: string;
}

export function signatureOf(row: Pick<TAuditRow, 'action' | 'newValue' | 'occurredAt'>): TSignatureManifestation | null {
  if (!(SIGNATURE_ACTIONS as readonly string[]).includes(row.action)) return null;
  const v = row.newValue;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const { printedName, employeeId, meaning } = v as Record<string, unknown>;
  if (typeof printedName !== 'string' || typeof meaning !== 'string') return null;
  return { printedName, employeeId: typeof employeeId === 'string' ? employeeId : null, meaning, signedAt: row.occurredAt };
}

export interface TEventLink {
  label: string;
  href: string;
}

const ENTITY_PAGES: Record<string, { label: string; path: string }> = {
  Record: { label: 'Open the record', path: '/records/' },
  ChangeRequest: { label: 'Open the change request', path: '/change-requests/' },
  User: { label: 'Open the user', path: '/admin/users/' },
  Device: { label: 'Open the device', path: '/admin/devices/' },
};

/** Links to the event's entity, what its context ref names, its device, and to related trail views. */
export function eventLinks(row: Pick<TAuditRow, 'actorType' | 'actorId' | 'entityType' | 'entityId' | 'contextRef'>): TEventLink[] {
  const out: TEventLink[] = [];
  const add = (label: string, href: string) => {
    if (!out.some((l) => l.href === href)) out.push({ label, href });
  };
  const page = ENTITY_PAGES[row.entityType];
  if (page && row.entityId) add(page.label, `${page.path}${encodeURIComponent(row.entityId)}`);
  // "Record:<id>/v2/transition:review", "ChangeRequest:<id>/decision:approve"
  const ref = row.contextRef ? /^(Record|ChangeRequest|Device):([^/]+)/.exec(row.contextRef) : null;
  if (ref) add(ENTITY_PAGES[ref[1]].label, `${ENTITY_PAGES[ref[1]].path}${encodeURIComponent(ref[2])}`);
  if (row.actorType === 'device') add('Open the device', `/admin/devices/${encodeURIComponent(row.actorId)}`);
  add('All events by this actor', `/audit?${new URLSearchParams({ actor: row.actorId })}`);
  if (row.entityId) add('All events of this entity', `/audit?${new URLSearchParams({ entityType: row.entityType, entityId: row.entityId })}`);
  return out;
}

/** "2026-11-21 22:13:05.123456 UTC": the stored precision, in UTC. */
export function utcText(iso: string): string {
  return `${iso.replace('T', ' ').replace(/Z$/, '')} UTC`;
}

/** An entity as people know it: `BR-000005` for `Record:<uuid>`, else `Type:id` as recorded. */
export function entityText(entityType: string, entityId: string | null, refs: Record<string, string>): string {
  if (!entityId) return entityType;
  return refs[`${entityType}:${entityId.toLowerCase()}`] ?? `${entityType}:${entityId}`;
}

/** A context ref with its leading entity by its human reference: `BR-000005/v2/transition:review`. */
export function contextRefText(contextRef: string | null, refs: Record<string, string>): string | null {
  if (!contextRef) return null;
  const m = /^(Record|ChangeRequest|User):([0-9a-f-]{36})(.*)$/is.exec(contextRef);
  const ref = m ? refs[`${m[1]}:${m[2].toLowerCase()}`] : undefined;
  return m && ref ? `${ref}${m[3]}` : contextRef;
}
