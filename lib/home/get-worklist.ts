import 'server-only';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { countQueues, listChangeRequests } from '@/lib/change-requests/list-change-requests';
import { CR_KIND_CONFIG } from '@/lib/change-requests/kinds';
import type { TDb } from '@/lib/db/client';
import type { TSignatureMeaning } from '@/lib/esign/meanings';
import { signIneligibility } from '@/lib/esign/sign-eligibility';
import { alertLabel } from '@/lib/alerts/alert-kinds';
import { countOpenAlerts } from '@/lib/alerts/count-open-alerts';
import { KIND_CONFIG, isRecordKind, signPermissionFor } from '@/lib/records/kinds';
import { availableTransitions, type TRecordStatus } from '@/lib/records/lifecycle';
import { can } from '@/lib/rbac/require-permission';

// The home worklist: what waits for this person, each list scoped by the caller's permissions
// and by the same signing rules the record page applies (lib/esign/sign-eligibility.ts), so a
// record listed here is one whose page offers this person an enabled signing button.

export const WORKLIST_ROWS = 5;
/** Open records scanned for "awaiting my signature": the newest first. */
const SIGN_SCAN = 500;

export interface TWorkRow {
  href: string;
  /** The human reference: BR-000005, CR-000003, alert #12, a device id. */
  ref: string;
  text: string;
  /** An ISO instant shown in UTC. */
  at: string | null;
  note?: string;
}

export interface TWorkSection {
  key: 'sign' | 'approve' | 'mine' | 'alerts' | 'excursions' | 'comm_loss';
  title: string;
  href: string;
  count: number;
  /** True when `count` is a lower bound (the scan stopped). */
  more: boolean;
  rows: TWorkRow[];
  empty: string;
}

const OPEN_STATUSES: TRecordStatus[] = ['draft', 'in_review', 'reviewed'];

/** Records whose current version this person may sign now, with the meanings they may sign. */
async function awaitingSignature(db: TDb, user: TCurrentUser): Promise<{ count: number; more: boolean; rows: TWorkRow[] }> {
  const records = await db.record.findMany({
    where: { status: { in: OPEN_STATUSES } },
    orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }],
    take: SIGN_SCAN,
    select: { id: true, number: true, kind: true, title: true, status: true, currentVersion: true, updatedAt: true },
  });
  if (records.length === 0) return { count: 0, more: false, rows: [] };
  const versions = await db.recordVersion.findMany({
    where: { OR: records.map((r) => ({ recordId: r.id, version: r.currentVersion })) },
    select: { recordId: true, createdBy: true, signatures: { select: { signerId: true, meaning: true } } },
  });
  const byRecord = new Map(versions.map((v) => [v.recordId, v]));
  const rows: TWorkRow[] = [];
  for (const r of records) {
    const kind = r.kind;
    if (!isRecordKind(kind)) continue;
    const v = byRecord.get(r.id);
    if (!v) continue;
    const prior = v.signatures.map((s) => ({ signerId: s.signerId, meaning: s.meaning as TSignatureMeaning }));
    const meanings = availableTransitions(kind, r.status as TRecordStatus)
      // A draft waits for its own author's signature; anybody else's drafts are not their work.
      .filter((t) => t.meaning !== 'AUTHORSHIP' || v.createdBy === user.id)
      .filter((t) => signIneligibility(user, kind, t, { authorId: v.createdBy, prior }) === null)
      .map((t) => t.meaning);
    if (meanings.length === 0) continue;
    rows.push({
      href: `/records/${r.id}`,
      ref: r.number,
      text: r.title,
      at: r.updatedAt.toISOString(),
      note: `${KIND_CONFIG[kind].label} · ${[...new Set(meanings)].join(' or ')}`,
    });
  }
  return { count: rows.length, more: records.length === SIGN_SCAN, rows: rows.slice(0, WORKLIST_ROWS) };
}

