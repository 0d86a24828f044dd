import { describe, expect, it } from 'vitest';
import { availableTransitions, findTransition, isEditable } from '@/lib/records/lifecycle';

describe('record lifecycle', () => {
  it('moves draft → in review → reviewed → approved, each step with its signature meaning', () => {
    expect(availableTransitions('batch_record', 'draft').map((t) => [t.name, t.meaning, t.to])).toEqual([['submit', 'AUTHORSHIP', 'in_review']]);
    expect(availableTransitions('batch_record', 'in_review').map((t) => t.name)).toEqual(['review', 'reject']);
    expect(availableTransitions('batch_record', 'reviewed').map((t) => t.name)).toEqual(['approve', 'reject']);
    expect(availableTransitions('batch_record', 'approved')).toEqual([]);
    expect(findTransition('deviation', 'reject')?.meaning).toBe('REJECTION');
  });
  it('edits only drafts and rejected records', () => {
    expect(['draft', 'in_review', 'reviewed', 'approved', 'rejected', 'retired'].filter((s) => isEditable(s as never))).toEqual(['draft', 'rejected']);
  });
});
