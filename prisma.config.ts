import { defineConfig } from 'prisma/config';

// Migrations are applied by lib/db/migrate.ts (`npm run db:migrate`), which records them in
// Prisma's _prisma_migrations format so `prisma migrate deploy` stays usable where Prisma's
// schema engine is installed.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/custos' },
});
