// Password rules that do not need the database. Limits are configurable through the
// environment and documented in the README.
export const PASSWORD_MIN = Number(process.env.CUSTOS_PASSWORD_MIN_LENGTH ?? 12);
export const PASSWORD_MAX = Number(process.env.CUSTOS_PASSWORD_MAX_LENGTH ?? 128);

/** Returns the first rule the password breaks, or null. Never truncates. */
export function checkPasswordBasics(password: string, ctx: { employeeId: string; displayName?: string }): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return `Password must be at least ${PASSWORD_MIN} characters`;
  if (length > PASSWORD_MAX) return `Password must be at most ${PASSWORD_MAX} characters`;
  const lower = password.toLowerCase();
  if (ctx.employeeId && lower.includes(ctx.employeeId.toLowerCase())) return 'Password must not contain the employee ID';
  for (const part of (ctx.displayName ?? '').toLowerCase().split(/\s+/)) {
    if (part.length >= 3 && lower.includes(part)) return 'Password must not contain your name';
  }
  return null;
}
