import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalize } from '@/lib/audit/canonical';
import { ACL_TYPES, DEFAULT_ACL_TYPES, type TDynsecCommand } from '@/lib/broker/dynsec-commands';

export { ACL_TYPES, DEFAULT_ACL_TYPES, ZDynsecBatch, ZDynsecCommand, aclTopicError, describeCommand, deviceClientCommands, type TDynsecCommand } from '@/lib/broker/dynsec-commands';

// The broker's access configuration as the Mosquitto dynamic-security plugin holds it (clients,
// roles with topic ACLs, the default access), the command batch that changes it, and what a
// batch does to a state. Pure: the diff an approver reviews and the read-back after apply are
// both computed here. Persisted as JSON (change request payloads, broker_baselines): changing a
// schema needs a migration of open requests and baselines.

export interface TAcl {
  acltype: (typeof ACL_TYPES)[number];
  topic: string;
  priority: number;
  allow: boolean;
}
export interface TRole {
  rolename: string;
  textname: string;
  acls: TAcl[];
}
export interface TClient {
  username: string;
  textname: string;
  clientid: string;
  disabled: boolean;
  roles: Array<{ rolename: string; priority: number }>;
  groups: string[];
}
export interface TBrokerState {
  clients: TClient[];
  roles: TRole[];
  defaultACLAccess: Record<(typeof DEFAULT_ACL_TYPES)[number], boolean>;
}

export const ZBrokerState: z.ZodType<TBrokerState> = z.object({
  clients: z.array(
    z.object({
      username: z.string(),
      textname: z.string(),
      clientid: z.string(),
      disabled: z.boolean(),
      roles: z.array(z.object({ rolename: z.string(), priority: z.number() })),
      groups: z.array(z.string()),
    }),
  ),
  roles: z.array(z.object({ rolename: z.string(), textname: z.string(), acls: z.array(z.object({ acltype: z.enum(ACL_TYPES), topic: z.string(), priority: z.number(), allow: z.boolean() })) })),
  defaultACLAccess: z.object({ publishClientSend: z.boolean(), publishClientReceive: z.boolean(), subscribe: z.boolean(), unsubscribe: z.boolean() }),
});

/** The plugin's defaults when `dynsec init` writes a fresh file. */
export const EMPTY_STATE: TBrokerState = {
  clients: [],
  roles: [],
  defaultACLAccess: { publishClientSend: false, publishClientReceive: true, subscribe: false, unsubscribe: true },
};

