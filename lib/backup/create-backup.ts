import { custosVersion } from '@/lib/config/version';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { appendAudit } from '@/lib/audit/append-audit';
import { defaultChainId } from '@/lib/audit/chain-id';
import type { TAuditActor } from '@/lib/audit/events';
import { loadOrCreateServerKey } from '@/lib/audit/server-key';
import { loadOrCreateBackupKey } from '@/lib/backup/backup-key';
import { DEFAULT_CHUNK_SIZE, EncryptStream, FORMAT_VERSION } from '@/lib/backup/chunked-aead';
import { backupDir } from '@/lib/backup/config';
import { withBackupLock } from '@/lib/backup/lock';
import { manifestHash, signManifest, type TManifest } from '@/lib/backup/manifest';
import { dumpPglite } from '@/lib/backup/pglite-dump';
import { assertToolsMatch, serverVersion, spawnPgDump } from '@/lib/backup/pg-tools';
import { readSnapshotState } from '@/lib/backup/snapshot';
import { ownerDatabaseUrl } from '@/lib/config/database-url';
import type { TDb } from '@/lib/db/client';

export interface TBackupProgress {
  phase: 'snapshot' | 'dump' | 'manifest' | 'done';
  bytes: number;
}

export interface TCreatedBackup {
  id: string;
  fileName: string;
  size: number;
  manifestHash: string;
  manifest: TManifest;
  auditSeq: string;
}


/**
 * Backs up the whole database into CUSTOS_BACKUP_DIR: a consistent snapshot is dumped (pg_dump
 * -Fc, or the PGlite dump), encrypted in chunks while it streams (constant memory), hashed, and
 * described by a manifest signed with the server key that names the chain head inside the
 * snapshot. The catalogue row and the `backup.created` event (carrying the manifest hash) commit
 * together (21 CFR 11.10(c)(e), Annex 11 §7.2). One backup at a time across processes.
 */
