// Micro-benchmark of the seed 000 hot path on one core: strict parse, Python canonical form,
// full verification (parse + zod + canonical + SHA-256 + HMAC). Run: npx tsx scripts/gen-vectors/bench-parse.ts
// The ingestion target is 10,000 HMAC messages/s overall on 2 cores; this prints one core's share.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pythonCanonicalJson } from '@/lib/ingest/python-canonical';
import { parseStrictJson } from '@/lib/ingest/strict-json';
import { verifyHmacPayload } from '@/lib/ingest/verify-hmac-payload';

type TVectors = { keyring: Record<string, Record<string, string>>; cases: { name: string; published_b64: string }[] };

const vectors = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../tests/vectors/seed000-vectors.json'), 'utf8'),
) as TVectors;
const raw = Buffer.from(vectors.cases.find((c) => c.name === 'typical')!.published_b64, 'base64');
const key = Buffer.from(vectors.keyring['EDGE-TH-0042']['1'], 'hex');
const excluded = new Set(['schema_hash', 'signature_manifest']);

function measure(label: string, fn: () => unknown, seconds = 2): void {
  for (let i = 0; i < 20_000; i++) fn(); // warm up the JIT
  let n = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(seconds * 1e9);
  let now = start;
  while (now < until) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
    now = process.hrtime.bigint();
  }
  const perSecond = (n * 1e9) / Number(now - start);
  console.log(`${label.padEnd(58)} ${Math.round(perSecond).toLocaleString('en-US').padStart(10)} /s  (${(1e6 / perSecond).toFixed(1)} µs each)`);
}

const result = verifyHmacPayload({ raw, lookupKey: () => key });
if (!result.ok) throw new Error(`benchmark payload does not verify: ${result.reason}`);

console.log(`seed 000 payload: ${raw.length} bytes, node ${process.version}, one core`);
measure('JSON.parse (baseline, lossy)', () => JSON.parse(raw.toString('utf8')));
measure('parseStrictJson', () => parseStrictJson(raw));
measure('parseStrictJson + pythonCanonicalJson', () => pythonCanonicalJson(parseStrictJson(raw), { excludeTopLevelKeys: excluded }));
measure('verifyHmacPayload (parse, zod, canonical, SHA-256, HMAC)', () => verifyHmacPayload({ raw, lookupKey: () => key }));
