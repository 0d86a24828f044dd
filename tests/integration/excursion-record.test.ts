import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { getPgPool } from '@/lib/db/pg-pool';
import { registerDevice } from '@/lib/devices/register-device';
import { Ingestor } from '@/lib/ingest/ingestor';
import { buildHmacPayload } from '@/lib/ingest/simulate/build-payloads';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';

// 11.10(e)(f): an excursion record is opened when readings leave the limits and updated — a new
// version with a system reason, in the batch's transaction — when they come back.

const MINUTE = 60_000;
let t: TTestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('excursion_record');
});
afterAll(async () => {
  await getPgPool().end();
  await t?.drop();
});

describe('excursion record', () => {
  it('[11.10(e)] is updated when the excursion ends: version 2 with end, duration, minimum and readings, and a system reason', async () => {
    const id = `IT-FRIDGE-${randomBytes(3).toString('hex').toUpperCase()}`;
    const secret = randomBytes(32);
    await registerDevice(t.db, { id, description: 'it fridge', key: { hmacSecretHex: secret.toString('hex') }, limitMin: 2, limitMax: 8, unit: '°C', expectedIntervalS: 3600 }, SYSTEM_CLI);
    const start = Date.parse('2026-12-03T07:00:00Z');
    const at = (i: number) => new Date(start + i * MINUTE);
    const msg = (i: number, value: string) => ({ source: 'mqtt' as const, topic: null, raw: buildHmacPayload({ deviceId: id, secret, value, at: at(i) }), receivedAt: at(i) });
    const ingest = new Ingestor(t.db);
    await ingest.ingest([msg(0, '4.0'), msg(1, '1.5'), msg(2, '0.8')]);

    const c = await t.owner();
    const rec = await c.query<{ id: string; number: string; status: string; current_version: number }>(`SELECT id, number, status, current_version FROM records WHERE kind = 'excursion' AND title LIKE $1`, [`%${id}%`]);
    expect(rec.rows).toHaveLength(1);
    expect(rec.rows[0]).toMatchObject({ status: 'in_review', current_version: 1 });
    expect(rec.rows[0].number).toMatch(/^EXC-\d{6}$/);

    await ingest.ingest([msg(3, '1.9'), msg(4, '3.0')]);
    const after = await c.query<{ status: string; current_version: number }>('SELECT status, current_version FROM records WHERE id = $1', [rec.rows[0].id]);
    expect(after.rows[0]).toEqual({ status: 'in_review', current_version: 2 });
    const versions = await c.query<{ version: number; content_canonical: string; reason: string | null; created_by: string }>(
      'SELECT version, content_canonical, reason, created_by FROM record_versions WHERE record_id = $1 ORDER BY version',
      [rec.rows[0].id],
    );
    const [v1, v2] = versions.rows;
    expect(JSON.parse(v1.content_canonical)).toMatchObject({ endedAt: null });
    expect(JSON.parse(v2.content_canonical)).toMatchObject({
      startedAt: at(1).toISOString(),
      endedAt: at(4).toISOString(),
      durationS: 180,
      peak: 0.8,
      readings: 3,
      unit: '°C',
    });
    expect(v2.reason).toBe('Excursion ended 2026-12-03 07:04:00 UTC: end time, duration, peak and number of readings recorded by the system');
    expect(v2.created_by).toBe('system:ingest');
    const ev = await c.query<{ actor_id: string; reason: string; context_ref: string; old_value: { version: number }; new_value: { version: number } }>(
      `SELECT actor_id, reason, context_ref, old_value, new_value FROM audit_events WHERE action = 'record.edit' AND entity_id = $1`,
      [rec.rows[0].id],
    );
    expect(ev.rows).toHaveLength(1);
    expect(ev.rows[0]).toMatchObject({ actor_id: 'system:ingest', reason: v2.reason, context_ref: `Record:${rec.rows[0].id}/v2`, old_value: { version: 1 }, new_value: { version: 2 } });
    await c.end();
  });
});
