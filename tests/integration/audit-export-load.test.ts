import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '@/lib/audit/append-audit';
import { retryExportCompletions, unfinishedExports } from '@/lib/audit/export/export-completion';
import { startAuditExport } from '@/lib/audit/export/run-export';
import { getPgPool } from '@/lib/db/pg-pool';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

let t: TTestDatabase;
let auditor: Awaited<ReturnType<typeof sessionUser>>;
beforeAll(async () => {
  t = await createTestDatabase('export_load');
  auditor = await sessionUser(t.db, await makeUser(t.db, { roles: ['Auditor'] }));
  await t.db.$transaction((tx) =>
    appendAudit(tx, Array.from({ length: 300 }, (_, i) => ({ actor: { type: 'system' as const, id: 'system:test', name: 'Test' }, action: 'load.test', entityType: 'Test', entityId: String(i) }))),
  );
});
afterAll(async () => {
  await getPgPool().end();
  await new Promise((r) => setTimeout(r, 300));
  await t?.drop();
});

const sql = (q: string, params: unknown[] = []) => t.sql(q, params);

async function oneExport(user = auditor) {
  const client = await getPgPool().connect();
  const exp = await startAuditExport(t.db, client, user, { format: 'csv', filter: { action: 'load.test' } });
  // The start is in the trail before the first byte is read.
  const started = await sql("SELECT 1 FROM audit_events WHERE action = 'audit.export_started' AND new_value->>'exportId' = $1", [exp.exportId]);
  const chunks: Buffer[] = [];
  for await (const c of exp.stream) chunks.push(Buffer.from(c));
  return { exportId: exp.exportId, startedBeforeFirstByte: started.length === 1, sha256: createHash('sha256').update(Buffer.concat(chunks)).digest('hex') };
}

describe('every export audited under load and failure', () => {
  it('[11.10(b)] [11.10(e)] under 8 parallel export loops every delivered file has its start and a completion with its SHA-256', async () => {
    const LOOPS = 8;
    const PER_LOOP = 11;
    const t0 = Date.now();
    const done = (
      await Promise.all(
        Array.from({ length: LOOPS }, async () => {
          const out = [];
          for (let i = 0; i < PER_LOOP; i++) out.push(await oneExport());
          return out;
        }),
      )
    ).flat();
    await new Promise((r) => setTimeout(r, 500));
    await retryExportCompletions(t.db);
    const started = await sql("SELECT new_value->>'exportId' AS id FROM audit_events WHERE action = 'audit.export_started'");
    const completed = await sql("SELECT new_value->>'exportId' AS id, new_value->>'sha256' AS sha, new_value->>'status' AS status FROM audit_events WHERE action = 'audit.export'");
    const byId = new Map(completed.map((r) => [r.id, r]));
    console.log(`exports under ${LOOPS} parallel loops: ${done.length} delivered, ${started.length} started events, ${completed.length} completed events, ${Date.now() - t0} ms`);
    expect(done).toHaveLength(LOOPS * PER_LOOP);
    expect(done.every((d) => d.startedBeforeFirstByte)).toBe(true);
    expect(started).toHaveLength(done.length);
    for (const d of done) expect(byId.get(d.exportId)).toEqual({ id: d.exportId, sha: d.sha256, status: 'completed' });
    expect(await unfinishedExports(t.db)).toEqual([]);
  });

  it('[11.10(e)] a completion that could not be appended is kept, shown as unfinished, and appended by the retry', async () => {
    const exportId = '00000000-0000-4000-8000-000000000001';
    const actor = { type: 'user' as const, id: auditor.employeeId, name: auditor.displayName };
    await t.db.$transaction((tx) => appendAudit(tx, [{ actor, action: 'audit.export_started', entityType: 'AuditChain', entityId: 'main', newValue: { exportId, format: 'csv' } }]));
    // As left by a process that stopped after keeping the completion.
    await sql("INSERT INTO audit_export_completions (export_id, chain_id, event) VALUES ($1, 'main', $2)", [
      exportId,
      JSON.stringify({ actor, action: 'audit.export', entityType: 'AuditChain', entityId: 'main', newValue: { exportId, status: 'completed', sha256: 'ab'.repeat(32) } }),
    ]);
    expect((await unfinishedExports(t.db)).map((u) => u.exportId)).toEqual([exportId]);
    expect(await retryExportCompletions(t.db)).toBe(1);
    expect(await retryExportCompletions(t.db)).toBe(0);
    expect(await unfinishedExports(t.db)).toEqual([]);
  });

  it('[11.10(b)] [11.10(d)] a refused export is audited whichever permission is missing (audit.read too)', async () => {
    const noRead = { ...auditor, permissions: new Set([...auditor.permissions].filter((p) => p !== 'audit.read')) } as typeof auditor;
    const client = await getPgPool().connect();
    await expect(startAuditExport(t.db, client, noRead, { format: 'csv', filter: {} })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    client.release();
    const ev = await sql("SELECT reason FROM audit_events WHERE action = 'audit.export_refused'");
    expect(ev).toEqual([{ reason: 'missing permission audit.read' }]);
  });
});
