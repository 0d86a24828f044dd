import type { TCrContext } from '@/lib/change-requests/rules';
import { CR_KIND_CONFIG, type TCrKind } from '@/lib/change-requests/kinds';

export interface TCrRowForMachine {
  kind: string;
  requesterId: string;
  targetUserId: string | null;
  payloadHash: Uint8Array;
  requiredApprovals: number;
  /** Stored at submission (authority.ts); empty on requests older than that column. */
  requiredPermissions?: string[];
  approverIds: string[];
  deciderIds: string[];
  expiresAt: Date;
  failureReason: string | null;
}

/** The machine context is exactly these columns (nothing is held in memory between requests). */
export function contextOf(row: TCrRowForMachine): TCrContext {
  return {
    kind: row.kind,
    requesterId: row.requesterId,
    targetUserId: row.targetUserId,
    payloadHash: Buffer.from(row.payloadHash).toString('hex'),
    requiredApprovals: row.requiredApprovals,
    approverIds: row.approverIds,
    deciderIds: row.deciderIds,
    expiresAt: row.expiresAt.toISOString(),
    requiredPermissions: [
      'change_requests.approve',
      ...(row.requiredPermissions?.length ? row.requiredPermissions : [CR_KIND_CONFIG[row.kind as TCrKind]?.permission ?? 'roles.manage']),
    ],
    failureReason: row.failureReason,
  };
}

export const CR_SELECT = {
  id: true,
  number: true,
  kind: true,
  status: true,
  requesterId: true,
  targetUserId: true,
  targetRoleId: true,
  payload: true,
  payloadHash: true,
  payloadCanonical: true,
  beforeHash: true,
  requiredApprovals: true,
  requiredPermissions: true,
  approverIds: true,
  deciderIds: true,
  expiresAt: true,
  failureReason: true,
  version: true,
} as const;
