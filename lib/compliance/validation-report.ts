import PDFDocument from 'pdfkit';
import { CLAUSES, type TClause } from '@/lib/compliance/clauses';
import { buildMatrix, covers, tagsOf, type TTestRef } from '@/lib/compliance/matrix';
import { registerFonts } from '@/lib/pdf/fonts';
import { utcText } from '@/lib/format/utc-text';

// The OQ evidence of one run of the suite (21 CFR 11.10(a), Annex 11 §4): what was tested, on
// which system, with which result — every failed or skipped test listed as a deviation — and
// the clause each test proves. Built from the suites' own result files (vitest JSON, Playwright
// JSON), so it reports what ran, not what should have.

export type TSuite = 'unit' | 'integration' | 'e2e';
export type TResultStatus = 'passed' | 'failed' | 'skipped';

export interface TTestResult {
  suite: TSuite;
  file: string;
  title: string;
  status: TResultStatus;
  durationMs: number;
  /** When the test (or its file) started, ISO. */
  startedAt: string;
  failure: string | null;
}

export interface TSystemId {
  gitRevision: string;
  gitDirty: boolean;
  custosVersion: string;
  lockfileSha256: string;
  node: string;
  postgres: string;
  mosquitto: string;
  chromium: string;
  /** Settings that change what the controls do (lockout, idle lock, signing, approvals…). */
  configuration: Record<string, string>;
}

export interface TValidationReport {
  format: 'custos-oq-report-v1';
  generatedAt: string;
  system: TSystemId;
  totals: Record<TSuite, { passed: number; failed: number; skipped: number }>;
  deviations: Array<Pick<TTestResult, 'suite' | 'file' | 'title' | 'status' | 'failure'>>;
  clauses: Array<{ clause: string; asks: string; status: 'tested' | 'procedural' | 'missing'; procedural: string | null; tests: Array<Pick<TTestResult, 'suite' | 'title' | 'status' | 'startedAt'>> }>;
  coverage: { clauses: number; tested: number; procedural: number; missing: number; matrixProblems: string[] };
  results: TTestResult[];
}

const relative = (root: string, file: string) => (file.startsWith(`${root}/`) ? file.slice(root.length + 1) : file);

interface TVitestJson {
  startTime: number;
  testResults: Array<{
    name: string;
    startTime: number;
    status: string;
    message?: string;
    assertionResults: Array<{ fullName: string; title: string; status: string; duration?: number | null; failureMessages?: string[] }>;
  }>;
}

/** vitest's JSON reporter (`--reporter=json`), one suite. A file that failed to load is one failed result. */
export function fromVitest(suite: TSuite, json: TVitestJson, root: string): TTestResult[] {
  return json.testResults.flatMap((f) => {
    const file = relative(root, f.name);
    const startedAt = new Date(f.startTime || json.startTime).toISOString();
    if (f.assertionResults.length === 0 && f.status === 'failed') {
      return [{ suite, file, title: '(file failed to load)', status: 'failed' as const, durationMs: 0, startedAt, failure: f.message ?? null }];
    }
    return f.assertionResults.map((a) => ({
      suite,
      file,
      title: a.title,
      status: a.status === 'passed' ? ('passed' as const) : a.status === 'failed' ? ('failed' as const) : ('skipped' as const),
      durationMs: Math.round(a.duration ?? 0),
      startedAt,
      failure: a.failureMessages?.length ? a.failureMessages.join('\n').slice(0, 2000) : null,
    }));
  });
}

interface TPwSuite {
  file?: string;
  specs?: Array<{ title: string; file: string; tests: Array<{ status: string; results: Array<{ status: string; duration: number; startTime: string; errors?: Array<{ message?: string }> }> }> }>;
  suites?: TPwSuite[];
}

/** Playwright's JSON reporter: the last retry of each test decides. */
export function fromPlaywright(json: { suites: TPwSuite[] }, root: string): TTestResult[] {
  const out: TTestResult[] = [];
  const walk = (s: TPwSuite) => {
    for (const spec of s.specs ?? []) {
      for (const t of spec.tests) {
        const last = t.results.at(-1);
        const status: TResultStatus = t.status === 'skipped' || !last ? 'skipped' : t.status === 'expected' || t.status === 'flaky' ? 'passed' : 'failed';
        out.push({
          suite: 'e2e',
          file: relative(root, spec.file.startsWith('/') ? spec.file : `e2e/${spec.file}`),
          title: spec.title,
          status,
          durationMs: last?.duration ?? 0,
          startedAt: last?.startTime ?? new Date(0).toISOString(),
          failure: status === 'failed' ? (last?.errors ?? []).map((e) => e.message ?? '').join('\n').slice(0, 2000) || 'failed' : null,
        });
      }
    }
    for (const c of s.suites ?? []) walk(c);
  };
  for (const s of json.suites) walk(s);
  return out;
}

