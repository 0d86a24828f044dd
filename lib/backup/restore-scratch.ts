import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { verifyChain, type TVerifyResult } from '@/lib/audit/verify-chain';
import { decryptBackup, verifyBackupFile, type TOpenedBackup } from '@/lib/backup/open-backup';
import { loadPglite } from '@/lib/backup/pglite-dump';
import { assertToolsMatch, serverVersion, spawnPgRestore } from '@/lib/backup/pg-tools';
import { migrationsDiffer } from '@/lib/backup/snapshot';
import { migrate } from '@/lib/db/migrate';
import { verifySignatures } from '@/lib/esign/verify-signatures';

// A backup is never restored straight over a live database: it goes into a scratch database
// (a new PostgreSQL database on the same server, or a new PGlite data directory), where the whole
// audit chain is verified and its head compared with the manifest's. Only then may it be used.

export type TScratch =
  | { engine: 'postgres'; database: string; url: string }
  | { engine: 'pglite'; dir: string };

export interface TScratchCheck {
  ok: boolean;
  /** Why not, in one sentence; null when ok. */
  reason: string | null;
  chain: Pick<TVerifyResult, 'ok' | 'count' | 'headSeq' | 'headHash' | 'broken' | 'checkpoint'>;
  headMatchesManifest: boolean;
  signaturesChecked: number;
  invalidSignatures: number;
  plaintextBytes: number;
}

/** An open scratch database: a pg client on it (its owner), and how to close it. */
export interface TOpenScratch {
  scratch: TScratch;
  client: pg.Client;
  close(): Promise<void>;
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

/** Serves a PGlite data directory on a loopback port, as the embedded database does. */
export async function servePglite(dir: string): Promise<{ db: PGlite; url: string; stop(): Promise<void> }> {
  await mkdir(dir, { recursive: true });
  const db = await PGlite.create(dir);
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 8 });
  await server.start();
  return {
    db,
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/**
 * Verifies the file (every chunk, the ciphertext hash) first, then restores it into a new
 * scratch database. For PostgreSQL: `database` on the server of `ownerUrl` (created here; must
 * not exist). For PGlite: the data directory `dir` (must be empty or absent).
 * A failure drops what was created: no partial restore is left behind.
 */
export async function restoreIntoScratch(
  b: TOpenedBackup,
  target: { ownerUrl: string; database: string } | { dir: string },
): Promise<TOpenScratch & { plaintextBytes: number }> {
  await verifyBackupFile(b);
  if (b.manifest.engine === 'postgres') {
    if (!('database' in target)) throw new Error('a PostgreSQL backup is restored into a PostgreSQL database');
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(target.database)) throw new Error(`not a safe database name: ${target.database}`);
    const admin = new pg.Client({ connectionString: target.ownerUrl });
    await admin.connect();
    try {
      const ver = await serverVersion(admin);
      if (ver.pglite) throw new Error('a PostgreSQL backup cannot be restored into PGlite');
      if (ver.major !== b.manifest.postgres_major) {
        throw new Error(`The backup is of PostgreSQL ${b.manifest.postgres_major}; this server is ${ver.version}: restore it on a PostgreSQL ${b.manifest.postgres_major} server`);
      }
      await assertToolsMatch(ver.major, ver.version);
      await admin.query(`CREATE DATABASE ${target.database}`);
    } finally {
      await admin.end();
    }
    const url = withDatabase(target.ownerUrl, target.database);
    const drop = async () => {
      const a = new pg.Client({ connectionString: target.ownerUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${target.database} WITH (FORCE)`).finally(() => a.end());
    };
    try {
      const restore = spawnPgRestore(url);
      const [{ plaintextBytes }] = await Promise.all([decryptBackup(b, restore.stdin), restore.done]);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return {
        scratch: { engine: 'postgres', database: target.database, url },
        client,
        plaintextBytes,
        close: async () => void (await client.end().catch(() => undefined)),
      };
    } catch (e) {
      await drop().catch(() => undefined);
      throw e;
    }
  }
  if (!('dir' in target)) throw new Error('a PGlite backup is restored into a PGlite data directory');
  const differ = await migrationsDiffer(b.manifest.migrations);
  if (differ) throw new Error(differ);
  const served = await servePglite(target.dir);
  let client: pg.Client | null = null;
  try {
    client = new pg.Client({ connectionString: served.url });
    await client.connect();
    await migrate(client);
    const pass = new PassThrough({ highWaterMark: 1 << 20 });
    const loading = loadPglite(served.db, pass).catch((e: unknown) => {
      pass.destroy(e as Error);
      throw e;
    });
    const [{ plaintextBytes }] = await Promise.all([decryptBackup(b, pass), loading]);
    const c = client;
    return {
      scratch: { engine: 'pglite', dir: target.dir },
      client: c,
      plaintextBytes,
      close: async () => {
        await c.end().catch(() => undefined);
        await served.stop();
      },
    };
  } catch (e) {
    await client?.end().catch(() => undefined);
    await served.stop().catch(() => undefined);
    await rm(target.dir, { recursive: true, force: true });
    throw e;
  }
}

/** Drops a scratch database (drills; a restore keeps its target). */
export async function dropScratch(s: TScratch, ownerUrl: string): Promise<void> {
  if (s.engine === 'pglite') {
    await rm(s.dir, { recursive: true, force: true });
    return;
  }
  const a = new pg.Client({ connectionString: ownerUrl });
  await a.connect();
  try {
    await a.query(`DROP DATABASE IF EXISTS ${s.database} WITH (FORCE)`);
  } finally {
    await a.end();
  }
}

export function scratchName(prefix: 'custos_drill' | 'custos_restored', label = randomBytes(4).toString('hex')): string {
  return `${prefix}_${label.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}

/**
 * The checks a restored database must pass: the whole chain verifies (links, hashes, every
 * signed checkpoint against the manifest's key), every e-signature still matches its record, and
 * the head is exactly the manifest's (seq and hash).
 */
export async function checkScratch(client: pg.ClientBase, b: TOpenedBackup, plaintextBytes: number): Promise<TScratchCheck> {
  const m = b.manifest;
  const chain = await verifyChain(client, { chainId: m.chain.chain_id, trustedPublicKeyPem: m.signing_key.public_key_pem });
  const sigs = await verifySignatures(client);
  const headMatchesManifest = chain.headSeq === m.chain.head_seq && chain.headHash === m.chain.head_hash;
  const reason = chain.broken
    ? `The restored chain breaks at seq ${chain.broken.seq}: ${chain.broken.reason} (${chain.broken.detail})`
    : !chain.ok
      ? `The restored chain contradicts a signed checkpoint: ${chain.checkpoint?.detail}`
      : !headMatchesManifest
        ? `The restored chain ends at seq ${chain.headSeq} (${chain.headHash.slice(0, 16)}…), the manifest names seq ${m.chain.head_seq} (${m.chain.head_hash.slice(0, 16)}…)`
        : sigs.invalid.length
          ? `${sigs.invalid.length} electronic signature(s) no longer match their records`
          : null;
  return {
    ok: reason === null,
    reason,
    chain: { ok: chain.ok, count: chain.count, headSeq: chain.headSeq, headHash: chain.headHash, broken: chain.broken, checkpoint: chain.checkpoint },
    headMatchesManifest,
    signaturesChecked: sigs.checked,
    invalidSignatures: sigs.invalid.length,
    plaintextBytes,
  };
}
