import { describe, expect, it } from 'vitest';
import { prettyLine } from '@/lib/log/logger';

describe('log lines on a terminal', () => {
  it('shows time, level, component, message and fields of a JSON record', () => {
    const line = prettyLine(JSON.stringify({ level: 50, time: Date.UTC(2026, 11, 3, 9, 30, 1, 250), pid: 1, service: 'custos', component: 'http', msg: 'unexpected error', requestId: 'abc', auditSeq: 42 }));
    expect(line).toBe('09:30:01.250 ERROR http: unexpected error  requestId=abc auditSeq=42\n');
  });
  it('passes through a line that is not JSON', () => {
    expect(prettyLine('plain')).toBe('plain');
  });
});
