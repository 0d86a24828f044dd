import { z } from 'zod';
import type { TSignatureMeaning } from '@/lib/esign/meanings';
import type { TPermission } from '@/lib/rbac/permissions';

// Record kinds: their content (persisted as JSON inside every version's canonical text —
// changing a schema needs a migration of how old versions are read), their number prefix and
// their segregation-of-duties rules.

export const RECORD_KINDS = ['batch_record', 'deviation', 'excursion', 'document'] as const;
export type TRecordKind = (typeof RECORD_KINDS)[number];

const text = (label: string, max = 200) => z.string().trim().min(1, `${label} is required`).max(max, `${label} is too long`);
const isoDate = (label: string) => z.string().regex(/^\d{4}-\d{2}-\d{2}$/, `${label} must be a date (YYYY-MM-DD)`);

export const ZBatchRecordContent = z.object({
  title: text('Title'),
  product: text('Product'),
  batchNumber: text('Batch number', 64),
  quantity: z.coerce.number({ error: 'Quantity must be a number' }).positive('Quantity must be positive').finite(),
  unit: text('Unit', 20),
  manufacturedOn: isoDate('Manufactured on'),
  notes: z.string().max(5000, 'Notes are too long').default(''),
});

export const ZDeviationContent = z.object({
  title: text('Title'),
  description: text('Description', 5000),
  severity: z.enum(['minor', 'major', 'critical'], { error: 'Choose a severity' }),
  detectedOn: isoDate('Detected on'),
  area: text('Area', 100),
});

export const ZDocumentContent = z.object({
  title: text('Title'),
  documentNumber: text('Document number', 64),
  revision: text('Revision', 20),
  body: text('Body', 20000),
});

export const ZExcursionContent = z.object({
  title: text('Title'),
  deviceId: text('Device', 100),
  sensor: text('Sensor', 100),
  unit: text('Unit', 20),
  limitMin: z.number().finite().nullable(),
  limitMax: z.number().finite().nullable(),
  startedAt: z.string().min(1),
  endedAt: z.string().nullable(),
  peak: z.number().finite(),
  readings: z.number().int().nonnegative(),
  /** Set when the excursion ends (version 2 on): seconds from start to end. Absent in older versions. */
  durationS: z.number().int().nonnegative().optional(),
});

export const CONTENT_SCHEMA = {
  batch_record: ZBatchRecordContent,
  deviation: ZDeviationContent,
  document: ZDocumentContent,
  excursion: ZExcursionContent,
} as const satisfies Record<TRecordKind, z.ZodType>;

export interface TKindConfig {
  label: string;
  prefix: string;
  /** Created by people through the UI (excursions are opened by telemetry ingestion). */
  manual: boolean;
  /** Meanings whose signers must all be different people on one version. */
  distinctSigners: TSignatureMeaning[];
  /** The author of a version may not sign it with these meanings. */
  authorMayNotSign: TSignatureMeaning[];
  /**
   * The permission a signature of each meaning needs on this kind (21 CFR 11.10(g)). A site that
   * wants approval of, say, deviations by another role changes the permission here.
   */
  signPermission: Partial<Record<TSignatureMeaning, TPermission>>;
}

/** Who signs what by default: authors, reviewers and approvers are different roles. */
const SIGN_PERMISSION = {
  AUTHORSHIP: 'records.sign_authorship',
  REVIEW: 'records.sign_review',
  APPROVAL: 'records.sign_approval',
  REJECTION: 'records.sign_rejection',
} as const satisfies Partial<Record<TSignatureMeaning, TPermission>>;

export const KIND_CONFIG: Record<TRecordKind, TKindConfig> = {
  batch_record: {
    label: 'Batch record',
    prefix: 'BR',
    manual: true,
    distinctSigners: ['AUTHORSHIP', 'REVIEW', 'APPROVAL'],
    authorMayNotSign: ['REVIEW', 'APPROVAL'],
    signPermission: SIGN_PERMISSION,
  },
  deviation: {
    label: 'Deviation',
    prefix: 'DEV',
    manual: true,
    distinctSigners: ['AUTHORSHIP', 'REVIEW', 'APPROVAL'],
    authorMayNotSign: ['REVIEW', 'APPROVAL'],
    signPermission: SIGN_PERMISSION,
  },
  document: {
    label: 'Document',
    prefix: 'DOC',
    manual: true,
    distinctSigners: ['AUTHORSHIP', 'REVIEW', 'APPROVAL'],
    authorMayNotSign: ['REVIEW', 'APPROVAL'],
    signPermission: SIGN_PERMISSION,
  },
  excursion: {
    label: 'Excursion',
    prefix: 'EXC',
    manual: false,
    distinctSigners: ['REVIEW', 'APPROVAL'],
    authorMayNotSign: [],
    signPermission: SIGN_PERMISSION,
  },
};

export function isRecordKind(v: unknown): v is TRecordKind {
  return typeof v === 'string' && (RECORD_KINDS as readonly string[]).includes(v);
}

/** The permission signing `meaning` on a record of `kind` needs; null: the meaning is not signed on this kind. */
export function signPermissionFor(kind: TRecordKind, meaning: TSignatureMeaning): TPermission | null {
  return KIND_CONFIG[kind].signPermission[meaning] ?? null;
}

/** Every permission that signs `meaning` on some kind: holding none of them, nobody signs it anywhere. */
export function signPermissionsForMeaning(meaning: TSignatureMeaning): TPermission[] {
  return [...new Set(RECORD_KINDS.map((k) => signPermissionFor(k, meaning)).filter((p): p is TPermission => p !== null))].sort();
}

/** Every permission that signs anything. */
export function allSignPermissions(): TPermission[] {
  return [...new Set(RECORD_KINDS.flatMap((k) => Object.values(KIND_CONFIG[k].signPermission)))].sort();
}
