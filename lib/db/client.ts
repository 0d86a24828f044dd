import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@/lib/generated/prisma/client';
import { appDatabaseUrl } from '@/lib/config/database-url';

export type TDb = PrismaClient;
export type { Prisma } from '@/lib/generated/prisma/client';
export type TTx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

// One client per process, connected as the application role (never the table owner).
const globalForDb = globalThis as unknown as { custosDb?: PrismaClient };

export function createDb(url = appDatabaseUrl()): PrismaClient {
  const adapter = new PrismaPg({ connectionString: url, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
  return new PrismaClient({ adapter });
}

export function getDb(): PrismaClient {
  globalForDb.custosDb ??= createDb();
  return globalForDb.custosDb;
}
