import { describe, expect, it } from 'vitest';
import { UsageError, bigintFlag, parseFlags } from './args';

describe('CLI flag parsing', () => {
  it('refuses unknown flags and missing required ones as usage errors', () => {
    expect(() => parseFlags(['--nope'], {})).toThrow(UsageError);
    expect(() => parseFlags([], { name: { type: 'string' } }, ['name'])).toThrow('missing --name');
  });
  it('accepts --json on every command', () => {
    expect(parseFlags(['--json'], {}).json).toBe(true);
  });
  it('parses whole numbers and refuses anything else', () => {
    expect(bigintFlag('12', 'from')).toBe(12n);
    expect(() => bigintFlag('1e3', 'from')).toThrow(UsageError);
    expect(bigintFlag(undefined, 'from')).toBeUndefined();
  });
});
