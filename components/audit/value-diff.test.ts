import { describe, expect, it } from 'vitest';
import { changedRows, diffValues, displayValue, flattenObject } from '@/components/audit/value-diff';

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

  it('[11.10(e)] shows a record edit field by field: the content\'s fields, not one JSON blob', () => {
    const d = diffValues(
      { version: 1, status: 'draft', content: { title: 'Batch 42', batchNumber: 'B-1', quantity: 10 } },
      { version: 2, status: 'draft', content: { title: 'Batch 42', batchNumber: 'B-2', quantity: 10, notes: 'late entry' } },
    );
    if (d.kind !== 'fields') throw new Error('expected fields');
    expect(changedRows(d.rows)).toEqual([
      { field: 'version', before: '1', after: '2', change: 'changed' },
      { field: 'content.batchNumber', before: 'B-1', after: 'B-2', change: 'changed' },
      { field: 'content.notes', before: null, after: 'late entry', change: 'added' },
    ]);
    expect(d.rows.find((r) => r.field === 'content.title')).toMatchObject({ change: 'unchanged' });
  });

  it('flattens nested objects to dotted fields, keeping arrays and empty objects whole', () => {
    expect(flattenObject({ a: { b: { c: 1 } }, l: [1, { x: 2 }], e: {} })).toEqual({ 'a.b.c': 1, l: [1, { x: 2 }], e: {} });
    expect(flattenObject({ a: { b: { c: { d: 1 } } } }, 1)).toEqual({ 'a.b': { c: { d: 1 } } });
  });

  it('shows a nested value as compact JSON and a field set to null as null, not as absent', () => {
    expect(displayValue({ a: [1] })).toBe('{"a":[1]}');
    expect(diffValues({ x: [1] }, { x: [2] })).toEqual({ kind: 'fields', rows: [{ field: 'x', before: '[1]', after: '[2]', change: 'changed' }] });
    expect(diffValues({ x: null }, { x: 1 })).toEqual({ kind: 'fields', rows: [{ field: 'x', before: 'null', after: '1', change: 'changed' }] });
  });
});
