import type { TSignatureMeaning } from '@/lib/esign/meanings';
import type { TRecordKind } from '@/lib/records/kinds';

// The record lifecycle. A transition happens only through an electronic signature of the given
// meaning: draft → in_review (AUTHORSHIP) → reviewed (REVIEW) → approved (APPROVAL); a reviewer or
// approver may reject (REJECTION, with a comment). Editing (draft, rejected) makes a new version
// and returns the record to draft. Retiring is never a deletion.

export const RECORD_STATUSES = ['draft', 'in_review', 'reviewed', 'approved', 'rejected', 'retired'] as const;
export type TRecordStatus = (typeof RECORD_STATUSES)[number];

export interface TTransition {
  name: string;
  label: string;
  from: readonly TRecordStatus[];
  to: TRecordStatus;
  meaning: TSignatureMeaning;
}

const BASE: readonly TTransition[] = [
  { name: 'submit', label: 'Sign and submit for review', from: ['draft'], to: 'in_review', meaning: 'AUTHORSHIP' },
  { name: 'review', label: 'Sign review', from: ['in_review'], to: 'reviewed', meaning: 'REVIEW' },
  { name: 'approve', label: 'Sign approval', from: ['reviewed'], to: 'approved', meaning: 'APPROVAL' },
  { name: 'reject', label: 'Reject', from: ['in_review', 'reviewed'], to: 'rejected', meaning: 'REJECTION' },
];

export function transitionsFor(_kind: TRecordKind): readonly TTransition[] {
  // Every kind shares the lifecycle today; excursions start in review (opened by the system).
  return BASE;
}

export function findTransition(kind: TRecordKind, name: string): TTransition | null {
  return transitionsFor(kind).find((t) => t.name === name) ?? null;
}

export function availableTransitions(kind: TRecordKind, status: TRecordStatus): TTransition[] {
  return transitionsFor(kind).filter((t) => t.from.includes(status));
}

export function isEditable(status: TRecordStatus): boolean {
  return status === 'draft' || status === 'rejected';
}

export function initialStatus(kind: TRecordKind): TRecordStatus {
  return kind === 'excursion' ? 'in_review' : 'draft';
}

export const STATUS_LABEL: Record<TRecordStatus, string> = {
  draft: 'Draft',
  in_review: 'In review',
  reviewed: 'Reviewed',
  approved: 'Approved',
  rejected: 'Rejected',
  retired: 'Retired',
};
