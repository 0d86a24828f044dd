import { userActor } from '@/lib/auth/actor';
import { requireUser } from '@/lib/auth/require-user';
import { createBackup } from '@/lib/backup/create-backup';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';
import { toErrorResponse } from '@/lib/http/error-response';
import { assertSameOrigin } from '@/lib/http/same-origin';
import { requirePermission } from '@/lib/rbac/require-permission';

export const dynamic = 'force-dynamic';

/**
 * POST /api/backups: "Back up now". Streams NDJSON progress lines {"progress":{phase,bytes}} and
 * then {"result":{…manifest}}. The backup is written to CUSTOS_BACKUP_DIR only; no route ever
 * hands a backup file to a browser.
 */
export async function POST(req: Request) {
  try {
    assertSameOrigin(req);
    const user = await requireUser();
    requirePermission(user, 'backups.manage');
    const enc = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        const send = (o: unknown) => controller.enqueue(enc.encode(`${JSON.stringify(o)}\n`));
        let last = 0;
        try {
          const r = await createBackup(getDb(), {
            actor: userActor(user, user.sessionId),
            onProgress: (p) => {
              if (p.phase !== 'dump' || p.bytes - last >= 1 << 20) {
                last = p.bytes;
                send({ progress: p });
              }
            },
          });
          send({ result: { id: r.id, fileName: r.fileName, size: r.size, manifestHash: r.manifestHash, manifest: r.manifest, auditSeq: r.auditSeq } });
        } catch (e) {
          if (isAppError(e)) send({ error: e.message });
          else {
            console.error('backup failed', e);
            send({ error: 'The backup failed; see the server log' });
          }
        } finally {
          controller.close();
        }
      },
    });
    return new Response(stream, { headers: { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' } });
  } catch (e) {
    return toErrorResponse(e);
  }
}
