// How an audit event's old → new values are shown: field by field when both sides are objects
// (or one side is absent), pretty JSON otherwise. Pure, so the drawer stays a view.

export type TFieldChange = 'added' | 'removed' | 'changed' | 'unchanged';

export interface TFieldDiff {
  field: string;
  before: string | null;
  after: string | null;
  change: TFieldChange;
}

export type TValueDiff =
  | { kind: 'none' }
  | { kind: 'fields'; rows: TFieldDiff[] }
  | { kind: 'json'; before: string | null; after: string | null };

const absent = (v: unknown) => v === null || v === undefined;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as one line: strings as they are, anything else as compact JSON. */
export function displayValue(v: unknown): string | null {
  if (v === undefined) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * Nested plain objects as dotted fields (`{ content: { title } }` → `content.title`), to the given
 * depth; arrays, and an empty object, stay one value.
 */
export function flattenObject(o: Record<string, unknown>, depth = 3, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (depth > 0 && isPlainObject(v) && Object.keys(v).length > 0) Object.assign(out, flattenObject(v, depth - 1, key));
    else out[key] = v;
  }
  return out;
}

/** The rows of a diff that changed (the drawer lists these first and folds the unchanged ones). */
export function changedRows(rows: TFieldDiff[]): TFieldDiff[] {
  return rows.filter((r) => r.change !== 'unchanged');
}

export function diffValues(oldValue: unknown, newValue: unknown): TValueDiff {
  if (absent(oldValue) && absent(newValue)) return { kind: 'none' };
  let oldObj = isPlainObject(oldValue) ? oldValue : absent(oldValue) ? {} : null;
  let newObj = isPlainObject(newValue) ? newValue : absent(newValue) ? {} : null;
  if (oldObj === null || newObj === null) {
    return {
      kind: 'json',
      before: absent(oldValue) ? null : JSON.stringify(oldValue, null, 2),
      after: absent(newValue) ? null : JSON.stringify(newValue, null, 2),
    };
  }
  // Nested objects (a record edit's `content`) are compared field by field: `content.batchNumber`.
  oldObj = flattenObject(oldObj);
  newObj = flattenObject(newObj);
  // Old fields first in their order, then fields only the new value has.
  const fields = [...Object.keys(oldObj), ...Object.keys(newObj).filter((k) => !(k in oldObj))];
  const rows = fields.map((field): TFieldDiff => {
    const inOld = field in oldObj;
    const inNew = field in newObj;
    const before = inOld ? displayValue(oldObj[field]) : null;
    const after = inNew ? displayValue(newObj[field]) : null;
    const change: TFieldChange = !inOld ? 'added' : !inNew ? 'removed' : before === after ? 'unchanged' : 'changed';
    return { field, before, after, change };
  });
  return { kind: 'fields', rows };
}
