import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

export type TOptions = NonNullable<ParseArgsConfig['options']>;

/** Strict flag parsing: unknown flags and missing required ones are usage errors (exit 2). */
export function parseFlags<T extends TOptions>(args: string[], options: T, required: Array<keyof T & string> = []) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, json: { type: 'boolean' } }, strict: true, allowPositionals: false });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  for (const name of required) {
    if (values[name] === undefined || values[name] === '') throw new UsageError(`missing --${name}`);
  }
  return values;
}

export function bigintFlag(value: unknown, name: string): bigint | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d{1,18}$/.test(value)) throw new UsageError(`--${name} must be a whole number`);
  return BigInt(value);
}
