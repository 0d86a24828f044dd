import { describe, expect, it } from 'vitest';
import { createCsvRowCounter, createLineSplitter, filenameFromDisposition, formatBytes } from '@/components/audit/stream-progress';

const enc = (s: string) => new TextEncoder().encode(s);

describe('CSV row counter', () => {
  it('counts data rows, not the header block, the blank line or the column line', () => {
    const c = createCsvRowCounter();
    c.push(enc('# Custos audit trail export\r\nexported_by,Ann (E1)\r\nrows,2\r\n\r\nseq,occurred_at_utc\r\n'));
    expect(c.rows).toBe(0);
    c.push(enc('41,2026-01-01T00:00:00.000000Z\r\n42,2026-01-01T00:00:01.000000Z\r\n'));
    expect(c.rows).toBe(2);
  });

  it('does not count a line break inside a quoted reason, and counts a row split across chunks once', () => {
    const c = createCsvRowCounter();
    c.push(enc('seq,reason\r\n7,"first line\r\n2 second'));
    c.push(enc(' line"\r\n8'));
    c.push(enc(',x\r\n'));
    expect(c.rows).toBe(2);
  });
});

describe('NDJSON line splitter', () => {
  it('returns complete lines only and keeps the unfinished rest for the next piece', () => {
    const s = createLineSplitter();
    expect(s.push('{"progress":{"verified":1}}\n{"resu')).toEqual(['{"progress":{"verified":1}}']);
    expect(s.push('lt":{}}\n')).toEqual(['{"result":{}}']);
    expect(s.push('{"error":"x"}')).toEqual([]);
    expect(s.end()).toEqual(['{"error":"x"}']);
  });
});

describe('content-disposition file name', () => {
  it('reads the quoted name, the RFC 5987 name, and falls back when there is none', () => {
    expect(filenameFromDisposition('attachment; filename="custos-audit-main-2026.csv"', 'x')).toBe('custos-audit-main-2026.csv');
    expect(filenameFromDisposition("attachment; filename*=UTF-8''audit%20trail.pdf", 'x')).toBe('audit trail.pdf');
    expect(filenameFromDisposition(null, 'audit.csv')).toBe('audit.csv');
  });

  it('never returns a path', () => {
    expect(filenameFromDisposition('attachment; filename="../../etc/passwd"', 'x')).toBe('.._.._etc_passwd');
  });
});

describe('byte sizes', () => {
  it('reads as B, KB or MB', () => {
    expect(formatBytes(900)).toBe('900 B');
    expect(formatBytes(2048)).toBe('2.0 KB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MB');
  });
});
