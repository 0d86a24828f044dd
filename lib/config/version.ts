import { readFileSync } from 'node:fs';
import path from 'node:path';

let cached: string | null = null;

/** The Custos version, from package.json (the one place it is stated); read once. */
export function custosVersion(): string {
  cached ??= (JSON.parse(readFileSync(path.resolve(process.cwd(), 'package.json'), 'utf8')) as { version: string }).version;
  return cached;
}
