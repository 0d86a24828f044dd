import { raiseAlert } from '@/lib/alerts/raise-alert';
import { currentBaseline } from '@/lib/broker/broker-baseline';
import { withDynsec, type TBrokerControlConfig } from '@/lib/broker/dynsec-client';
import { diffStates, type TStateDifference } from '@/lib/broker/dynsec-model';
import type { TDb } from '@/lib/db/client';

export interface TReconcileResult {
  ok: boolean;
  baselineRevision: number | null;
  differences: TStateDifference[];
  error: string | null;
}

/**
 * Compares the live broker with the approved baseline. A difference made outside Custos (with
 * mosquitto_ctrl, by editing the plugin's file, by another tool) raises one broker-drift alert
 * naming it; every run is recorded for the broker page. Passwords cannot be read back, so a
 * password changed behind Custos's back is not seen here.
 */
export async function reconcileBroker(db: TDb, cfg: TBrokerControlConfig, now = new Date()): Promise<TReconcileResult> {
  const baseline = await currentBaseline(db);
  let result: TReconcileResult;
  if (!baseline) {
    result = { ok: false, baselineRevision: null, differences: [], error: 'No approved baseline yet: submit a broker change to adopt the broker' };
  } else {
    try {
      const live = await withDynsec(cfg, (c) => c.readState());
      const differences = diffStates(baseline.state, live);
      result = { ok: differences.length === 0, baselineRevision: baseline.revision, differences, error: null };
    } catch (e) {
      result = { ok: false, baselineRevision: baseline.revision, differences: [], error: `The broker could not be read: ${(e as Error).message}` };
    }
  }
  await db.$transaction(async (tx) => {
    await tx.brokerReconciliation.create({
      data: { ranAt: now, ok: result.ok, baselineRevision: result.baselineRevision === null ? null : BigInt(result.baselineRevision), differences: result.differences as object[], error: result.error },
      select: { id: true },
    });
    if (result.differences.length) {
      await raiseAlert(tx, {
        kind: 'broker_drift',
        dedupKey: `broker_drift:${baseline!.revision}`,
        detail: { baselineRevision: baseline!.revision, differences: result.differences as never },
        entity: { type: 'BrokerBaseline', id: String(baseline!.revision) },
        reason: `the broker differs from approved baseline revision ${baseline!.revision}: ${result.differences.map((d) => `${d.subject} ${d.change}`).join('; ')}`,
        now,
      });
    }
  });
  return result;
}