export async function getWorklist(db: TDb, user: TCurrentUser): Promise<TWorkSection[]> {
  const sections: TWorkSection[] = [];

  if (can(user, 'records.read')) {
    const s = await awaitingSignature(db, user);
    sections.push({
      key: 'sign',
      title: 'Records awaiting my signature',
      href: '/records',
      ...s,
      empty: 'Records you may sign now — your drafts to submit, versions to review, approve or reject — appear here.',
    });
  }

  const queues = await countQueues(db, user);
  const waiting = await listChangeRequests(db, user, { queue: 'waiting', pageSize: WORKLIST_ROWS });
  sections.push({
    key: 'approve',
    title: 'Change requests waiting for my approval',
    href: '/change-requests?queue=waiting',
    count: queues.waiting,
    more: false,
    rows: waiting.items.map((c) => ({ href: `/change-requests/${c.id}`, ref: c.number, text: `${c.kindLabel}${c.targetLabel ? `: ${c.targetLabel}` : ''}`, at: c.createdAt, note: `by ${c.requesterName} · ${c.approvals} approvals` })),
    empty: 'Requests by other people that you may approve appear here.',
  });

  const mine = await db.changeRequest.findMany({
    where: { requesterId: user.id, status: 'submitted', expiresAt: { gt: new Date() } },
    orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    take: WORKLIST_ROWS,
    select: { id: true, number: true, kind: true, targetLabel: true, createdAt: true, approverIds: true, requiredApprovals: true },
  });
  sections.push({
    key: 'mine',
    title: 'My open requests',
    href: '/change-requests?queue=mine',
    count: queues.mine,
    more: false,
    rows: mine.map((c) => ({
      href: `/change-requests/${c.id}`,
      ref: c.number,
      text: `${CR_KIND_CONFIG[c.kind as keyof typeof CR_KIND_CONFIG]?.label ?? c.kind}${c.targetLabel ? `: ${c.targetLabel}` : ''}`,
      at: c.createdAt.toISOString(),
      note: `${c.approverIds.length} of ${c.requiredApprovals} approvals`,
    })),
    empty: 'Change requests you submitted appear here until they are decided or expire.',
  });

  if (can(user, 'security_alerts.read')) {
    const [count, alerts] = await Promise.all([
      countOpenAlerts(db, user),
      db.securityAlert.findMany({
        where: { acknowledgedAt: null },
        orderBy: { id: 'desc' },
        take: WORKLIST_ROWS,
        select: { id: true, kind: true, severity: true, lastSeenAt: true },
      }),
    ]);
    sections.push({
      key: 'alerts',
      title: 'Open security alerts',
      href: '/admin/security-alerts',
      count,
      more: false,
      rows: alerts.map((a) => ({ href: `/admin/security-alerts#alert-${a.id}`, ref: `#${a.id}`, text: alertLabel(a.kind), at: a.lastSeenAt.toISOString(), note: a.severity })),
      empty: 'Alerts not yet acknowledged — locked accounts, silent devices, failed backups — appear here.',
    });
  }

  const reviewPerm = signPermissionFor('excursion', 'REVIEW');
  if (can(user, 'records.read') && reviewPerm && can(user, reviewPerm)) {
    const where = { kind: 'excursion', status: 'in_review' };
    const [count, exc] = await Promise.all([
      db.record.count({ where }),
      db.record.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], take: WORKLIST_ROWS, select: { id: true, number: true, title: true, createdAt: true } }),
    ]);
    sections.push({
      key: 'excursions',
      title: 'Excursions awaiting review',
      href: '/records?kind=excursion&status=in_review',
      count,
      more: false,
      rows: exc.map((e) => ({ href: `/records/${e.id}`, ref: e.number, text: e.title, at: e.createdAt.toISOString() })),
      empty: 'Excursion records opened by telemetry appear here until QA reviews them.',
    });
  }

  if (can(user, 'devices.read')) {
    const where = { commLossSince: { not: null } };
    const [count, silent] = await Promise.all([
      db.deviceState.count({ where }),
      db.deviceState.findMany({ where, orderBy: [{ commLossSince: 'asc' }, { deviceId: 'asc' }], take: WORKLIST_ROWS, select: { deviceId: true, commLossSince: true, lastReadingAt: true } }),
    ]);
    sections.push({
      key: 'comm_loss',
      title: 'Devices in communication loss',
      href: '/admin/devices',
      count,
      more: false,
      rows: silent.map((d) => ({
        href: `/admin/devices/${encodeURIComponent(d.deviceId)}`,
        ref: d.deviceId,
        text: d.lastReadingAt ? 'silent since its last reading' : 'never heard from',
        at: d.commLossSince?.toISOString() ?? null,
      })),
      empty: 'Devices that stop sending readings appear here.',
    });
  }

  return sections;
}
