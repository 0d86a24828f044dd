import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { extractTitles, type TTestRef } from '@/lib/compliance/matrix';

const ROOTS = ['lib', 'components', 'scripts', 'tests', 'e2e'];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'generated' || e.name === 'node_modules' ? [] : files(p);
    return /\.(test\.ts|spec\.ts)$/.test(e.name) ? [p] : [];
  });
}

/** Every test title of the suite, with its file (relative to `root`). */
export function collectTests(root: string): TTestRef[] {
  return ROOTS.flatMap((r) => files(path.join(root, r)))
    .sort()
    .flatMap((f) => extractTitles(readFileSync(f, 'utf8')).map((title) => ({ file: path.relative(root, f), title })));
}
