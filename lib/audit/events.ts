import { z } from 'zod';

// Persisted as JSON inside the audit chain (canonical text): changing this shape changes what
// is hashed. Add fields only with a new `v`, and keep verification of older versions.
export const AUDIT_EVENT_VERSION = 1;

const ZJson: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number().finite(), z.boolean(), z.null(), z.array(ZJson), z.record(z.string(), ZJson)]),
);

export const ZAuditActor = z.object({
  type: z.enum(['user', 'system', 'device']),
  id: z.string().min(1).max(200),
  name: z.string().max(200).nullish(),
  role: z.string().max(200).nullish(),
  sessionId: z.string().max(200).nullish(),
});
export type TAuditActor = z.infer<typeof ZAuditActor>;

export const ZAuditEventInput = z.object({
  actor: ZAuditActor,
  action: z.string().regex(/^[a-z_]+\.[a-z_.]+$/, 'action is resource.verb'),
  entityType: z.string().min(1).max(100),
  entityId: z.string().max(200).nullish(),
  oldValue: ZJson.optional(),
  newValue: ZJson.optional(),
  reason: z.string().max(2000).nullish(),
  contextRef: z.string().max(500).nullish(),
});
export type TAuditEventInput = z.input<typeof ZAuditEventInput>;

export const SYSTEM_CLI: TAuditActor = { type: 'system', id: 'system:cli', name: 'Custos CLI' };
export const SYSTEM_BOOTSTRAP: TAuditActor = { type: 'system', id: 'system:bootstrap', name: 'Custos first start' };
export const SYSTEM_SERVER: TAuditActor = { type: 'system', id: 'system:server', name: 'Custos server' };
export const SYSTEM_MIGRATION: TAuditActor = { type: 'system', id: 'system:migration', name: 'Custos migration' };
export const SYSTEM_CHANGE_CONTROL: TAuditActor = { type: 'system', id: 'system:change-control', name: 'Custos change control' };

/** The exact object whose RFC 8785 text is hashed into the chain. */
export function toCanonicalObject(
  e: z.output<typeof ZAuditEventInput>,
  chainId: string,
  seq: bigint,
  occurredAt: string,
) {
  return {
    v: AUDIT_EVENT_VERSION,
    chain_id: chainId,
    seq: seq.toString(),
    occurred_at: occurredAt,
    actor_type: e.actor.type,
    actor_id: e.actor.id,
    actor_name: e.actor.name ?? null,
    actor_role: e.actor.role ?? null,
    session_id: e.actor.sessionId ?? null,
    action: e.action,
    entity_type: e.entityType,
    entity_id: e.entityId ?? null,
    old_value: e.oldValue ?? null,
    new_value: e.newValue ?? null,
    reason: e.reason ?? null,
    context_ref: e.contextRef ?? null,
  };
}

/**
 * The events whose payloads determine live state, by the table they drive: verification replays
 * them (lib/audit/verify-state.ts) and compares the result with the rows. An action ending in
 * `.*` stands for every action of that resource (e.g. `role.*`: role.create,
 * role.update_permissions, …, whatever their payload's `permissions`). change_request.apply
 * carries the applied change's `kind` (user.create, user.assign_role, role.create, …) and its
 * `effect`, and is replayed as that kind.
 */
export const STATE_EVENTS = {
  records: ['record.create', 'record.edit', 'record.sign', 'record.retire'],
  users: ['user.create', 'change_request.apply'],
  roles: ['role.*', 'change_request.apply'],
  devices: ['device.register', 'device.rotate_key', 'device.set_certificate'],
  serviceAccounts: ['service_account.create', 'service_account.rotate_key', 'service_account.update_scopes', 'service_account.disable'],
} as const;
