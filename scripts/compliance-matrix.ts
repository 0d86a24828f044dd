import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLAUSES } from '@/lib/compliance/clauses';
import { collectTests } from '@/lib/compliance/collect-tests';
import { buildMatrix, renderMatrix } from '@/lib/compliance/matrix';

// `npm run compliance:matrix` writes docs/compliance.md; `-- --check` (run by `npm test`) fails
// when the file is out of date or a clause has neither a test nor a reason.

const root = process.cwd();
const out = path.join(root, 'docs/compliance.md');
const m = buildMatrix(CLAUSES, collectTests(root), (f) => existsSync(path.join(root, f)));
const text = renderMatrix(m);
if (process.argv.includes('--check')) {
  const stale = !existsSync(out) || readFileSync(out, 'utf8') !== text;
  for (const p of m.problems) console.error(`compliance: ${p}`);
  if (stale) console.error('compliance: docs/compliance.md is out of date: run `npm run compliance:matrix`');
  if (!stale && m.problems.length === 0) console.log(`compliance: ${m.rows.length} clauses traced`);
  process.exit(stale || m.problems.length ? 1 : 0);
}
writeFileSync(out, text);
console.log(`wrote ${path.relative(root, out)}: ${m.rows.length} clauses${m.problems.length ? `, ${m.problems.length} problems` : ''}`);
for (const p of m.problems) console.error(`compliance: ${p}`);
process.exit(m.problems.length ? 1 : 0);
