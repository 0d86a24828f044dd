import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '@/lib/generated/prisma/client';
import { appDatabaseUrl } from '@/lib/config/database-url';
import { guardPool } from '@/lib/db/pg-pool';

export type TDb = PrismaClient;
export type { Prisma } from '@/lib/generated/prisma/client';
export type TTx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

// One client per process, connected as the application role (never the table owner).
const globalForDb = globalThis as unknown as { custosDb?: PrismaClient };

export function createDb(url = appDatabaseUrl()): PrismaClient {
  // Our own pool, guarded: a connection the server ends fails the query using it, not the process.
  const pool = guardPool(new pg.Pool({ connectionString: url, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) }));
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  return new PrismaClient({ adapter });
}

export function getDb(): PrismaClient {
  globalForDb.custosDb ??= createDb();
  return globalForDb.custosDb;
}
