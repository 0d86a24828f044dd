import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildReport, fromPlaywright, fromVitest, renderReportPdf, type TSystemId } from '@/lib/compliance/validation-report';

const ROOT = '/repo';
const SYSTEM: TSystemId = {
  gitRevision: '0123456789abcdef0123456789abcdef01234567',
  gitDirty: false,
  custosVersion: '0.1.0',
  lockfileSha256: 'ab'.repeat(32),
  node: 'v20.20.2',
  postgres: 'PostgreSQL 15.19',
  mosquitto: 'mosquitto version 2.0.11',
  chromium: 'Chromium 156.0',
  configuration: { 'lockout threshold': '3' },
};

const vitest = {
  startTime: Date.parse('2026-12-03T10:00:00Z'),
  testResults: [
    {
      name: '/repo/tests/integration/chain.test.ts',
      startTime: Date.parse('2026-12-03T10:00:01Z'),
      status: 'failed',
      assertionResults: [
        { fullName: 'chain verifies', title: '[11.10(e)] the chain verifies', status: 'passed', duration: 12.4, failureMessages: [] },
        { fullName: 'chain tamper', title: '[11.70] a tampered signature is flagged', status: 'failed', duration: 3, failureMessages: ['AssertionError: expected valid to be invalid'] },
        { fullName: 'later', title: '[11.10(b)] a skipped copy test', status: 'skipped', duration: null, failureMessages: [] },
      ],
    },
  ],
};
const playwright = {
  suites: [
    {
      file: 'records/sign.spec.ts',
      specs: [{ title: '[11.50] three manifestations', file: 'records/sign.spec.ts', tests: [{ status: 'expected', results: [{ status: 'passed', duration: 900, startTime: '2026-12-03T10:05:00.000Z' }] }] }],
    },
  ],
};

function pdfText(doc: PDFKit.PDFDocument): Promise<string> {
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => {
    doc.on('end', () => {
      const r = spawnSync('pdftotext', ['-layout', '-', '-'], { input: Buffer.concat(chunks), encoding: 'utf8' });
      resolve(r.stdout.replace(/\s+/g, ' '));
    });
    doc.end();
  });
}

describe('the OQ evidence report (lib/compliance/validation-report.ts)', () => {
  it('[11.10(a)] [Annex 11 §4] a failed and a skipped test are listed as deviations; a clause whose only test failed is not proved', () => {
    const results = [...fromVitest('integration', vitest, ROOT), ...fromPlaywright(playwright, ROOT)];
    expect(results.map((r) => [r.suite, r.file, r.status])).toEqual([
      ['integration', 'tests/integration/chain.test.ts', 'passed'],
      ['integration', 'tests/integration/chain.test.ts', 'failed'],
      ['integration', 'tests/integration/chain.test.ts', 'skipped'],
      ['e2e', 'e2e/records/sign.spec.ts', 'passed'],
    ]);
    const r = buildReport(results, SYSTEM, { now: new Date('2026-12-03T11:00:00Z') });
    expect(r.totals).toEqual({ unit: { passed: 0, failed: 0, skipped: 0 }, integration: { passed: 1, failed: 1, skipped: 1 }, e2e: { passed: 1, failed: 0, skipped: 0 } });
    expect(r.deviations.map((d) => [d.status, d.title, d.failure])).toEqual([
      ['failed', '[11.70] a tampered signature is flagged', 'AssertionError: expected valid to be invalid'],
      ['skipped', '[11.10(b)] a skipped copy test', null],
    ]);
    const row = (id: string) => r.clauses.find((c) => c.clause === id)!;
    expect(row('11.10(e)').status).toBe('tested');
    expect(row('11.70').status).toBe('missing');
    expect(row('11.50(a)').tests.map((t) => t.startedAt)).toEqual(['2026-12-03T10:05:00.000Z']);
    expect(row('11.200(b)').status).toBe('procedural');
  });

  it('[11.10(a)] the PDF names the revision, the lockfile hash and each deviation, and has signature lines', async () => {
    const r = buildReport([...fromVitest('integration', vitest, ROOT)], SYSTEM);
    const text = await pdfText(renderReportPdf(r));
    expect(text).toContain(SYSTEM.gitRevision);
    expect(text).toContain(SYSTEM.lockfileSha256);
    expect(text).toContain('Deviations (2)');
    expect(text).toContain('[11.70] a tampered signature is flagged');
    expect(text).toContain('Reviewed by (QA)');
    expect(text).toMatch(/page 1 of (\d+)/);
    const pages = Number(/page 1 of (\d+)/.exec(text)![1]);
    expect(text).not.toContain(`page ${pages + 1} of`);
  });
});
