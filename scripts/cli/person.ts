import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { cliPerson } from '@/lib/auth/cli-person';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TRequestChangeInput, TRequestChangeResult } from '@/lib/change-requests/request-change';
import { requestChange } from '@/lib/change-requests/request-change';
import type { TDb } from '@/lib/db/client';
import { siteState } from '@/lib/site/site-state';
import { UsageError } from './args';

/** `--as EMPLOYEE_ID` and `--password-file FILE`: the person a command acts as. */
export const PERSON_FLAGS = { as: { type: 'string' }, 'password-file': { type: 'string' } } as const;

async function promptHidden(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WritableStream };
  process.stderr.write(question);
  out._writeToOutput = () => undefined;
  try {
    return await new Promise<string>((resolve) => rl.question('', resolve));
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

/** The password of the --as person: from --password-file, or asked on a terminal. Never an argument. */
export async function personPassword(f: Record<string, unknown>): Promise<string> {
  if (!f.as) throw new UsageError('missing --as EMPLOYEE_ID: this command acts as a named person (their password from --password-file or a prompt)');
  if (typeof f['password-file'] === 'string') {
    try {
      return (await readFile(f['password-file'], 'utf8')).replace(/\r?\n$/, '');
    } catch (e) {
      throw new UsageError(`cannot read --password-file: ${(e as Error).message}`);
    }
  }
  if (!process.stdin.isTTY) throw new UsageError('give --password-file FILE (no terminal to ask for the password of --as)');
  return promptHidden(`Password for ${String(f.as)}: `);
}

/**
 * Runs a change as the --as person with the application's rules: applied at once by their
 * signature while the site is commissioning, otherwise filed as a change request.
 */
export async function changeAsPerson(
  db: TDb,
  f: Record<string, unknown>,
  change: Omit<TRequestChangeInput, 'mode' | 'employeeId' | 'password'>,
): Promise<{ person: TCurrentUser; result: TRequestChangeResult }> {
  const password = await personPassword(f);
  const person = await cliPerson(db, String(f.as), password);
  const commissioning = (await siteState(db)).phase === 'commissioning' && person.permissions.has('site.commission');
  const result = await requestChange(db, person, commissioning ? { ...change, mode: 'commission', employeeId: person.employeeId, password } : { ...change, mode: 'request' });
  return { person, result };
}