export function buildReport(results: TTestResult[], system: TSystemId, opts: { now?: Date; clauses?: TClause[]; exists?: (f: string) => boolean } = {}): TValidationReport {
  const clauses = opts.clauses ?? CLAUSES;
  const totals = Object.fromEntries(
    (['unit', 'integration', 'e2e'] as const).map((s) => {
      const of = results.filter((r) => r.suite === s);
      return [s, { passed: of.filter((r) => r.status === 'passed').length, failed: of.filter((r) => r.status === 'failed').length, skipped: of.filter((r) => r.status === 'skipped').length }];
    }),
  ) as TValidationReport['totals'];
  const refs: TTestRef[] = results.map((r) => ({ file: r.file, title: r.title }));
  const matrix = buildMatrix(clauses, refs, opts.exists ?? (() => true));
  const rows = clauses.map((c) => {
    const tests = results.filter((r) => tagsOf(r.title).some((g) => covers(c.id, g)));
    // A clause whose only tests failed is not proved by this run.
    const status: 'tested' | 'procedural' | 'missing' = tests.some((t) => t.status === 'passed') ? 'tested' : c.procedural ? 'procedural' : 'missing';
    return { clause: c.id, asks: c.asks, status, procedural: c.procedural ?? null, tests: tests.map((t) => ({ suite: t.suite, title: t.title, status: t.status, startedAt: t.startedAt })) };
  });
  return {
    format: 'custos-oq-report-v1',
    generatedAt: (opts.now ?? new Date()).toISOString(),
    system,
    totals,
    deviations: results.filter((r) => r.status !== 'passed').map(({ suite, file, title, status, failure }) => ({ suite, file, title, status, failure })),
    clauses: rows,
    coverage: {
      clauses: rows.length,
      tested: rows.filter((r) => r.status === 'tested').length,
      procedural: rows.filter((r) => r.status === 'procedural').length,
      missing: rows.filter((r) => r.status === 'missing').length,
      matrixProblems: matrix.problems,
    },
    results,
  };
}

/** The human-readable twin of the JSON: identification, totals, deviations, clause table, signature lines. */
export function renderReportPdf(r: TValidationReport): PDFKit.PDFDocument {
  const doc = new PDFDocument({ size: 'A4', margins: { top: 48, bottom: 56, left: 48, right: 48 }, bufferPages: true, info: { Title: `Custos OQ evidence ${r.system.gitRevision.slice(0, 12)}` } });
  const f = registerFonts(doc);
  const width = doc.page.width - 96;
  const h = (t: string) => doc.moveDown(0.6).font(f.bold).fontSize(12).text(t).moveDown(0.2).font(f.regular).fontSize(9);
  doc.font(f.bold).fontSize(16).text('Custos — operational qualification evidence');
  doc.font(f.regular).fontSize(9).text(`Generated ${utcText(new Date(r.generatedAt))} UTC from the results of the automated test suite.`);

  h('System identification');
  const s = r.system;
  const idRows: Array<[string, string]> = [
    ['Git revision', `${s.gitRevision}${s.gitDirty ? ' (working tree has uncommitted changes)' : ''}`],
    ['Custos version', s.custosVersion],
    ['package-lock.json SHA-256', s.lockfileSha256],
    ['Node.js', s.node],
    ['PostgreSQL', s.postgres],
    ['Mosquitto', s.mosquitto],
    ['Chromium', s.chromium],
    ...Object.entries(s.configuration).map(([k, v]): [string, string] => [k, v]),
  ];
  for (const [k, v] of idRows) doc.font(f.bold).text(`${k}: `, { continued: true }).font(f.mono).text(v, { width });

  h('Results');
  doc.font(f.regular);
  for (const [suite, t] of Object.entries(r.totals)) doc.text(`${suite}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`);
  const c = r.coverage;
  doc.text(`Clauses: ${c.clauses} — ${c.tested} proved by passing tests, ${c.procedural} procedural or not applicable, ${c.missing} not proved by this run.`);

  h(`Deviations (${r.deviations.length})`);
  if (r.deviations.length === 0) doc.text('None: every test passed and none was skipped.');
  for (const d of r.deviations) {
    doc.font(f.bold).text(`${d.status.toUpperCase()} · ${d.suite} · ${d.file}`, { width });
    doc.font(f.regular).text(d.title, { width });
    if (d.failure) doc.font(f.mono).fontSize(7).text(d.failure.slice(0, 600), { width }).fontSize(9);
    doc.moveDown(0.3);
  }

  h('Clause → test → result → time');
  for (const row of r.clauses) {
    doc.font(f.bold).text(`${row.clause} — ${row.status}`, { width }).font(f.regular).text(row.asks, { width });
    if (row.procedural) doc.fontSize(8).text(row.procedural, { width }).fontSize(9);
    for (const t of row.tests) doc.fontSize(8).text(`  ${t.status === 'passed' ? '✓' : '✗'} ${utcText(new Date(t.startedAt))} · ${t.suite} · ${t.title}`, { width }).fontSize(9);
    doc.moveDown(0.3);
  }

  h('Signatures');
  for (const role of ['Executed by', 'Reviewed by (QA)', 'Approved by']) {
    doc.moveDown(1).text(`${role}: ______________________________   Date: ______________`);
  }
  doc.moveDown(0.5).fontSize(8).text('Import the report into Custos (`npm run validation-report -- --import …`) to sign it electronically as a document record.');

  const range = doc.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    // The footer sits in the bottom margin: writing there must not start a new page.
    doc.page.margins.bottom = 0;
    doc.font(f.regular).fontSize(7).text(`Custos OQ evidence · ${s.gitRevision.slice(0, 12)} · page ${i + 1} of ${range.count}`, 48, doc.page.height - 40, { width, align: 'center', lineBreak: false });
  }
  return doc;
}
