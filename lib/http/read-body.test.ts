import { createHash } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readChunksBounded, readNodeBodyBounded, type TBoundedBody } from '@/lib/http/read-body';

// Both readers of a bounded body, over a real Node HTTP request: what is kept, counted and hashed.
let server: http.Server;
let url = '';
const seen: Array<TBoundedBody | Error> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const limit = Number(req.headers['x-limit']);
    const cap = Number(req.headers['x-cap']);
    const read = req.headers['x-reader'] === 'node' ? readNodeBodyBounded(req, limit, cap) : readChunksBounded(req, limit, cap);
    void read.then(
      (b) => {
        seen.push(b);
        if (!res.destroyed) res.end('ok');
      },
      (e: Error) => seen.push(e),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

async function settled(): Promise<TBoundedBody | Error> {
  for (let i = 0; i < 200 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  return seen[0];
}

async function post(reader: string, body: Buffer, limit: number, cap: number): Promise<TBoundedBody> {
  seen.length = 0;
  await fetch(url, { method: 'POST', body: new Uint8Array(body), headers: { 'x-reader': reader, 'x-limit': String(limit), 'x-cap': String(cap) } }).catch(() => null);
  const b = await settled();
  if (b instanceof Error) throw b;
  return b;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(['node', 'chunks'] as const)('a bounded request body (%s reader)', (reader) => {
  it('[11.10(e)] a body within the limit is kept whole, with its length and SHA-256', async () => {
    const body = Buffer.from('{"seq": 1, "canonical": "x", "sig": "00", "ts": 1.0}');
    const b = await post(reader, body, 1024, 1 << 20);
    expect(b.bytes.equals(body)).toBe(true);
    expect({ length: b.length, sha256: b.sha256.toString('hex'), oversized: b.oversized, complete: b.complete }).toEqual({ length: body.length, sha256: sha(body), oversized: false, complete: true });
  });

  it('[11.10(e)] a body over the limit keeps its first bytes, and counts and hashes all of it', async () => {
    const body = Buffer.alloc(300 * 1024, 97);
    body[body.length - 1] = 98;
    const b = await post(reader, body, 1000, 1 << 24);
    expect(b.bytes.equals(body.subarray(0, 1000))).toBe(true);
    expect({ length: b.length, sha256: b.sha256.toString('hex'), oversized: b.oversized, complete: b.complete }).toEqual({ length: body.length, sha256: sha(body), oversized: true, complete: true });
  });

  it('[11.10(e)] reading stops at the hard cap: the length is then a lower bound', async () => {
    const body = Buffer.alloc(2 * 1024 * 1024, 99);
    const b = await post(reader, body, 1000, 64 * 1024);
    expect(b.complete).toBe(false);
    expect(b.oversized).toBe(true);
    expect(b.length).toBeGreaterThanOrEqual(64 * 1024);
    expect(b.length).toBeLessThan(body.length);
    expect(b.bytes.equals(body.subarray(0, 1000))).toBe(true);
  });

  it('[11.10(e)] a request that closes before its body ended fails the read instead of leaving it waiting', async () => {
    seen.length = 0;
    const { port } = server.address() as AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nx-reader: ${reader}\r\nx-limit: 100\r\nx-cap: 100000\r\n\r\n0123456789`);
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    expect(await settled()).toBeInstanceOf(Error);
  });
});
