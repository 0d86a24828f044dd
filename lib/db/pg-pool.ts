import pg from 'pg';
import { appDatabaseUrl } from '@/lib/config/database-url';

// Plain node-postgres access for what Prisma does not do: streaming COPY for verification and
// exports. Same application role as the Prisma client.
const globalForPg = globalThis as unknown as { custosPgPool?: pg.Pool };

export function getPgPool(): pg.Pool {
  globalForPg.custosPgPool ??= new pg.Pool({ connectionString: appDatabaseUrl(), max: 4 });
  return globalForPg.custosPgPool;
}
