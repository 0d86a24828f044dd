import pg from 'pg';
import { appDatabaseUrl } from '@/lib/config/database-url';

// Plain node-postgres access for what Prisma does not do: streaming COPY for verification and
// exports, and the ingest hot path. Same application role as the Prisma client.
const globalForPg = globalThis as unknown as { custosPgPool?: pg.Pool; custosIngestPgPool?: pg.Pool };

export function getPgPool(): pg.Pool {
  globalForPg.custosPgPool ??= guardPool(new pg.Pool({ connectionString: appDatabaseUrl(), max: 4 }));
  return globalForPg.custosPgPool;
}

/**
 * The telemetry batches' connections, in node-postgres pipeline mode: a batch's statements go
 * out together where they do not wait for each other's answers (lib/db/pg-pipeline.ts,
 * lib/ingest/store-batch.ts). A pool of its own: pipeline mode refuses cursors, which the
 * exports and verification on the shared pool use.
 */
export function getIngestPgPool(): pg.Pool {
  globalForPg.custosIngestPgPool ??= guardPool(new pg.Pool({ connectionString: appDatabaseUrl(), max: 4, pipeline: true }));
  return globalForPg.custosIngestPgPool;
}

const guarded = new WeakSet<pg.Pool>();
const ignore = () => undefined;

/**
 * Makes a lost connection an error of the work using it, never of the process. An idle pooled
 * connection that the server closes (restart, pg_terminate_backend) is dropped by the pool
 * ('error' on the pool); and every client gets a listener of its own from the moment it
 * connects: node-postgres emits 'error' on a client whose connection ends, and between the pool
 * handing a fresh client over and the caller attaching its listener (one chunk from the server
 * can hold both the ready signal and the termination) there is otherwise none — an EventEmitter
 * 'error' without a listener ends the process. The client's next query then fails, and that
 * work is retried.
 */
export function guardPool(pool: pg.Pool): pg.Pool {
  if (guarded.has(pool)) return pool;
  guarded.add(pool);
  pool.on('error', ignore);
  pool.on('connect', (client) => client.on('error', ignore));
  return pool;
}

/** SQLSTATE classes and socket codes that mean the connection is gone, not that the data is wrong. */
const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * True when an error says the database connection was lost or refused (admin shutdown 57P01,
 * crash 57P02/57P03, class 08, a reset socket, "Connection terminated"): the work is retried,
 * never blamed on its input.
 */
export function isConnectionError(e: unknown): boolean {
  const err = e as { code?: string; message?: string } | null;
  const code = err?.code ?? '';
  if (CONNECTION_CODES.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
  return /Connection terminated|connection (?:is )?closed|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(err?.message ?? '');
}

/**
 * Runs `fn` on a client checked out of `pool`. While it is checked out the client has an
 * 'error' listener: node-postgres emits 'error' on a checked-out client whose connection the
 * server ends (57P01 on pg_terminate_backend, ECONNRESET), and an EventEmitter 'error' without
 * a listener ends the process. The query in flight fails with the same error; a client that
 * saw one is destroyed on release instead of going back to the pool.
 */
export async function withPooledClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient, markBroken: (e: Error) => void) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (e: Error) => (broken ??= e);
  client.on('error', onError);
  try {
    return await fn(client, onError);
  } catch (e) {
    if (isConnectionError(e)) broken ??= e as Error;
    throw e;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

/**
 * `fn` in one transaction on a pooled client (see withPooledClient): BEGIN (plus `setup`, e.g.
 * SET LOCAL statement_timeout), COMMIT; on any error ROLLBACK, and a connection that cannot even
 * roll back is not given back to the pool.
 */
export async function inPooledTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, setup = ''): Promise<T> {
  return withPooledClient(pool, async (client, markBroken) => {
    await client.query(setup ? `BEGIN; ${setup}` : 'BEGIN');
    try {
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch((re: Error) => markBroken(re));
      throw e;
    }
  });
}