const byName = <T>(key: (t: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/** One order for everything, so equal configurations have equal canonical text and hash. */
export function normalizeState(s: TBrokerState): TBrokerState {
  return {
    clients: s.clients
      .map((c) => ({ ...c, roles: [...c.roles].sort(byName((r) => r.rolename)), groups: [...c.groups].sort() }))
      .sort(byName((c) => c.username)),
    roles: s.roles.map((r) => ({ ...r, acls: [...r.acls].sort(byName((a) => `${a.acltype}\u0000${a.topic}`)) })).sort(byName((r) => r.rolename)),
    defaultACLAccess: { ...s.defaultACLAccess },
  };
}

export function stateHash(s: TBrokerState): Buffer {
  return createHash('sha256').update(canonicalize(normalizeState(s))).digest();
}

/**
 * What the batch does to `state`, command by command, as the plugin would do it; an error names
 * the command (1-based) that the broker would refuse. The plugin applies each command on its
 * own — a refused one does not undo the ones before it — so a batch with an error is never
 * submitted.
 */
export function simulate(state: TBrokerState, commands: TDynsecCommand[]): { state: TBrokerState; errors: string[] } {
  const s = normalizeState(structuredClone(state));
  const errors: string[] = [];
  const client = (u: string) => s.clients.find((c) => c.username === u);
  const role = (r: string) => s.roles.find((x) => x.rolename === r);
  commands.forEach((c, i) => {
    const fail = (m: string) => errors.push(`${i + 1}. ${c.command}: ${m}`);
    switch (c.command) {
      case 'createClient':
        if (client(c.username)) return fail(`client ${c.username} already exists`);
        s.clients.push({ username: c.username, textname: c.textname ?? '', clientid: c.clientid ?? '', disabled: false, roles: [], groups: [] });
        return;
      case 'deleteClient':
        if (!client(c.username)) return fail(`client ${c.username} not found`);
        s.clients = s.clients.filter((x) => x.username !== c.username);
        return;
      case 'setClientPassword':
        if (!client(c.username)) return fail(`client ${c.username} not found`);
        return;
      case 'enableClient':
      case 'disableClient': {
        const x = client(c.username);
        if (!x) return fail(`client ${c.username} not found`);
        x.disabled = c.command === 'disableClient';
        return;
      }
      case 'addClientRole': {
        const x = client(c.username);
        if (!x) return fail(`client ${c.username} not found`);
        if (!role(c.rolename)) return fail(`role ${c.rolename} not found`);
        if (x.roles.some((r) => r.rolename === c.rolename)) return fail(`client ${c.username} already has role ${c.rolename}`);
        x.roles.push({ rolename: c.rolename, priority: c.priority ?? -1 });
        return;
      }
      case 'removeClientRole': {
        const x = client(c.username);
        if (!x) return fail(`client ${c.username} not found`);
        if (!x.roles.some((r) => r.rolename === c.rolename)) return fail(`client ${c.username} does not have role ${c.rolename}`);
        x.roles = x.roles.filter((r) => r.rolename !== c.rolename);
        return;
      }
      case 'createRole':
        if (role(c.rolename)) return fail(`role ${c.rolename} already exists`);
        s.roles.push({ rolename: c.rolename, textname: c.textname ?? '', acls: [] });
        return;
      case 'deleteRole':
        if (!role(c.rolename)) return fail(`role ${c.rolename} not found`);
        s.roles = s.roles.filter((r) => r.rolename !== c.rolename);
        for (const x of s.clients) x.roles = x.roles.filter((r) => r.rolename !== c.rolename);
        return;
      case 'addRoleACL': {
        const r = role(c.rolename);
        if (!r) return fail(`role ${c.rolename} not found`);
        if (r.acls.some((a) => a.acltype === c.acltype && a.topic === c.topic)) return fail(`role ${c.rolename} already has ${c.acltype} ${c.topic}`);
        r.acls.push({ acltype: c.acltype, topic: c.topic, priority: c.priority ?? 0, allow: c.allow });
        return;
      }
      case 'removeRoleACL': {
        const r = role(c.rolename);
        if (!r) return fail(`role ${c.rolename} not found`);
        if (!r.acls.some((a) => a.acltype === c.acltype && a.topic === c.topic)) return fail(`role ${c.rolename} has no ${c.acltype} ${c.topic}`);
        r.acls = r.acls.filter((a) => !(a.acltype === c.acltype && a.topic === c.topic));
        return;
      }
      case 'setDefaultACLAccess':
        s.defaultACLAccess[c.acltype] = c.allow;
        return;
    }
  });
  return { state: normalizeState(s), errors };
}

const aclText = (a: TAcl) => `${a.allow ? 'allow' : 'deny'} ${a.acltype} ${a.topic}${a.priority ? ` (priority ${a.priority})` : ''}`;
const clientText = (c: TClient) =>
  [c.disabled ? 'disabled' : 'enabled', c.clientid && `client id ${c.clientid}`, c.textname && `“${c.textname}”`, `roles: ${c.roles.map((r) => r.rolename).join(', ') || 'none'}`, c.groups.length ? `groups: ${c.groups.join(', ')}` : '']
    .filter(Boolean)
    .join(' · ');

export interface TStateDifference {
  /** client / role / default access, and its name */
  subject: string;
  change: 'added' | 'removed' | 'changed';
  /** In words: what the first state has and the second does not, and the reverse. */
  detail: string;
}

/** Every difference from `a` (expected) to `b` (actual or after), in words. Empty: equal. */
export function diffStates(a: TBrokerState, b: TBrokerState): TStateDifference[] {
  const x = normalizeState(a);
  const y = normalizeState(b);
  const out: TStateDifference[] = [];
  for (const c of y.clients) if (!x.clients.some((o) => o.username === c.username)) out.push({ subject: `client ${c.username}`, change: 'added', detail: clientText(c) });
  for (const c of x.clients) {
    const o = y.clients.find((n) => n.username === c.username);
    if (!o) out.push({ subject: `client ${c.username}`, change: 'removed', detail: clientText(c) });
    else if (canonicalize(c) !== canonicalize(o)) out.push({ subject: `client ${c.username}`, change: 'changed', detail: `${clientText(c)} → ${clientText(o)}` });
  }
  for (const r of y.roles) if (!x.roles.some((o) => o.rolename === r.rolename)) out.push({ subject: `role ${r.rolename}`, change: 'added', detail: r.acls.map(aclText).join('; ') || 'no ACLs' });
  for (const r of x.roles) {
    const o = y.roles.find((n) => n.rolename === r.rolename);
    if (!o) {
      out.push({ subject: `role ${r.rolename}`, change: 'removed', detail: r.acls.map(aclText).join('; ') || 'no ACLs' });
      continue;
    }
    const was = r.acls.map(aclText);
    const now = o.acls.map(aclText);
    const plus = now.filter((t) => !was.includes(t));
    const minus = was.filter((t) => !now.includes(t));
    const parts = [...plus.map((t) => `+ ${t}`), ...minus.map((t) => `− ${t}`), ...(r.textname !== o.textname ? [`name “${r.textname}” → “${o.textname}”`] : [])];
    if (parts.length) out.push({ subject: `role ${r.rolename}`, change: 'changed', detail: parts.join('; ') });
  }
  for (const k of DEFAULT_ACL_TYPES) {
    if (x.defaultACLAccess[k] !== y.defaultACLAccess[k]) {
      out.push({ subject: `default access ${k}`, change: 'changed', detail: `${x.defaultACLAccess[k] ? 'allow' : 'deny'} → ${y.defaultACLAccess[k] ? 'allow' : 'deny'}` });
    }
  }
  return out;
}
