import { readFile } from 'node:fs/promises';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { createCheckpoint } from '@/lib/audit/create-checkpoint';
import { runVerification, verificationProblems } from '@/lib/audit/run-verification';
import { createDb } from '@/lib/db/client';
import { migrate } from '@/lib/db/migrate';
import { DatabaseUnreachableError, resolveDatabase, withClient } from '@/lib/db/resolve-database';
import { isAppError } from '@/lib/errors/app-error';
import { createUser } from '@/lib/users/create-user';
import { UsageError, bigintFlag, parseFlags } from './cli/args';
import { BACKUP_USAGE, backupCommand } from './cli/backup';
import { devicesCommand } from './cli/devices';
import { quarantineCommand, telemetryCommand } from './cli/telemetry';

const USAGE = `usage: npm run custos -- <command> [flags] [--json]

commands:
  db migrate                       apply pending SQL migrations (as the owner in DATABASE_URL)
  audit verify [--chain ID] [--from SEQ] [--to SEQ]
                                   verify the audit chain and its signed checkpoints
                                   (exit 0 intact, 1 broken); the verification is audited
  audit checkpoint [--chain ID] [--force]
                                   sign the current head of the audit chain
  users create --employee-id ID --name NAME --role ROLE [--role ROLE ...] --password-file FILE
               [--email EMAIL] [--no-force-change]
                                   create a user (must change the password at first sign-in
                                   unless --no-force-change); audited as system:cli

  devices add --id ID (--hmac-secret-hex HEX | --ecdsa-public-key-file PEM) [--key-version N]
              [--sensor SENSOR_ID ...] [--topic FILTER ...] [--firmware V] [--calibration-due YYYY-MM-DD]
              [--expected-interval S] [--limit-min X] [--limit-max X] [--limit-duration S] [--unit U]
                                   register a telemetry device (HMAC, seed 000) or gateway (ECDSA, seed 001)
  devices rotate-key --id ID (--hmac-secret-hex HEX | --ecdsa-public-key-file PEM)
                                   add a key version (older versions stay verifiable)
  devices list                     devices, key versions and sensors
  telemetry list [--device ID] [--limit N]
                                   newest readings
  telemetry prove --id N           prove a reading's inclusion in its batch's Merkle root in the audit chain
  quarantine list [--status held|reinjected|discarded] [--limit N]
                                   rejected payloads, sealed
${BACKUP_USAGE}

With DATABASE_URL unset, commands use the embedded database in ./data (the running npm start's, if any).`;

type TOut = { json: boolean };

function print(out: TOut, value: unknown, text: string) {
  console.log(out.json ? JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2) : text);
}

async function main(argv: string[]): Promise<number> {
  const [group, verb, ...rest] = argv;
  const key = `${group ?? ''} ${verb ?? ''}`;
  if (group === '--help' || group === 'help' || group === '-h') {
    console.log(USAGE);
    return 0;
  }
  switch (key) {
    case 'db migrate': {
      const f = parseFlags(rest, {});
      const out = { json: Boolean(f.json) };
      const db = await resolveDatabase({ migrateEmbedded: false });
      try {
        if (db.embedded && !db.embedded.owned) {
          throw new UsageError('the embedded database is in use by a running npm start, which migrates it on start');
        }
        const r = await withClient(db.ownerUrl, (c) => migrate(c));
        if (db.embedded?.owned) await db.embedded.setAppRole();
        print(out, r, r.applied.length ? `applied: ${r.applied.join(', ')}` : `up to date (${r.alreadyApplied.length} migrations)`);
        return 0;
      } finally {
        await db.close();
      }
    }
    case 'audit verify': {
      const f = parseFlags(rest, { chain: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } });
      const out = { json: Boolean(f.json) };
      const fromSeq = bigintFlag(f.from, 'from');
      const toSeq = bigintFlag(f.to, 'to');
      const db = await resolveDatabase();
      const prisma = createDb(db.appUrl);
      try {
        const r = await withClient(db.appUrl, (c) =>
          runVerification(prisma, c, { actor: SYSTEM_CLI, chainId: f.chain as string | undefined, fromSeq, toSeq }),
        );
        const cp = r.checkpoint ? `; checkpoint seq ${r.checkpoint.seq}: ${r.checkpoint.status}` : '; no checkpoint';
        const sigs = `; ${r.signatures.checked} signatures checked`;
        const problems = verificationProblems(r);
        const text = [r.ok ? `OK chain ${r.chainId}: ${r.count} events, head seq ${r.headSeq} hash ${r.headHash}${cp}${sigs}` : problems.join('\n'), ...r.warnings.map((w) => `WARNING: ${w}`)].join('\n');
        print(out, r, text);
        return r.ok ? 0 : 1;
      } finally {
        await prisma.$disconnect();
        await db.close();
      }
    }
    case 'audit checkpoint': {
      const f = parseFlags(rest, { chain: { type: 'string' }, force: { type: 'boolean' } });
      const out = { json: Boolean(f.json) };
      const db = await resolveDatabase();
      const prisma = createDb(db.appUrl);
      try {
        const r = await createCheckpoint(prisma, { chainId: f.chain as string | undefined, force: Boolean(f.force) });
        const text = r.created
          ? `signed checkpoint for chain ${r.chainId} at seq ${r.seq} (key ${r.keyId.slice(0, 16)}…)`
          : r.seq === 0n
            ? `chain ${r.chainId} is empty: nothing to sign`
            : `the newest checkpoint already covers seq ${r.seq} (use --force to sign again)`;
        print(out, r, text);
        return 0;
      } finally {
        await prisma.$disconnect();
        await db.close();
      }
    }
    case 'users create': {
      const f = parseFlags(
        rest,
        {
          'employee-id': { type: 'string' },
          name: { type: 'string' },
          role: { type: 'string', multiple: true },
          'password-file': { type: 'string' },
          email: { type: 'string' },
          'no-force-change': { type: 'boolean' },
        },
        ['employee-id', 'name', 'role', 'password-file'],
      );
      const out = { json: Boolean(f.json) };
      let password: string;
      try {
        password = (await readFile(f['password-file'] as string, 'utf8')).replace(/\r?\n$/, '');
      } catch (e) {
        throw new UsageError(`cannot read --password-file: ${(e as Error).message}`);
      }
      const db = await resolveDatabase();
      const prisma = createDb(db.appUrl);
      try {
        const user = await createUser(
          prisma,
          {
            employeeId: f['employee-id'] as string,
            displayName: f.name as string,
            email: (f.email as string | undefined) ?? null,
            roleNames: f.role as string[],
            password,
            mustChangePassword: !f['no-force-change'],
          },
          SYSTEM_CLI,
        );
        print(out, user, `created user ${user.employeeId} (${user.displayName}) with roles ${user.roles.join(', ')}`);
        return 0;
      } finally {
        await prisma.$disconnect();
        await db.close();
      }
    }
    default:
      if (group === 'devices') return devicesCommand(verb, rest);
      if (group === 'telemetry') return telemetryCommand(verb, rest);
      if (group === 'quarantine') return quarantineCommand(verb, rest);
      if (group === 'backup') return backupCommand(verb, rest);
      throw new UsageError(group ? `unknown command: ${[group, verb].filter(Boolean).join(' ')}` : 'no command given');
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      console.error(`custos: ${e.message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (e instanceof DatabaseUnreachableError || isAppError(e) || (e as Error)?.name === 'MigrationError') {
      console.error(`custos: ${(e as Error).message}`);
      process.exit(1);
    }
    console.error('custos: unexpected error:', e);
    process.exit(1);
  },
);
