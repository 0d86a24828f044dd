import type { z } from 'zod';
import type { CONTENT_SCHEMA, TRecordKind } from '@/lib/records/kinds';

// How each kind's content is entered and shown. The schemas in lib/records/kinds.ts decide what
// is valid (on the server); this decides labels and inputs. Keyed by the schema's own fields, so
// a field added to a schema without a form input here fails the type check.
// Imports only types from kinds.ts: client components use this file without shipping zod.

export type TFieldInput = 'text' | 'textarea' | 'number' | 'date' | 'select';

export interface TFieldSpec {
  label: string;
  input: TFieldInput;
  required?: boolean;
  options?: ReadonlyArray<{ value: string; label: string }>;
  hint?: string;
  maxLength?: number;
}

type TFieldsOf<K extends TRecordKind> = { [F in keyof z.input<(typeof CONTENT_SCHEMA)[K]>]-?: TFieldSpec };

export const KIND_FIELDS: { [K in TRecordKind]: TFieldsOf<K> } = {
  batch_record: {
    title: { label: 'Title', input: 'text', required: true, maxLength: 200 },
    product: { label: 'Product', input: 'text', required: true, maxLength: 200 },
    batchNumber: { label: 'Batch number', input: 'text', required: true, maxLength: 64 },
    quantity: { label: 'Quantity', input: 'number', required: true },
    unit: { label: 'Unit', input: 'text', required: true, maxLength: 20, hint: 'e.g. kg, L, units' },
    manufacturedOn: { label: 'Manufactured on', input: 'date', required: true },
    notes: { label: 'Notes', input: 'textarea', maxLength: 5000 },
  },
  deviation: {
    title: { label: 'Title', input: 'text', required: true, maxLength: 200 },
    description: { label: 'Description', input: 'textarea', required: true, maxLength: 5000 },
    severity: {
      label: 'Severity',
      input: 'select',
      required: true,
      options: [
        { value: 'minor', label: 'Minor' },
        { value: 'major', label: 'Major' },
        { value: 'critical', label: 'Critical' },
      ],
    },
    detectedOn: { label: 'Detected on', input: 'date', required: true },
    area: { label: 'Area', input: 'text', required: true, maxLength: 100 },
  },
  document: {
    title: { label: 'Title', input: 'text', required: true, maxLength: 200 },
    documentNumber: { label: 'Document number', input: 'text', required: true, maxLength: 64 },
    revision: { label: 'Revision', input: 'text', required: true, maxLength: 20 },
    body: { label: 'Body', input: 'textarea', required: true, maxLength: 20000 },
  },
  // Opened by telemetry ingestion, never typed in: labels for display only.
  excursion: {
    title: { label: 'Title', input: 'text' },
    deviceId: { label: 'Device', input: 'text' },
    sensor: { label: 'Sensor', input: 'text' },
    unit: { label: 'Unit', input: 'text' },
    limitMin: { label: 'Lower limit', input: 'number' },
    limitMax: { label: 'Upper limit', input: 'number' },
    startedAt: { label: 'Started at', input: 'text' },
    endedAt: { label: 'Ended at', input: 'text' },
    durationS: { label: 'Duration', input: 'number' },
    peak: { label: 'Peak', input: 'number' },
    readings: { label: 'Readings outside the limits', input: 'number' },
  },
};

export function fieldsOf(kind: TRecordKind): Array<[string, TFieldSpec]> {
  return Object.entries(KIND_FIELDS[kind]);
}

/** The label of a content field, or the field's own name for content this version of Custos does not know. */
export function fieldLabel(kind: TRecordKind, name: string): string {
  return (KIND_FIELDS[kind] as Record<string, TFieldSpec | undefined>)[name]?.label ?? name;
}

/** A version's content in the kind's field order; fields this version of Custos does not know come last. */
export function orderedContent(kind: TRecordKind, content: Record<string, unknown>): Array<[string, unknown]> {
  const known = fieldsOf(kind).map(([name]) => name);
  const names = [...known.filter((n) => n in content), ...Object.keys(content).filter((n) => !known.includes(n))];
  return names.map((n) => [n, content[n]]);
}

/** Content as the form submitted it: only the kind's own fields, as text (the schema coerces). */
export function contentFromForm(kind: TRecordKind, form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name] of fieldsOf(kind)) {
    const v = form.get(name);
    if (typeof v === 'string') out[name] = v;
  }
  return out;
}

/** A stored value as text for a form input or a cell. */
export function valueText(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Seconds as "1 h 2 min 5 s": exact, for a record (a chart's axis rounds; a record does not). */
export function durationText(totalS: number): string {
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  return [h ? `${h} h` : '', m ? `${m} min` : '', s || (!h && !m) ? `${s} s` : ''].filter(Boolean).join(' ');
}

/**
 * A stored value as a person reads it on the record page and on paper: instants in the one UTC
 * format (`2026-12-03 07:20:33 UTC`, never raw ISO), an excursion's values with their unit, its
 * duration in words, an excursion not yet ended as "ongoing".
 */
export function displayValue(kind: TRecordKind, name: string, v: unknown, content: Record<string, unknown>): string {
  if (typeof v === 'string' && UTC_INSTANT.test(v)) return `${v.slice(0, 19).replace('T', ' ')} UTC`;
  if (kind === 'excursion') {
    if (name === 'endedAt' && v === null) return 'ongoing';
    if (name === 'durationS' && typeof v === 'number') return durationText(v);
    const unit = typeof content.unit === 'string' ? content.unit : '';
    if ((name === 'peak' || name === 'limitMin' || name === 'limitMax') && typeof v === 'number') return `${v} ${unit}`.trim();
    if ((name === 'limitMin' || name === 'limitMax') && v === null) return 'none';
  }
  return valueText(v);
}

/** A field's label for this content: an excursion below its lower limit has a minimum, not a peak. */
export function contentLabel(kind: TRecordKind, name: string, content: Record<string, unknown>): string {
  if (kind === 'excursion' && name === 'peak' && typeof content.peak === 'number' && typeof content.limitMin === 'number' && content.peak < content.limitMin) return 'Minimum';
  return fieldLabel(kind, name);
}

/** Where the chart of an excursion shows it: the excursion's window with a margin on each side. */
export function excursionChartHref(content: Record<string, unknown>, now = Date.now()): string | null {
  const start = typeof content.startedAt === 'string' ? Date.parse(content.startedAt) : NaN;
  if (!Number.isFinite(start) || typeof content.deviceId !== 'string') return null;
  const end = typeof content.endedAt === 'string' && Number.isFinite(Date.parse(content.endedAt)) ? Date.parse(content.endedAt) : now;
  const margin = Math.max(60_000, Math.round((end - start) * 0.25));
  const q = new URLSearchParams({ device: content.deviceId, from: new Date(start - margin).toISOString(), to: new Date(end + margin).toISOString() });
  return `/telemetry?${q.toString()}`;
}