export async function createBackup(
  db: TDb,
  opts: {
    actor: TAuditActor;
    ownerUrl?: string;
    chainId?: string;
    onProgress?: (p: TBackupProgress) => void;
    chunkSize?: number;
    /** The caller holds the backup lock already (the scheduler: it re-checks what is due under it). */
    locked?: boolean;
    /** The scheduled run this backup is (ISO time of its slot), recorded in `backup.created`. */
    scheduledFor?: string;
  },
): Promise<TCreatedBackup> {
  const ownerUrl = opts.ownerUrl ?? ownerDatabaseUrl();
  const chainId = opts.chainId ?? defaultChainId();
  const dir = backupDir();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const underLock = <T>(fn: () => Promise<T>) => (opts.locked ? fn() : withBackupLock(ownerUrl, dir, fn));
  return underLock(async () => {
    const key = loadOrCreateBackupKey();
    const server = loadOrCreateServerKey().key;
    const id = randomUUID();
    const client = new pg.Client({ connectionString: ownerUrl });
    await client.connect();
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const fileName = `custos-${stamp}-${id.slice(0, 8)}.backup`;
    const file = path.join(dir, fileName);
    const partial = `${file}.partial`;
    let bytes = 0;
    try {
      opts.onProgress?.({ phase: 'snapshot', bytes: 0 });
      const ver = await serverVersion(client);
      if (!ver.pglite) await assertToolsMatch(ver.major, ver.version);
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // The snapshot is taken by the first query of the transaction: export it first, so that
      // pg_dump and the head read below see exactly the same data.
      const snapshot = ver.pglite ? null : (await client.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0].s;
      const state = await readSnapshotState(client, chainId);
      const sha = createHash('sha256');
      const tap = new Transform({
        transform(chunk: Buffer, _e, cb) {
          sha.update(chunk);
          bytes += chunk.length;
          opts.onProgress?.({ phase: 'dump', bytes });
          cb(null, chunk);
        },
      });
      const enc = new EncryptStream(key.key, key.keyId, opts.chunkSize ?? DEFAULT_CHUNK_SIZE);
      let plainBytes = 0;
      const count = new Transform({
        transform(chunk: Buffer, _e, cb) {
          plainBytes += chunk.length;
          cb(null, chunk);
        },
      });
      const out = createWriteStream(partial, { mode: 0o600, flags: 'wx' });
      if (snapshot) {
        const dump = spawnPgDump(ownerUrl, snapshot);
        await Promise.all([pipeline(dump.stdout, count, enc, tap, out), dump.done]);
      } else {
        await pipeline(Readable.from(dumpPglite(client)), count, enc, tap, out);
      }
      await client.query('COMMIT');

      opts.onProgress?.({ phase: 'manifest', bytes });
      const createdAt = new Date().toISOString();
      const manifest: TManifest = {
        type: 'custos.backup.manifest',
        v: 1,
        backup_id: id,
        created_at: createdAt,
        custos_version: custosVersion(),
        engine: ver.pglite ? 'pglite' : 'postgres',
        dump_format: ver.pglite ? 'custos_copy_v1' : 'pg_dump_custom',
        postgres_major: ver.major,
        server_version: ver.version,
        migration_id: state.migrations.at(-1)?.name ?? '',
        migrations: state.migrations,
        chain: { chain_id: chainId, head_seq: state.headSeq, head_hash: state.headHash },
        checkpoint: state.checkpoint,
        file: fileName,
        size: bytes,
        plaintext_size: plainBytes,
        ciphertext_sha256: sha.digest('hex'),
        encryption: { alg: 'AES-256-GCM', format_version: FORMAT_VERSION, chunk_size: opts.chunkSize ?? DEFAULT_CHUNK_SIZE, key_id: key.keyIdHex },
        signing_key: { key_id: server.keyId, public_key_pem: server.publicKeyPem },
      };
      const signed = signManifest(manifest, server);
      const hash = manifestHash(manifest);
      await writeFile(`${file}.manifest.json`, JSON.stringify(signed, null, 2) + '\n', { mode: 0o600 });
      await rename(partial, file);

      const ev = await db.$transaction(async (tx) => {
        await tx.backup.create({
          data: {
            id,
            createdAt: new Date(createdAt),
            createdBy: opts.actor.id,
            engine: manifest.engine,
            fileName,
            sizeBytes: BigInt(bytes),
            ciphertextSha256: Buffer.from(manifest.ciphertext_sha256, 'hex'),
            manifest: manifest as object,
            manifestHash: Buffer.from(hash, 'hex'),
            manifestSignature: Buffer.from(signed.signature, 'hex'),
            chainId,
            headSeq: BigInt(state.headSeq),
            headHash: Buffer.from(state.headHash, 'hex'),
          },
          select: { id: true },
        });
        const [e] = await appendAudit(
          tx,
          [
            {
              actor: opts.actor,
              action: 'backup.created',
              entityType: 'Backup',
              entityId: id,
              newValue: {
                manifestHash: hash,
                file: fileName,
                size: bytes,
                ciphertextSha256: manifest.ciphertext_sha256,
                engine: manifest.engine,
                migrationId: manifest.migration_id,
                chainHead: manifest.chain,
                checkpointSeq: state.checkpoint?.seq ?? null,
                keyId: key.keyIdHex,
                ...(opts.scheduledFor ? { scheduledFor: opts.scheduledFor } : {}),
              },
              contextRef: `Backup:${id}`,
            },
          ],
          { chainId },
        );
        return e;
      });
      opts.onProgress?.({ phase: 'done', bytes });
      return { id, fileName, size: bytes, manifestHash: hash, manifest, auditSeq: ev.seq.toString() };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      // Nothing committed: leave no file that the catalogue and the chain do not name.
      await Promise.all([rm(partial, { force: true }), rm(file, { force: true }), rm(`${file}.manifest.json`, { force: true })]);
      throw e;
    } finally {
      await client.end().catch(() => undefined);
    }
  });
}
