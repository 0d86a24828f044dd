import { describe, expect, it } from 'vitest';
import { checkSegregation } from '@/lib/esign/sod-rules';
import { KIND_CONFIG } from '@/lib/records/kinds';

const cfg = KIND_CONFIG.batch_record;

describe('segregation of duties', () => {
  it('lets different people author, review and approve', () => {
    const prior = [
      { signerId: 'a', meaning: 'AUTHORSHIP' as const },
      { signerId: 'r', meaning: 'REVIEW' as const },
    ];
    expect(checkSegregation(cfg, { signerId: 'p', meaning: 'APPROVAL', versionAuthorId: 'a', prior })).toBeNull();
  });

  it('refuses the author of a version as its reviewer or approver', () => {
    expect(checkSegregation(cfg, { signerId: 'a', meaning: 'REVIEW', versionAuthorId: 'a', prior: [] })).toMatch(/author of this version/);
    expect(checkSegregation(cfg, { signerId: 'a', meaning: 'APPROVAL', versionAuthorId: 'a', prior: [] })).toMatch(/author of this version/);
  });

  it('refuses the reviewer as approver', () => {
    const prior = [{ signerId: 'r', meaning: 'REVIEW' as const }];
    expect(checkSegregation(cfg, { signerId: 'r', meaning: 'APPROVAL', versionAuthorId: 'a', prior })).toMatch(/must come from someone else/);
  });

  it('refuses signing twice with the same meaning', () => {
    const prior = [{ signerId: 'r', meaning: 'REVIEW' as const }];
    expect(checkSegregation(cfg, { signerId: 'r', meaning: 'REVIEW', versionAuthorId: 'a', prior })).toMatch(/already signed/);
  });

  it('is configurable per kind: excursions are opened by the system, so no author rule', () => {
    expect(checkSegregation(KIND_CONFIG.excursion, { signerId: 'x', meaning: 'REVIEW', versionAuthorId: 'x', prior: [] })).toBeNull();
  });
});
