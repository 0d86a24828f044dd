import { describe, expect, it } from 'vitest';
import { diffValues, displayValue } from '@/components/audit/value-diff';

describe('audit value diff', () => {
  it('lists object fields one by one, marking what was added, removed and changed', () => {
    const d = diffValues({ status: 'draft', title: 'SOP 12', owner: 'EMP-1' }, { status: 'in_review', title: 'SOP 12', version: 2 });
    expect(d).toEqual({
      kind: 'fields',
      rows: [
        { field: 'status', before: 'draft', after: 'in_review', change: 'changed' },
        { field: 'title', before: 'SOP 12', after: 'SOP 12', change: 'unchanged' },
        { field: 'owner', before: 'EMP-1', after: null, change: 'removed' },
        { field: 'version', before: null, after: '2', change: 'added' },
      ],
    });
  });

  it('treats a missing side as an empty object, so a creation shows every field as added', () => {
    const d = diffValues(null, { employeeId: 'EMP-7', roles: ['Operator'] });
    expect(d).toEqual({
      kind: 'fields',
      rows: [
        { field: 'employeeId', before: null, after: 'EMP-7', change: 'added' },
        { field: 'roles', before: null, after: '["Operator"]', change: 'added' },
      ],
    });
  });

  it('falls back to pretty JSON when a side is not an object', () => {
    expect(diffValues([1, 2], 'x')).toEqual({ kind: 'json', before: '[\n  1,\n  2\n]', after: '"x"' });
    expect(diffValues(undefined, 42)).toEqual({ kind: 'json', before: null, after: '42' });
  });

  it('says there is nothing to show when both sides are absent', () => {
    expect(diffValues(null, undefined)).toEqual({ kind: 'none' });
  });

  it('shows a nested value as compact JSON and a field set to null as null, not as absent', () => {
    expect(displayValue({ a: [1] })).toBe('{"a":[1]}');
    expect(diffValues({ x: null }, { x: 1 })).toEqual({ kind: 'fields', rows: [{ field: 'x', before: 'null', after: '1', change: 'changed' }] });
  });
});
