import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { config } from '@/lib/config/env';

// 21 CFR 11.300: password rules. Limits are configurable (README); nothing is ever truncated:
// the whole password is checked and hashed.
// Validated (lib/config/env.ts): a non-numeric value stops the process instead of becoming NaN.
export const PASSWORD_MIN = config().CUSTOS_PASSWORD_MIN_LENGTH;
export const PASSWORD_MAX = Math.max(PASSWORD_MIN, config().CUSTOS_PASSWORD_MAX_LENGTH);
/** Inputs longer than this are refused before any hashing (a 10 MB password costs nothing). */
export const PASSWORD_INPUT_LIMIT = PASSWORD_MAX * 4;

const zxcvbn = new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });
const COMMON = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));

export interface TPasswordContext {
  employeeId: string;
  displayName?: string | null;
}

/** Returns the first rule the password breaks, or null. */
export function checkPasswordPolicy(password: string, ctx: TPasswordContext): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return `Password must be at least ${PASSWORD_MIN} characters`;
  if (length > PASSWORD_MAX) return `Password must be at most ${PASSWORD_MAX} characters`;
  const lower = password.toLowerCase();
  if (ctx.employeeId && lower.includes(ctx.employeeId.toLowerCase())) return 'Password must not contain your employee ID';
  const nameParts = (ctx.displayName ?? '').toLowerCase().split(/[\s.,'-]+/).filter((p) => p.length >= 3);
  if (nameParts.some((p) => lower.includes(p))) return 'Password must not contain your name';
  if (isCommon(lower)) return 'Password is on the list of commonly used passwords';
  const score = zxcvbn.check(password, [ctx.employeeId, ...nameParts]).score;
  if (score < 3) return 'Password is too easy to guess: use a longer phrase of unrelated words';
  return null;
}

/** Exact list entries, and list entries padded with digits or symbols ("password123456!"). */
function isCommon(lower: string): boolean {
  if (COMMON.has(lower)) return true;
  const core = lower.replace(/^[\d\W_]+|[\d\W_]+$/g, '');
  return core.length > 0 && core.length < lower.length && COMMON.has(core);
}
