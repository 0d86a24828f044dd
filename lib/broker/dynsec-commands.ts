import { z } from 'zod';

// The dynamic-security commands Custos sends, as a change request carries them, in words and
// checked. No Node imports: the batch builder on the broker page uses this in the browser.
// Persisted as JSON (change request payloads): changing a schema needs a migration of open requests.

export const ACL_TYPES = ['publishClientSend', 'publishClientReceive', 'subscribeLiteral', 'subscribePattern', 'unsubscribeLiteral', 'unsubscribePattern'] as const;
export const DEFAULT_ACL_TYPES = ['publishClientSend', 'publishClientReceive', 'subscribe', 'unsubscribe'] as const;

const name = z.string().trim().min(1, 'A name is required').max(256).regex(/^[^\s+#/]+$/, 'No spaces, /, + or #');
const topic = z
  .string()
  .trim()
  .min(1, 'A topic is required')
  .max(1024)
  .refine((t) => !/\s/.test(t), 'No spaces in a topic');
const text = z.string().trim().max(256).optional();
const priority = z.number().int().min(-10000).max(10000).optional();

export const ZDynsecCommand = z.discriminatedUnion('command', [
  // The password is never part of the batch: Custos generates it when the change is applied and
  // shows it once to the requester (like a user's one-time password).
  z.object({ command: z.literal('createClient'), username: name, textname: text, clientid: z.string().trim().max(256).optional() }),
  z.object({ command: z.literal('deleteClient'), username: name }),
  z.object({ command: z.literal('setClientPassword'), username: name }),
  z.object({ command: z.literal('enableClient'), username: name }),
  z.object({ command: z.literal('disableClient'), username: name }),
  z.object({ command: z.literal('addClientRole'), username: name, rolename: name, priority }),
  z.object({ command: z.literal('removeClientRole'), username: name, rolename: name }),
  z.object({ command: z.literal('createRole'), rolename: name, textname: text }),
  z.object({ command: z.literal('deleteRole'), rolename: name }),
  z.object({ command: z.literal('addRoleACL'), rolename: name, acltype: z.enum(ACL_TYPES), topic, priority, allow: z.boolean() }),
  z.object({ command: z.literal('removeRoleACL'), rolename: name, acltype: z.enum(ACL_TYPES), topic }),
  z.object({ command: z.literal('setDefaultACLAccess'), acltype: z.enum(DEFAULT_ACL_TYPES), allow: z.boolean() }),
]);
export type TDynsecCommand = z.output<typeof ZDynsecCommand>;
export const ZDynsecBatch = z.array(ZDynsecCommand).max(500, 'At most 500 commands in one change');

/**
 * Why the broker would refuse this ACL topic, or null. Publish ACLs and literal subscriptions
 * name topics; patterns are filters where + is one whole level and # only the last one.
 * `$share/<group>/<filter>` is how a shared subscription is matched.
 */
export function aclTopicError(acltype: (typeof ACL_TYPES)[number], topic: string): string | null {
  const levels = topic.split('/');
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i];
    if (l.includes('#') && (l !== '#' || i !== levels.length - 1)) return `${topic}: # only as the last level, alone`;
    if (l.includes('+') && l !== '+') return `${topic}: + only as a whole level`;
  }
  if (topic.startsWith('$share/') && levels.length < 3) return `${topic}: a shared subscription is $share/<group>/<filter>`;
  return null;
}

/** One command in words, for the review of a batch. */
export function describeCommand(c: TDynsecCommand): string {
  switch (c.command) {
    case 'createClient':
      return `Create client ${c.username}${c.clientid ? ` (client id ${c.clientid})` : ''} with a generated password`;
    case 'deleteClient':
      return `Delete client ${c.username}`;
    case 'setClientPassword':
      return `Set a new generated password for client ${c.username}`;
    case 'enableClient':
      return `Enable client ${c.username}`;
    case 'disableClient':
      return `Disable client ${c.username}`;
    case 'addClientRole':
      return `Give client ${c.username} role ${c.rolename}`;
    case 'removeClientRole':
      return `Take role ${c.rolename} from client ${c.username}`;
    case 'createRole':
      return `Create role ${c.rolename}`;
    case 'deleteRole':
      return `Delete role ${c.rolename}`;
    case 'addRoleACL':
      return `Role ${c.rolename}: ${c.allow ? 'allow' : 'deny'} ${c.acltype} ${c.topic}${c.priority ? ` (priority ${c.priority})` : ''}`;
    case 'removeRoleACL':
      return `Role ${c.rolename}: remove ${c.acltype} ${c.topic}`;
    case 'setDefaultACLAccess':
      return `Default access: ${c.allow ? 'allow' : 'deny'} ${c.acltype}`;
  }
}

/** The default broker access of a telemetry device: one client and one role, publishing only to its own topics. */
export function deviceClientCommands(deviceId: string, topics: string[]): TDynsecCommand[] {
  const rolename = `device-${deviceId}`;
  const filters = topics.length ? topics : [`pharma/${deviceId}/#`];
  return [
    { command: 'createRole', rolename },
    ...filters.map((t): TDynsecCommand => ({ command: 'addRoleACL', rolename, acltype: 'publishClientSend', topic: t, allow: true })),
    { command: 'createClient', username: deviceId, textname: `Telemetry device ${deviceId}` },
    { command: 'addClientRole', username: deviceId, rolename },
  ];
}
