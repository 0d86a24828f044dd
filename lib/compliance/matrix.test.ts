import { describe, expect, it } from 'vitest';
import type { TClause } from '@/lib/compliance/clauses';
import { CLAUSES } from '@/lib/compliance/clauses';
import { buildMatrix, covers, extractTitles, renderMatrix, tagsOf } from '@/lib/compliance/matrix';

const FIXTURE: TClause[] = [
  { id: '11.10(e)', asks: 'audit trail', code: ['lib/audit/chain.ts'] },
  { id: '11.10(j)', asks: 'policies', code: [], procedural: 'Procedural: a policy.' },
  { id: '11.10(i)', asks: 'training', code: [] },
  { id: 'Annex 11 §7.2', asks: 'backups', code: ['lib/missing.ts'] },
];

describe('the traceability matrix (lib/compliance/matrix.ts)', () => {
  it('[11.10(a)] [Annex 11 §4] the check fails on a clause with neither a test nor a reason, on a missing file and on a title naming no known clause', () => {
    const tests = [
      { file: 'a.test.ts', title: '[11.10(e)] the chain verifies' },
      { file: 'b.test.ts', title: '[Annex 11 §7.2] a drill restores' },
      { file: 'c.test.ts', title: '[11.10(z)] a typo' },
    ];
    const m = buildMatrix(FIXTURE, tests, (f) => f !== 'lib/missing.ts');
    expect(m.rows.map((r) => [r.clause.id, r.status, r.tests.length])).toEqual([
      ['11.10(e)', 'tested', 1],
      ['11.10(j)', 'procedural', 0],
      ['11.10(i)', 'missing', 0],
      ['Annex 11 §7.2', 'tested', 1],
    ]);
    expect(m.problems).toEqual([
      '11.10(i): no test names it and no reason says why it is procedural',
      'Annex 11 §7.2: lib/missing.ts does not exist',
      'c.test.ts: "[11.10(z)] a typo" names 11.10(z), which is not in lib/compliance/clauses.ts',
    ]);
    expect(renderMatrix(m)).toContain('| 11.10(i) | training | — | — | **MISSING** |');
  });

  it('[11.10(a)] titles and their clause tags are read as the suite writes them', () => {
    const src = "it('[11.10(d)(g)] [4-eyes] as admin', f);\ntest(`[Annex 11 §7.2] [11.10(c)] backup ${'x'}`, f);\nit(\"[11.200(a)(1)(i)] continuous\", f); it('no tag', f);";
    const titles = extractTitles(src);
    expect(titles).toHaveLength(4);
    expect(titles.map(tagsOf)).toEqual([['11.10(d)', '11.10(g)'], ['Annex 11 §7.2', '11.10(c)'], ['11.200(a)(1)(i)'], []]);
    expect(covers('11.200(a)(1)', '11.200(a)(1)(i)')).toBe(true);
    expect(covers('11.50(a)', '11.50')).toBe(true);
    expect(covers('Annex 11 §12', 'Annex 11 §12.1')).toBe(true);
    expect(covers('11.10(e)', '11.10(g)')).toBe(false);
    expect(covers('11.10', '11.100(a)')).toBe(false);
  });

  it('[11.10(a)] every clause of REGULATIONS is in the table once', () => {
    const ids = CLAUSES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ['11.10(a)', '11.10(k)', '11.30', '11.100(b)', '11.200(a)(3)', '11.300(e)', 'Annex 11 Principle', 'Annex 11 §17']) expect(ids).toContain(id);
    expect(ids.filter((i) => i.startsWith('Annex 11'))).toHaveLength(20);
  });
});
