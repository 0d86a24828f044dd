// How a person's identity was verified before their account was created (21 CFR 11.100(b)).
export const IDENTITY_METHODS = ['hr_record', 'id_document', 'in_person'] as const;
export type TIdentityMethod = (typeof IDENTITY_METHODS)[number];
export const IDENTITY_METHOD_LABEL: Record<TIdentityMethod, string> = {
  hr_record: 'HR record checked',
  id_document: 'Identity document seen',
  in_person: 'Known in person to the verifier',
};
