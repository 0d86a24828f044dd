import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChunksBounded, readNodeBodyBounded, type TBoundedBody } from '@/lib/http/read-body';

// Both readers of a bounded body, over a real Node HTTP request: what is kept, counted and hashed.
let server: http.Server;
let url = '';
const seen: TBoundedBody[] = [];
let readerName: 'node' | 'chunks' = 'node';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const limit = Number(req.headers['x-limit']);
    const cap = Number(req.headers['x-cap']);
    const read = readerName === 'node' ? readNodeBodyBounded(req, limit, cap) : readChunksBounded(req, limit, cap);
    void read.then((b) => {
      seen.push(b);
      if (!res.destroyed) res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

async function post(body: Buffer, limit: number, cap: number): Promise<TBoundedBody> {
  seen.length = 0;
  await fetch(url, { method: 'POST', body: new Uint8Array(body), headers: { 'x-limit': String(limit), 'x-cap': String(cap) } }).catch(() => null);
  for (let i = 0; i < 200 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  return seen[0];
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(['node', 'chunks'] as const)('a bounded request body (%s reader)', (name) => {
  beforeAll(() => {
    readerName = name;
  });

  it('[11.10(e)] a body within the limit is kept whole, with its length and SHA-256', async () => {
    const body = Buffer.from('{"seq": 1, "canonical": "x", "sig": "00", "ts": 1.0}');
    const b = await post(body, 1024, 1 << 20);
    expect(b.bytes.equals(body)).toBe(true);
    expect({ length: b.length, sha256: b.sha256.toString('hex'), oversized: b.oversized, complete: b.complete }).toEqual({ length: body.length, sha256: sha(body), oversized: false, complete: true });
  });

  it('[11.10(e)] a body over the limit keeps its first bytes, and counts and hashes all of it', async () => {
    const body = Buffer.alloc(300 * 1024, 97);
    body[body.length - 1] = 98;
    const b = await post(body, 1000, 1 << 24);
    expect(b.bytes.equals(body.subarray(0, 1000))).toBe(true);
    expect({ length: b.length, sha256: b.sha256.toString('hex'), oversized: b.oversized, complete: b.complete }).toEqual({ length: body.length, sha256: sha(body), oversized: true, complete: true });
  });

  it('[11.10(e)] reading stops at the hard cap: the length is then a lower bound', async () => {
    const body = Buffer.alloc(2 * 1024 * 1024, 99);
    const b = await post(body, 1000, 64 * 1024);
    expect(b.complete).toBe(false);
    expect(b.oversized).toBe(true);
    expect(b.length).toBeGreaterThanOrEqual(64 * 1024);
    expect(b.length).toBeLessThan(body.length);
    expect(b.bytes.equals(body.subarray(0, 1000))).toBe(true);
  });
});
