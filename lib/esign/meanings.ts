// 21 CFR 11.50(a)(3): every signature states its meaning, chosen from this list.
export const SIGNATURE_MEANINGS = ['AUTHORSHIP', 'REVIEW', 'APPROVAL', 'RESPONSIBILITY', 'VERIFICATION', 'REJECTION'] as const;
export type TSignatureMeaning = (typeof SIGNATURE_MEANINGS)[number];

export const MEANING_LABEL: Record<TSignatureMeaning, string> = {
  AUTHORSHIP: 'Authorship — I wrote this content',
  REVIEW: 'Review — I reviewed this content',
  APPROVAL: 'Approval — I approve this content',
  RESPONSIBILITY: 'Responsibility — I take responsibility for this content',
  VERIFICATION: 'Verification — I verified this content',
  REJECTION: 'Rejection — I reject this content',
};

export function isMeaning(v: unknown): v is TSignatureMeaning {
  return typeof v === 'string' && (SIGNATURE_MEANINGS as readonly string[]).includes(v);
}

/** Meanings signed outside a record's lifecycle: training ("read and understood", 21 CFR 11.10(i)). */
export const OTHER_MEANING_LABEL = {
  READ_AND_UNDERSTOOD: 'Read and understood — I have read this document and understand it',
} as const;
export type TAnyMeaning = TSignatureMeaning | keyof typeof OTHER_MEANING_LABEL;

export function meaningLabel(m: TAnyMeaning): string {
  return (MEANING_LABEL as Record<string, string>)[m] ?? OTHER_MEANING_LABEL[m as keyof typeof OTHER_MEANING_LABEL];
}
