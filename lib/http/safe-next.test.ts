import { describe, expect, it } from 'vitest';
import { safeNext } from '@/lib/http/safe-next';

describe('safeNext', () => {
  const bypasses = [
    '//evil.example',
    '/\\evil.example',
    '/\t/localhost:3601/pwned',
    '/\n/localhost:3601/pwned',
    '/\r\n/evil.example',
    decodeURIComponent('%2F%09%2Flocalhost%3A3601%2Fpwned'),
    decodeURIComponent('%2F%0A%2Flocalhost%3A3601%2Fpwned'),
    '\\/\\/evil.example',
    '\\\\evil.example',
    'https://evil.example',
    'https:evil.example',
    'javascript:alert(1)',
    '/.//evil.example',
    '/\\/evil.example',
    ' //evil.example',
    'evil.example',
    '',
    'x'.repeat(501),
  ];
  it.each(bypasses.map((b) => [JSON.stringify(b), b]))('[ASVS 5.1.5] [11.10(d)] %s goes to /', (_label, b) => {
    expect(safeNext(b)).toBe('/');
  });

  it('[ASVS 5.1.5] same-site paths are kept, normalized, without control characters', () => {
    expect(safeNext('/records?kind=batch#x')).toBe('/records?kind=batch#x');
    expect(safeNext('/audit/%2F%2Fevil')).toBe('/audit/%2F%2Fevil');
    expect(safeNext('/a/../b')).toBe('/b');
    const r = safeNext('/records\n?x=1');
    expect(r).not.toMatch(/[\x00-\x1f]/);
    expect(r.startsWith('/')).toBe(true);
    expect(safeNext(['/a'])).toBe('/');
  });
});
