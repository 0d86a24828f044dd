import { describe, expect, it } from 'vitest';
import { parseAuditFilter } from '@/lib/audit/audit-filter';
import { checkMethod, checkServerActionBody } from '@/lib/http/request-guard';

describe('bad input is a 400 (or 405), never a 500', () => {
  it('[11.10(a)] [ASVS 13.2.1] TRACE, TRACK and CONNECT are 405; the served methods pass', () => {
    for (const m of ['TRACE', 'TRACK', 'CONNECT', 'PROPFIND']) expect(checkMethod(m)).toMatchObject({ ok: false, status: 405 });
    for (const m of ['GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS']) expect(checkMethod(m)).toEqual({ ok: true });
  });

  it('[11.10(a)] a malformed server-action body is a 400', () => {
    expect(checkServerActionBody('text/plain;charset=UTF-8', '{not json')).toMatchObject({ ok: false, status: 400 });
    expect(checkServerActionBody('multipart/form-data; boundary=abc', 'garbage')).toMatchObject({ ok: false, status: 400 });
    expect(checkServerActionBody('multipart/form-data', '--x')).toMatchObject({ ok: false, status: 400 });
    expect(checkServerActionBody('application/octet-stream', '\u0000')).toMatchObject({ ok: false, status: 400 });
    expect(checkServerActionBody('text/plain;charset=UTF-8', '["$K1"]')).toEqual({ ok: true });
    expect(checkServerActionBody('multipart/form-data; boundary=----abc', '------abc\r\nContent-Disposition: form-data; name="1_code"\r\n\r\n1\r\n------abc--')).toEqual({ ok: true });
  });

  it('[11.10(e)] a NUL byte in an audit filter is a 400 naming the field, not a database error', () => {
    expect(parseAuditFilter(new URLSearchParams({ action: 'auth.sign_in\u0000' }))).toEqual({ ok: false, field: 'action', message: 'action must not contain control characters' });
    expect(parseAuditFilter(new URLSearchParams({ actor: 'A\u0000' }))).toMatchObject({ ok: false, field: 'actor' });
  });
});
