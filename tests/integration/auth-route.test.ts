import { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import { POST } from '@/app/api/auth/[...nextauth]/route';

const ctx = { params: Promise.resolve({ nextauth: ['callback', 'credentials'] }) };
const post = (body: BodyInit, headers: Record<string, string>) =>
  POST(new NextRequest('http://127.0.0.1:3000/api/auth/callback/credentials', { method: 'POST', body, headers }), ctx);

describe('sign-in route input', () => {
  it('[11.300] a 10 MB body is refused with 400 before anything is parsed or hashed', async () => {
    const big = new Uint8Array(10 * 1024 * 1024).fill(97);
    const r = await post(big, { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(big.length) });
    expect(r.status).toBe(400);
    expect((await r.json()).error.message).toMatch(/larger than 16384 bytes/);
  });

  it('[11.300] non-string JSON credential values are refused with 400 naming the field', async () => {
    const r = await post(JSON.stringify({ employeeId: ['A'], password: 'x' }), { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
    expect((await r.json()).error.message).toBe('Field employeeId must be a string');
    const bad = await post('{not json', { 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
  });

  it('[11.10(d)] a cross-site POST is refused', async () => {
    const r = await post('employeeId=a&password=b', { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', host: '127.0.0.1:3000' });
    expect(r.status).toBe(403);
  });
});
