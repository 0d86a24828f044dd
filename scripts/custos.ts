import '@/lib/config/check-at-start';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { createCheckpoint } from '@/lib/audit/create-checkpoint';
import { runVerification, verificationProblems } from '@/lib/audit/run-verification';
import { unfinishedExports } from '@/lib/audit/export/export-completion';
import { createDb } from '@/lib/db/client';
import { migrate } from '@/lib/db/migrate';
import { DatabaseUnreachableError, resolveDatabase, withClient } from '@/lib/db/resolve-database';
import { isAppError } from '@/lib/errors/app-error';
import { revealChangeSecret } from '@/lib/change-requests/get-change-request';
import { breakGlassUnlock } from '@/lib/users/break-glass-unlock';
import { UsageError, bigintFlag, parseFlags } from './cli/args';
import { BACKUP_USAGE, backupCommand } from './cli/backup';
import { withDb } from './cli/context';
import { devicesCommand } from './cli/devices';
import { PERSON_FLAGS, changeAsPerson } from './cli/person';
import { quarantineCommand, telemetryCommand } from './cli/telemetry';

const USAGE = `usage: npm run custos -- <command> [flags] [--json]

commands:
  db migrate                       apply pending SQL migrations (as the owner in DATABASE_URL)
  audit verify [--chain ID] [--from SEQ] [--to SEQ]
                                   verify the audit chain and its signed checkpoints
                                   (exit 0 intact, 1 broken); the verification is audited
  audit checkpoint [--chain ID] [--force]
                                   sign the current head of the audit chain
  users create --as EMPLOYEE_ID [--password-file FILE] --employee-id ID --name NAME --role ROLE [--role ROLE ...]
               --identity-method hr_record|id_document|in_person --identity-reference REF
               --identity-verified-by "FULL NAME" [--identity-evidence FILE.pdf|png|jpg ...]
               [--email EMAIL] [--reason TEXT]
                                   as the --as person (their password from FILE or a prompt): while the
                                   site is commissioning, create the user at once by their signature and
                                   print a one-time password; once live, file a change request
  users unlock --id EMPLOYEE_ID --reason TEXT --operator "FULL NAME"
                                   break-glass: unlock an account with the database owner's credentials
                                   (DATABASE_URL); audited naming the operator, raises a security alert

  devices add --as EMPLOYEE_ID [--password-file FILE] --id ID (--hmac-secret-hex HEX | --ecdsa-public-key-file PEM) [--key-version N]
              [--sensor SENSOR_ID ...] [--topic FILTER ...] [--firmware V] [--calibration-due YYYY-MM-DD]
              [--expected-interval S] [--limit-min X] [--limit-max X] [--limit-duration S] [--unit U]
              [--cert-file PEM | --cert-fingerprint HEX]
                                   register a telemetry device (HMAC, seed 000) or gateway (ECDSA, seed 001);
                                   a gateway may be named by its TLS client certificate (SHA-256 of its DER)
  devices rotate-key --as EMPLOYEE_ID [--password-file FILE] --id ID (--hmac-secret-hex HEX | --ecdsa-public-key-file PEM)
                                   add a key version (older versions stay verifiable)
  devices set-certificate --as EMPLOYEE_ID [--password-file FILE] --id ID (--cert-file PEM | --cert-fingerprint HEX | --clear)
                                   set, replace or remove a gateway's TLS client certificate
                                   devices add / rotate-key / set-certificate act like users create: applied while
                                   commissioning, a change request once live
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
        // 11.10(b): exports that started and have no completion in the chain (still running, or stopped).
        const unfinished = await unfinishedExports(prisma, { olderThanS: 60 });
        const tail = unfinished.length
          ? `\n${unfinished.length} export(s) started without a recorded completion: ${unfinished
              .slice(0, 20)
              .map((u) => `${u.exportId} (${u.format ?? '?'} by ${u.actorId}, started ${u.startedAt.toISOString()}, chain ${u.chainId} seq ${u.seq})`)
              .join('; ')}`
          : '';
        print(out, { ...r, unfinishedExports: unfinished }, text + tail);
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
          ...PERSON_FLAGS,
          'employee-id': { type: 'string' },
          name: { type: 'string' },
          role: { type: 'string', multiple: true },
          email: { type: 'string' },
          reason: { type: 'string' },
          'identity-method': { type: 'string' },
          'identity-reference': { type: 'string' },
          'identity-verified-by': { type: 'string' },
          'identity-evidence': { type: 'string', multiple: true },
        },
        ['as', 'employee-id', 'name', 'role', 'identity-method', 'identity-reference', 'identity-verified-by'],
      );
      const evidenceFiles = await Promise.all(
        ((f['identity-evidence'] as string[] | undefined) ?? []).map(async (file) => {
          const ext = path.extname(file).toLowerCase();
          const contentType = ext === '.pdf' ? 'application/pdf' : ext === '.png' ? 'image/png' : ext === '.jpg' || ext === '.jpeg' ? 'image/jpeg' : 'application/octet-stream';
          try {
            return { filename: path.basename(file), contentType, bytes: await readFile(file) };
          } catch (e) {
            throw new UsageError(`cannot read --identity-evidence: ${(e as Error).message}`);
          }
        }),
      );
      const out = { json: Boolean(f.json) };
      return withDb(async (db) => {
        const employeeId = f['employee-id'] as string;
        const { person, result } = await changeAsPerson(db, f, {
          kind: 'user.create',
          payload: {
            employeeId,
            displayName: f.name,
            email: (f.email as string | undefined) ?? null,
            roles: f.role,
            identity: { method: f['identity-method'], reference: f['identity-reference'], verifiedBy: f['identity-verified-by'] },
          },
          evidenceFiles,
          reason: (f.reason as string | undefined) ?? `user ${employeeId} provisioned from the command line`,
        });
        if (!result.applied) {
          print(out, { changeRequest: result.number, id: result.id, requiredApprovals: result.requiredApprovals, applied: false },
            `filed change request ${result.number}: ${result.requiredApprovals} other person(s) must approve; the one-time password is shown to ${person.employeeId} in the application once it is applied`);
          return 0;
        }
        const password = await revealChangeSecret(db, person, result.id);
        print(out, { changeRequest: result.number, id: result.id, applied: true, employeeId, roles: f.role, oneTimePassword: password },
          `created user ${employeeId} (${String(f.name)}) with roles ${(f.role as string[]).join(', ')} while commissioning (${result.number}, signed by ${person.employeeId})\none-time password (shown once, must be changed at first sign-in): ${password}`);
        return 0;
      });
    }
    case 'users unlock': {
      const f = parseFlags(rest, { id: { type: 'string' }, reason: { type: 'string' }, operator: { type: 'string' } }, ['id', 'reason', 'operator']);
      const out = { json: Boolean(f.json) };
      const db = await resolveDatabase();
      const prisma = createDb(db.ownerUrl);
      try {
        const r = await breakGlassUnlock(prisma, { employeeId: f.id as string, reason: f.reason as string, operator: f.operator as string });
        print(out, r, `BREAK-GLASS: unlocked ${r.employeeId} (${r.displayName}); audited at seq ${r.auditSeq} naming ${r.operator}, security alert raised`);
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
