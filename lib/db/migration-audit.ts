import type pg from 'pg';
import { appendAuditPg } from '@/lib/audit/append-audit';
import { SYSTEM_MIGRATION } from '@/lib/audit/events';

interface TOutboxRow {
  id: string;
  action: string;
  entity_type: string;
  entity_id: string;
  old_value: unknown;
  new_value: unknown;
  reason: string;
}

/**
 * A migration that changes what people may do (grants, the site's state) cannot hash into the
 * chain from SQL: it leaves its events in migration_audit_outbox, and the runner appends them
 * as `system:migration` and empties the outbox in one transaction (21 CFR 11.10(e)).
 */
export async function drainMigrationAudit(client: pg.ClientBase): Promise<number> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('public.migration_audit_outbox')::text AS t`);
  if (!exists.rows[0]?.t) return 0;
  await client.query('BEGIN');
  try {
    const { rows } = await client.query<TOutboxRow>('SELECT id::text, action, entity_type, entity_id, old_value, new_value, reason FROM migration_audit_outbox ORDER BY id FOR UPDATE');
    if (rows.length) {
      await appendAuditPg(
        client,
        rows.map((r) => ({
          actor: SYSTEM_MIGRATION,
          action: r.action,
          entityType: r.entity_type,
          entityId: r.entity_id,
          oldValue: r.old_value ?? null,
          newValue: r.new_value ?? null,
          reason: r.reason,
        })),
      );
      await client.query('DELETE FROM migration_audit_outbox WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
    }
    await client.query('COMMIT');
    return rows.length;
  } catch (e) {
    await client.query('ROLLBACK');
    throw e;
  }
}
