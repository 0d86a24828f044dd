import { z } from 'zod';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { CR_KINDS, CR_KIND_CONFIG } from '@/lib/change-requests/kinds';
import { PERMISSIONS } from '@/lib/rbac/permissions';
import type { TDb } from '@/lib/db/client';
import type { Prisma } from '@/lib/generated/prisma/client';
import { AppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';

export const CR_QUEUES = ['waiting', 'mine', 'all'] as const;
export type TCrQueue = (typeof CR_QUEUES)[number];

const ZQuery = z.object({
  queue: z.enum(CR_QUEUES).default('waiting'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(5).max(100).default(25),
});

/**
 * Requests this person may decide now: submitted and not expired, not theirs, not about them
 * (a request about no user is about nobody), not yet decided by them, and needing only
 * permissions they hold.
 */
function waitingFor(user: TCurrentUser): Prisma.ChangeRequestWhereInput {
  const kinds = CR_KINDS.filter((k) => user.permissions.has(CR_KIND_CONFIG[k].permission));
  const lacking = PERMISSIONS.filter((p) => !user.permissions.has(p));
  return {
    status: 'submitted',
    kind: { in: user.permissions.has('change_requests.approve') ? kinds : [] },
    requesterId: { not: user.id },
    // `NOT target = me` alone would drop rows whose target is null (SQL three-valued logic).
    OR: [{ targetUserId: null }, { targetUserId: { not: user.id } }],
    NOT: [{ deciderIds: { has: user.id } }, ...(lacking.length ? [{ requiredPermissions: { hasSome: lacking } }] : [])],
    expiresAt: { gt: new Date() },
  };
}

function whereFor(user: TCurrentUser, queue: TCrQueue): Prisma.ChangeRequestWhereInput {
  if (queue === 'waiting') return waitingFor(user);
  if (queue === 'mine') return { requesterId: user.id };
  requirePermission(user, 'change_requests.read');
  return {};
}

export async function countQueues(db: TDb, user: TCurrentUser): Promise<{ waiting: number; mine: number }> {
  const [waiting, mine] = await Promise.all([
    db.changeRequest.count({ where: waitingFor(user) }),
    db.changeRequest.count({ where: { requesterId: user.id, status: 'submitted', expiresAt: { gt: new Date() } } }),
  ]);
  return { waiting, mine };
}

export async function listChangeRequests(db: TDb, user: TCurrentUser, raw: unknown) {
  const p = ZQuery.safeParse(raw);
  if (!p.success) {
    const i = p.error.issues[0];
    throw new AppError('BAD_REQUEST', `Invalid ${String(i.path[0])}: ${i.message}`);
  }
  const q = p.data;
  const where = whereFor(user, q.queue);
  const [total, rows] = await Promise.all([
    db.changeRequest.count({ where }),
    db.changeRequest.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      skip: (q.page - 1) * q.pageSize,
      take: q.pageSize,
      select: {
        id: true,
        number: true,
        kind: true,
        status: true,
        requesterName: true,
        targetLabel: true,
        requiredApprovals: true,
        approverIds: true,
        createdAt: true,
        expiresAt: true,
      },
    }),
  ]);
  return {
    total,
    page: q.page,
    pageSize: q.pageSize,
    queue: q.queue,
    items: rows.map((r) => ({
      id: r.id,
      number: r.number,
      kind: r.kind,
      kindLabel: CR_KIND_CONFIG[r.kind as keyof typeof CR_KIND_CONFIG]?.label ?? r.kind,
      status: r.status,
      requesterName: r.requesterName,
      targetLabel: r.targetLabel,
      approvals: `${r.approverIds.length} of ${r.requiredApprovals}`,
      createdAt: r.createdAt.toISOString(),
      expiresAt: r.expiresAt.toISOString(),
    })),
  };
}
