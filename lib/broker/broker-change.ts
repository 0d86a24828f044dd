import { z } from 'zod';
import { ZBrokerState, ZDynsecBatch } from '@/lib/broker/dynsec-model';

// The payload of a `broker.apply` change request: the exact command batch sent to the broker,
// the configuration it starts from (the approved baseline, or the broker as read when Custos
// adopts it) and the configuration it must produce. Persisted as JSON and hashed: changing it
// needs a migration of open requests.
export const ZBrokerChange = z.object({
  /** The baseline revision the batch was built on; null when none was approved yet (adoption). */
  baseRevision: z.number().int().positive().nullable(),
  base: ZBrokerState,
  commands: ZDynsecBatch,
  expected: ZBrokerState,
});
export type TBrokerChange = z.output<typeof ZBrokerChange>;
