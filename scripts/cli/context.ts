import { createDb, type TDb } from '@/lib/db/client';
import { resolveDatabase } from '@/lib/db/resolve-database';

export type TOut = { json: boolean };

export function print(out: TOut, value: unknown, text: string) {
  console.log(out.json ? JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) : text);
}

/** Runs a command against the database (DATABASE_URL, or the embedded one) as the app role. */
export async function withDb<T>(fn: (db: TDb, appUrl: string) => Promise<T>): Promise<T> {
  const resolved = await resolveDatabase();
  const prisma = createDb(resolved.appUrl);
  try {
    return await fn(prisma, resolved.appUrl);
  } finally {
    await prisma.$disconnect();
    await resolved.close();
  }
}
