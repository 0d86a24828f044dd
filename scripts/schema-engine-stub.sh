#!/bin/sh
# Stand-in for Prisma's native schema engine, which cannot be installed here: `prisma generate`
# does not need it, and migrations are applied by lib/db/migrate.ts.
echo "schema engine not installed: migrations are applied by npm run db:migrate" >&2
exit 1
