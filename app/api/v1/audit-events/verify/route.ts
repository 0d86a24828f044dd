import { json, withApi } from '@/lib/api/handler';
import { verifyAuditV1 } from '@/lib/api/v1/audit-verify';
import { getDb } from '@/lib/db/client';
import { readJsonObject } from '@/lib/http/json-body';
import { requirePermission } from '@/lib/rbac/require-permission';

export const dynamic = 'force-dynamic';

/**
 * Verifies the audit chain as the viewer's "Verify" does (audit.verify) and answers the report.
 * A POST: it records `audit.verify` and costs a full read of the chain, so a browser session
 * may call it from our own pages only, as the viewer's POST /api/audit/verify.
 */
export async function POST(req: Request): Promise<Response> {
  return withApi(req, { write: true }, async (user) => {
    // Authority before the body is read.
    requirePermission(user, 'audit.verify');
    return json(await verifyAuditV1(getDb(), user, await readJsonObject(req, 4 * 1024)));
  });
}
