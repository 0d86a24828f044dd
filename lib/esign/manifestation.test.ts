import { describe, expect, it } from 'vitest';
import { formatLocal, formatUtc, manifestationText, parseRecordContextRef, recordContextRef } from '@/lib/esign/manifestation';

const at = new Date('2026-11-21T22:13:05.987Z');

describe('signature manifestation', () => {
  it('[11.50] names the signer, the UTC date and time to the second, and the meaning', () => {
    expect(manifestationText({ printedName: 'Ada Quinn', employeeId: 'QA-7', meaning: 'APPROVAL', signedAt: at })).toBe(
      'Ada Quinn (QA-7) — APPROVAL — 2026-11-21 22:13:05 UTC',
    );
    expect(formatUtc(at)).toBe('2026-11-21 22:13:05 UTC');
  });

  it('renders the same instant in the viewer’s time zone', () => {
    expect(formatLocal(at, 'Europe/Berlin')).toBe('2026-11-21 23:13:05 CET');
    expect(formatLocal(at, 'UTC')).toBe('2026-11-21 22:13:05 UTC');
  });

  it('[11.70] context_ref names record, version and transition, and parses back', () => {
    const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const ref = recordContextRef(id, 3, 'approve');
    expect(ref).toBe(`Record:${id}/v3/transition:approve`);
    expect(parseRecordContextRef(ref)).toEqual({ recordId: id, version: 3, transition: 'approve' });
    expect(parseRecordContextRef('Record:x/v1/transition:approve')).toBeNull();
    expect(parseRecordContextRef(`${ref}/extra`)).toBeNull();
  });
});
