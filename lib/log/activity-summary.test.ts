import { describe, expect, it } from 'vitest';
import { activitySummary } from '@/lib/log/activity-summary';

const zero = { received: 0, committed: 0, failures: 0 };

describe('worker activity summary', () => {
  it('says nothing for a quiet minute', () => {
    expect(activitySummary(zero, zero)).toBeNull();
    expect(activitySummary({ received: 5, committed: 5, failures: 1 }, { received: 5, committed: 5, failures: 1 })).toBeNull();
  });

  it('gives the minute\'s counts, not the totals since start, when something happened', () => {
    expect(activitySummary({ received: 10, committed: 10, failures: 0 }, { received: 16, committed: 15, failures: 0 })).toEqual({
      line: 'last minute: received 6, committed 5 (since start: committed 15)',
      level: 'info',
    });
  });

  it('warns when a batch failed in the minute', () => {
    expect(activitySummary(zero, { received: 3, committed: 0, failures: 1 })).toEqual({ line: 'last minute: received 3, committed 0, failed batches 1 (since start: committed 0)', level: 'warn' });
  });
});
