import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, checkConfigOrExit, parseConfig } from '@/lib/config/env';

const root = path.resolve(import.meta.dirname, '../..');

/** The variable names in the README's Configuration table. */
function readmeVariables(): string[] {
  const md = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = md.slice(md.indexOf('## Configuration'), md.indexOf('\n### ', md.indexOf('## Configuration')));
  return section
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .flatMap((l) => [...l.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]));
}

describe('one validated configuration', () => {
  it('[11.300(b)] [Annex 11 §4] a non-numeric CUSTOS_PASSWORD_MIN_LENGTH is refused instead of switching the minimum off', () => {
    expect(() => parseConfig({ CUSTOS_PASSWORD_MIN_LENGTH: 'twelve' })).toThrow(ConfigError);
    expect(() => parseConfig({ CUSTOS_PASSWORD_MIN_LENGTH: 'twelve' })).toThrow(/CUSTOS_PASSWORD_MIN_LENGTH: must be a whole number/);
    expect(() => parseConfig({ CUSTOS_LOCKOUT_THRESHOLD: '0' })).toThrow(/CUSTOS_LOCKOUT_THRESHOLD/);
    expect(() => parseConfig({ MQTT_URL: 'not a url' })).toThrow(/MQTT_URL/);
    expect(() => parseConfig({ CUSTOS_BACKUP_SCHEDULE: '25:00' })).toThrow(/CUSTOS_BACKUP_SCHEDULE/);
    expect(parseConfig({}).CUSTOS_PASSWORD_MIN_LENGTH).toBe(12);
    let code: number | null = null;
    checkConfigOrExit({ CUSTOS_PASSWORD_MIN_LENGTH: 'NaN' }, ((c: number) => {
      code = c;
      return undefined as never;
    }) as (c: number) => never);
    expect(code).toBe(2);
  });

  it('[Annex 11 §4] the CLI stops with exit code 2 at start on a bad value, naming the variable', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/custos.ts', '--help'], {
      cwd: root,
      env: { ...process.env, CUSTOS_PASSWORD_MIN_LENGTH: 'twelve' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('CUSTOS_PASSWORD_MIN_LENGTH');
  });

  it('[Annex 11 §4] the README Configuration table lists exactly the variables of the configuration module', () => {
    const documented = new Set(readmeVariables());
    const outside = new Set(['HOST', 'PORT', 'NEXTAUTH_SECRET', 'NEXTAUTH_URL']);
    expect(CONFIG_VARIABLES.filter((v) => !documented.has(v))).toEqual([]);
    expect([...documented].filter((v) => !outside.has(v) && !(CONFIG_VARIABLES as string[]).includes(v))).toEqual([]);
  });
});
