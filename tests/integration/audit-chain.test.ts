import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { appendAudit } from '@/lib/audit/append-audit';
import { createCheckpoint } from '@/lib/audit/create-checkpoint';
import { loadOrCreateServerKey } from '@/lib/audit/server-key';
import { verifyChain } from '@/lib/audit/verify-chain';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';

let t: TTestDatabase;

beforeAll(async () => {
  t = await createTestDatabase('chain');
});
afterAll(async () => {
  await t?.drop();
});

async function append(n: number, chainId = 'main') {
  await t.db.$transaction(async (tx) =>
    appendAudit(
      tx,
      Array.from({ length: n }, (_, i) => ({
        actor: SYSTEM_CLI,
        action: 'test.append',
        entityType: 'Test',
        entityId: String(i),
        newValue: { i, text: 'naïve ✓ "quoted" \\ back', nested: { b: 2, a: [1, 2.5, null] } },
        reason: 'integration test',
      })),
      { chainId },
    ),
  );
}

async function verify(chainId = 'main') {
  const c = await t.app();
  try {
    return await verifyChain(c, { chainId, trustedPublicKeyPem: loadOrCreateServerKey(t.keyFile).key.publicKeyPem });
  } finally {
    await c.end();
  }
}

/** Runs SQL as the superuser with the append-only triggers switched off: simulates tampering. */
async function tamper(sql: string, params: unknown[] = []) {
  const c = await t.owner();
  try {
    await c.query('BEGIN');
    await c.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete');
    await c.query(sql, params);
    await c.query('ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_update_delete');
    await c.query('COMMIT');
  } finally {
    await c.end();
  }
}

describe('audit chain', () => {
  it('[11.10(e)] appended events form one verifiable chain with RFC 8785 canonical text', async () => {
    await append(5, 'basic');
    const r = await verify('basic');
    expect(r).toMatchObject({ ok: true, count: 5, headSeq: '5', broken: null });
    const c = await t.app();
    const { rows } = await c.query("SELECT canonical FROM audit_events WHERE chain_id='basic' AND seq=1");
    await c.end();
    const canonical: string = rows[0].canonical;
    expect(canonical.startsWith('{"action":"test.append","actor_id":"system:cli"')).toBe(true);
    expect(JSON.parse(canonical).new_value.nested).toEqual({ a: [1, 2.5, null], b: 2 });
  });

  it('[11.10(e)] [Annex 11 §7.1] flipping one byte of canonical, hash or prev_hash is detected at that seq', async () => {
    const chain = 'flip';
    await append(40, chain);
    await createCheckpoint(t.db, { chainId: chain, key: loadOrCreateServerKey(t.keyFile).key });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom('canonical', 'hash', 'prev_hash'),
        fc.nat(),
        async (seq, column, pos) => {
          const c = await t.owner();
          const { rows } = await c.query(`SELECT ${column} AS v FROM audit_events WHERE chain_id=$1 AND seq=$2`, [chain, seq]);
          await c.end();
          const original = rows[0].v as string | Buffer;
          let changed: string | Buffer;
          if (typeof original === 'string') {
            const i = pos % original.length;
            const ch = original[i] === 'x' ? 'y' : 'x';
            changed = original.slice(0, i) + ch + original.slice(i + 1);
          } else {
            changed = Buffer.from(original);
            changed[pos % changed.length] ^= 1 << (pos % 8);
          }
          await tamper(`UPDATE audit_events SET ${column} = $1 WHERE chain_id=$2 AND seq=$3`, [changed, chain, seq]);
          try {
            const r = await verify(chain);
            expect(r.ok).toBe(false);
            expect(r.broken?.seq).toBe(String(seq));
          } finally {
            await tamper(`UPDATE audit_events SET ${column} = $1 WHERE chain_id=$2 AND seq=$3`, [original, chain, seq]);
          }
        },
      ),
      { numRuns: 25 },
    );
    expect((await verify(chain)).ok).toBe(true);
  });

  it('[11.10(e)] deleting a middle row is reported as a gap at that seq', async () => {
    await append(10, 'gap');
    await tamper("DELETE FROM audit_events WHERE chain_id='gap' AND seq=4");
    const r = await verify('gap');
    expect(r.ok).toBe(false);
    expect(r.broken).toMatchObject({ seq: '4', reason: 'gap_in_seq' });
  });

  it('[11.10(e)] truncating the tail is detected through the signed checkpoint', async () => {
    await append(10, 'tail');
    const cp = await createCheckpoint(t.db, { chainId: 'tail', key: loadOrCreateServerKey(t.keyFile).key });
    expect(cp).toMatchObject({ created: true, seq: 10n });
    expect((await verify('tail')).ok).toBe(true);
    await tamper("DELETE FROM audit_events WHERE chain_id='tail' AND seq > 7");
    const r = await verify('tail');
    expect(r.broken).toBeNull();
    expect(r.ok).toBe(false);
    expect(r.checkpoint).toMatchObject({ seq: '10', status: 'truncated' });
  });

  it('[11.10(e)] a wholly rewritten chain disagrees with the signed checkpoint', async () => {
    await append(3, 'rewrite');
    await createCheckpoint(t.db, { chainId: 'rewrite', key: loadOrCreateServerKey(t.keyFile).key });
    // Rebuild the chain from scratch with different content, consistently hashed.
    await tamper("DELETE FROM audit_events WHERE chain_id='rewrite'");
    const c = await t.owner();
    await c.query("UPDATE audit_chain_heads SET seq=0, hash=decode(repeat('00',32),'hex') WHERE chain_id='rewrite'");
    await c.end();
    await append(3, 'rewrite');
    const r = await verify('rewrite');
    expect(r.broken).toBeNull();
    expect(r.ok).toBe(false);
    expect(r.checkpoint?.status).toBe('hash_mismatch');
  });
});
