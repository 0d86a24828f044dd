import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser } from '@/tests/helpers/users';

// 11.10(a): the OQ evidence of a run becomes a draft document record in Custos, with the PDF and
// JSON attached by SHA-256, for QA to review and sign like any record.

const exec = promisify(execFile);
let t: TTestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase('validation_import');
  dir = mkdtempSync(path.join(tmpdir(), 'custos-oq-'));
});
afterAll(async () => {
  await t?.drop();
});

describe('validation-report --import', () => {
  it('[11.10(a)] a fixture run with a failed test: the report lists the deviation, exits 1, and is imported as a draft document with both files attached', async () => {
    const results = path.join(dir, 'results');
    const out = path.join(dir, 'out');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(results);
    const vitest = (passed: boolean) => ({
      startTime: Date.now(),
      testResults: [{ name: path.resolve('tests/integration/x.test.ts'), startTime: Date.now(), status: passed ? 'passed' : 'failed', assertionResults: [{ fullName: 'x', title: passed ? '[11.10(e)] the chain verifies' : '[11.70] a tampered signature is flagged', status: passed ? 'passed' : 'failed', duration: 1, failureMessages: passed ? [] : ['boom'] }] }],
    });
    writeFileSync(path.join(results, 'vitest-unit.json'), JSON.stringify(vitest(true)));
    writeFileSync(path.join(results, 'vitest-integration.json'), JSON.stringify(vitest(false)));
    writeFileSync(path.join(results, 'e2e.json'), JSON.stringify({ suites: [] }));
    const op = await makeUser(t.db, { roles: ['Operator'] });
    writeFileSync(path.join(dir, 'pw'), op.password);
    const r = await exec('node_modules/.bin/tsx', ['scripts/validation-report.ts', '--from-last-run', '--results', results, '--out', out, '--import', '--as', op.employeeId, '--password-file', path.join(dir, 'pw')], {
      env: { ...process.env, DATABASE_URL: t.ownerUrl, APP_DATABASE_URL: t.appUrl, CUSTOS_SIGNING_KEY_FILE: t.keyFile },
    }).then(
      (x) => ({ code: 0, ...x }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/1 deviations/);
    expect(r.stdout).toMatch(/imported as DOC-\d{6} \(draft, PDF and JSON attached\)/);
    const files = readdirSync(out).sort();
    expect(files).toHaveLength(2);
    const report = JSON.parse(readFileSync(path.join(out, files.find((f) => f.endsWith('.json'))!), 'utf8'));
    expect(report.deviations).toEqual([expect.objectContaining({ status: 'failed', title: '[11.70] a tampered signature is flagged' })]);
    const c = await t.owner();
    const att = (await c.query('SELECT filename, content_type, sha256, bytes FROM record_attachments ORDER BY filename')).rows;
    const body = (await c.query("SELECT content_canonical FROM record_versions v JOIN records r ON r.id = v.record_id WHERE r.kind = 'document'")).rows[0].content_canonical;
    await c.end();
    expect(att.map((a) => a.content_type)).toEqual(['application/json', 'application/pdf']);
    for (const a of att) {
      const onDisk = readFileSync(path.join(out, a.filename));
      const sha = createHash('sha256').update(onDisk).digest('hex');
      expect(Buffer.from(a.sha256).toString('hex')).toBe(sha);
      expect(Buffer.from(a.bytes).equals(onDisk)).toBe(true);
      expect(body).toContain(sha);
    }
  });
});
