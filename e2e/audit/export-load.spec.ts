import { createHash } from 'node:crypto';
import { expect, test } from '../fixtures';

test('[11.10(b)] [11.10(e)] 8 parallel export loops over HTTP: every 200 has its start and a completion with the file SHA-256', async ({
  page,
  e2eDb,
  makeUser,
  signIn,
}) => {
  test.setTimeout(300_000);
  const auditor = await makeUser({ roles: ['Auditor'] });
  await signIn(page, auditor);
  const LOOPS = 8;
  const PER_LOOP = 11;
  const t0 = Date.now();
  const files = (
    await Promise.all(
      Array.from({ length: LOOPS }, async () => {
        const out: Array<{ status: number; sha256: string }> = [];
        for (let i = 0; i < PER_LOOP; i++) {
          const r = await page.request.get('/api/audit/export?format=csv');
          out.push({ status: r.status(), sha256: createHash('sha256').update(await r.body()).digest('hex') });
        }
        return out;
      }),
    )
  ).flat();
  const ok = files.filter((f) => f.status === 200);
  // Completions are appended right after the last byte; give the last ones a moment.
  let completed: Array<{ sha: string }> = [];
  for (let i = 0; i < 50; i++) {
    completed = (
      await e2eDb.pool.query<{ sha: string }>(
        "SELECT new_value->>'sha256' AS sha FROM audit_events WHERE action = 'audit.export' AND actor_id = $1 AND new_value->>'status' = 'completed'",
        [auditor.employeeId],
      )
    ).rows;
    if (completed.length >= ok.length) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const started = (await e2eDb.pool.query("SELECT 1 FROM audit_events WHERE action = 'audit.export_started' AND actor_id = $1", [auditor.employeeId])).rows;
  console.log(`HTTP exports under ${LOOPS} parallel loops: ${ok.length} × 200 of ${files.length}, ${started.length} started, ${completed.length} completed, ${Date.now() - t0} ms`);
  expect(ok).toHaveLength(LOOPS * PER_LOOP);
  expect(started).toHaveLength(ok.length);
  const shas = new Set(completed.map((c) => c.sha));
  for (const f of ok) expect(shas.has(f.sha256)).toBe(true);
});
