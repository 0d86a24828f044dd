import { describe, expect, it } from 'vitest';
import { pathWithQuery } from '@/lib/http/path-with-query';
import { safeNext } from '@/lib/http/safe-next';

describe('pathWithQuery', () => {
  it('[11.300(d)] keeps the filters of a page for the way back through the unlock', () => {
    expect(pathWithQuery('/audit', { actor: 'E2E-1', action: 'auth.*' })).toBe('/audit?actor=E2E-1&action=auth.*');
    expect(pathWithQuery('/records', { status: ['draft', 'in_review'], q: 'a b&c' })).toBe('/records?status=draft&status=in_review&q=a+b%26c');
    expect(pathWithQuery('/telemetry', {})).toBe('/telemetry');
    expect(pathWithQuery('/audit', { actor: undefined })).toBe('/audit');
  });

  it('survives the round trip through next=… and the same-site check', () => {
    const back = pathWithQuery('/audit', { actor: 'E2E-1', action: 'record.edit' });
    const next = new URL(`http://x/unlock?next=${encodeURIComponent(back)}`).searchParams.get('next');
    expect(safeNext(next)).toBe(back);
    // A value that looks like another site stays a query value of this one.
    expect(safeNext(pathWithQuery('/audit', { q: '//evil.example' }))).toBe('/audit?q=%2F%2Fevil.example');
  });
});
