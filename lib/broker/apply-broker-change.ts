import { randomBytes } from 'node:crypto';
import { raiseAlert } from '@/lib/alerts/raise-alert';
import { appendAudit } from '@/lib/audit/append-audit';
import { currentBaseline, recordBaseline } from '@/lib/broker/broker-baseline';
import { ZBrokerChange } from '@/lib/broker/broker-change';
import { brokerControlConfig, withDynsec, type TBrokerControlConfig } from '@/lib/broker/dynsec-client';
import { describeCommand, diffStates, simulate, stateHash, type TDynsecCommand, type TStateDifference } from '@/lib/broker/dynsec-model';
import { seal } from '@/lib/crypto/secret-box';
import type { TTx } from '@/lib/db/client';

type TApplyResult = { ok: true; effect: Record<string, unknown>; secretEnc?: string } | { ok: false; reason: string };

const CHANGE_CONTROL = { type: 'system' as const, id: 'system:change-control', name: 'Custos change control' };

/** A broker client password: 24 characters from an unambiguous alphabet (about 140 bits). */
function brokerPassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  return [...randomBytes(24)].map((b) => alphabet[b % alphabet.length]).join('');
}

/**
 * Applies an approved broker change in the deciding transaction. Before anything is sent: the
 * approved baseline must still be the one the batch was built on, the broker must still look
 * like it, and the batch must produce what was approved. Then the batch goes to the broker, the
 * broker is read back and compared with what was approved. The plugin applies each command on
 * its own (a batch is not atomic) and answers success to a change it could not save, so the
 * read-back and the broker's error log decide: any difference fails the request and raises an
 * alert, and the baseline stays where it was (the reconciler keeps reporting the difference).
 */
export async function applyBrokerChange(tx: TTx, cr: { id: string; number?: string; payload: unknown }, cfg: TBrokerControlConfig | null = brokerControlConfig()): Promise<TApplyResult> {
  const parsed = ZBrokerChange.safeParse(cr.payload);
  if (!parsed.success) return { ok: false, reason: 'The stored broker change is not readable' };
  const p = parsed.data;
  if (!cfg) return { ok: false, reason: 'Custos does not manage a broker here (CUSTOS_BROKER_ADMIN_USERNAME is not set)' };
  const baseline = await currentBaseline(tx);
  if ((baseline?.revision ?? null) !== p.baseRevision) {
    return { ok: false, reason: `The approved broker baseline moved (revision ${baseline?.revision ?? 'none'}, the request was built on ${p.baseRevision ?? 'none'}); submit it again` };
  }
  if (baseline && baseline.hash !== stateHash(p.base).toString('hex')) return { ok: false, reason: 'The request does not start from the approved baseline' };
  const sim = simulate(p.base, p.commands);
  if (sim.errors.length || diffStates(p.expected, sim.state).length) return { ok: false, reason: `The command batch does not produce the approved configuration${sim.errors.length ? `: ${sim.errors[0]}` : ''}` };

  const passwords: Array<{ username: string; password: string }> = [];
  const wire = p.commands.map((c: TDynsecCommand) => {
    if (c.command !== 'createClient' && c.command !== 'setClientPassword') return { ...c } as Record<string, unknown>;
    const password = brokerPassword();
    passwords.push({ username: c.username, password });
    return { ...c, password } as Record<string, unknown>;
  });

  let outcome: { refused: string[]; differences: TStateDifference[]; saveErrors: string[]; readBack: ReturnType<typeof simulate>['state'] | null; before: TStateDifference[] };
  try {
    outcome = await withDynsec(cfg, async (c) => {
      const live = await c.readState();
      const before = diffStates(p.base, live);
      if (before.length) return { refused: [], differences: [], saveErrors: [], readBack: null, before };
      const answers = await c.run(wire);
      const refused = answers.flatMap((a, i) => (a.error ? [`${i + 1}. ${describeCommand(p.commands[i])}: ${a.error}`] : []));
      const readBack = await c.readState();
      return { refused, differences: diffStates(p.expected, readBack), saveErrors: [...c.saveErrors], readBack, before };
    });
  } catch (e) {
    return { ok: false, reason: `The broker could not be reached to apply the change: ${(e as Error).message}` };
  }
  if (outcome.before.length) {
    // Nothing was sent: the broker differs from the approved configuration (drift).
    return { ok: false, reason: `The broker differs from the approved configuration, nothing was sent: ${outcome.before.map((d) => `${d.subject} ${d.change}`).join('; ')}` };
  }
  const { refused, differences, saveErrors } = outcome;
  if (refused.length || differences.length || saveErrors.length) {
    const reason = [
      refused.length ? `the broker refused ${refused.length} command(s): ${refused.join('; ')}` : '',
      differences.length ? `read back differs from the approved configuration: ${differences.map((d) => `${d.subject} ${d.change} (${d.detail})`).join('; ')}` : '',
      saveErrors.length ? `the broker could not save its configuration and would lose the change on restart: ${saveErrors[0]}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    await raiseAlert(tx, {
      kind: 'broker_change_mismatch',
      dedupKey: `broker_change:${cr.id}`,
      detail: { changeRequestId: cr.id, number: cr.number ?? null, refused, differences: differences as never, saveErrors },
      entity: { type: 'ChangeRequest', id: cr.id },
      reason: `broker change ${cr.number ?? cr.id} not applied as approved: ${reason}`,
    });
    return { ok: false, reason: `Broker change not applied as approved: ${reason}` };
  }
  const revision = await recordBaseline(tx, outcome.readBack!, cr.id);
  await appendAudit(tx, [
    {
      actor: CHANGE_CONTROL,
      action: 'broker.configure',
      entityType: 'BrokerBaseline',
      entityId: String(revision),
      oldValue: { revision: p.baseRevision, stateHash: stateHash(p.base).toString('hex') },
      newValue: { revision, stateHash: stateHash(outcome.readBack!).toString('hex'), commands: p.commands as never, passwordsSetFor: passwords.map((x) => x.username) },
      reason: `approved change request ${cr.number ?? cr.id}; read back and compared`,
      contextRef: `ChangeRequest:${cr.id}`,
    },
  ]);
  return {
    ok: true,
    effect: { baselineRevision: revision, commands: p.commands.length, passwordsSetFor: passwords.map((x) => x.username) },
    secretEnc: passwords.length ? seal(passwords.map((x) => `${x.username}: ${x.password}`).join('\n'), `cr:${cr.id}`) : undefined,
  };
}
