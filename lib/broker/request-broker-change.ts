import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { currentBaseline } from '@/lib/broker/broker-baseline';
import type { TBrokerChange } from '@/lib/broker/broker-change';
import { brokerControlConfig, withDynsec, type TBrokerControlConfig } from '@/lib/broker/dynsec-client';
import { aclTopicError, diffStates, simulate, ZDynsecBatch } from '@/lib/broker/dynsec-model';
import { requestChange } from '@/lib/change-requests/request-change';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';

/**
 * Submits a broker change for approval: the exact command batch, the configuration it starts
 * from and the one it must produce (what the approver reviews as a diff). Built on the approved
 * baseline; before the first approved change, on the broker as it is now — approving that
 * adopts it (an empty batch adopts the broker unchanged).
 */
export async function requestBrokerChange(
  db: TDb,
  user: TCurrentUser,
  input: { commands: unknown; reason: unknown },
  cfg: TBrokerControlConfig | null = brokerControlConfig(),
): Promise<{ id: string; number: string; requiredApprovals: number }> {
  requirePermission(user, 'broker.manage');
  const parsed = ZDynsecBatch.safeParse(input.commands);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new AppError('BAD_REQUEST', `Command ${typeof i.path[0] === 'number' ? i.path[0] + 1 : ''}: ${i.message}`.trim(), { commands: i.message });
  }
  const commands = parsed.data;
  const topicErrors = commands.flatMap((c, i) => (c.command === 'addRoleACL' ? [aclTopicError(c.acltype, c.topic)].filter(Boolean).map((e) => `${i + 1}. ${e}`) : []));
  if (topicErrors.length) throw new AppError('BAD_REQUEST', `The broker would refuse this batch: ${topicErrors.join('; ')}`, { commands: topicErrors[0] });
  const baseline = await currentBaseline(db);
  let base = baseline?.state;
  if (!base) {
    if (!cfg) throw new AppError('BAD_REQUEST', 'Custos does not manage a broker here (CUSTOS_BROKER_ADMIN_USERNAME is not set)');
    try {
      base = await withDynsec(cfg, (c) => c.readState());
    } catch (e) {
      throw new AppError('BAD_REQUEST', `The broker could not be read: ${(e as Error).message}`);
    }
  }
  const sim = simulate(base, commands);
  if (sim.errors.length) throw new AppError('BAD_REQUEST', `The broker would refuse this batch: ${sim.errors.join('; ')}`, { commands: sim.errors[0] });
  if (baseline && commands.length === 0) throw new AppError('BAD_REQUEST', 'Add at least one command', { commands: 'empty' });
  if (baseline && diffStates(base, sim.state).length === 0 && !commands.some((c) => c.command === 'setClientPassword')) {
    throw new AppError('BAD_REQUEST', 'This batch changes nothing', { commands: 'no change' });
  }
  const payload: TBrokerChange = { baseRevision: baseline?.revision ?? null, base, commands, expected: sim.state };
  return requestChange(db, user, { kind: 'broker.apply', payload, reason: input.reason });
}
