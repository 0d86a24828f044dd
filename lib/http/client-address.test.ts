import { describe, expect, it } from 'vitest';
import { cleanUserAgent, clientAddress, trustedProxies } from '@/lib/http/client-address';

describe('client address', () => {
  it('[11.10(e)] [ASVS 7.1.3] with no trusted proxy only the nearest hop counts; a forged first entry is ignored', () => {
    expect(clientAddress('203.0.113.5, 127.0.0.1', new Set())).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', new Set())).toBe('127.0.0.1');
    expect(clientAddress('::ffff:10.1.2.3', new Set())).toBe('10.1.2.3');
  });

  it('[11.10(e)] X-Forwarded-For is followed only through addresses in CUSTOS_TRUSTED_PROXIES', () => {
    const trusted = trustedProxies({ CUSTOS_TRUSTED_PROXIES: '10.0.0.1, 10.0.0.2' });
    expect(clientAddress('198.51.100.20, 10.0.0.2, 10.0.0.1', trusted)).toBe('198.51.100.20');
    expect(clientAddress('1.1.1.1, 198.51.100.20, 10.0.0.1', trusted)).toBe('198.51.100.20');
  });

  it('[11.10(e)] a value that is not an IP address (e.g. <script>) is never stored', () => {
    expect(clientAddress('<script>', new Set())).toBeNull();
    expect(clientAddress('<script>, 10.0.0.1', new Set(['10.0.0.1']))).toBeNull();
    expect(clientAddress('', new Set())).toBeNull();
    expect(cleanUserAgent('Mozilla\u0000\n<b>')).toBe('Mozilla<b>');
    expect(cleanUserAgent('x'.repeat(400))).toHaveLength(300);
  });
});

describe('socket address on the chain', () => {
  it('[11.10(e)] a client-sent X-Forwarded-For cannot hide the peer that connected', async () => {
    const { appendSocketAddress } = await import('@/lib/http/node-server-guard');
    const req = { headers: { 'x-forwarded-for': '<script>, 203.0.113.9' } as Record<string, string | string[] | undefined>, socket: { remoteAddress: '192.0.2.44' } };
    appendSocketAddress(req as never);
    expect(req.headers['x-forwarded-for']).toBe('<script>, 203.0.113.9, 192.0.2.44');
    expect(clientAddress(req.headers['x-forwarded-for'] as string, new Set())).toBe('192.0.2.44');
    expect(clientAddress(req.headers['x-forwarded-for'] as string, new Set(['192.0.2.44']))).toBe('203.0.113.9');
  });
});
