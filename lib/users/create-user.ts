import { z } from 'zod';
import { appendAudit } from '@/lib/audit/append-audit';
import type { TAuditActor } from '@/lib/audit/events';
import { hashPassword } from '@/lib/auth/password-hash';
import { checkPasswordPolicy } from '@/lib/auth/password-policy';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';

export const ZCreateUser = z.object({
  employeeId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/, 'Employee ID: 2–64 letters, digits, dot, dash or underscore'),
  displayName: z.string().trim().min(1, 'Name is required').max(200),
  email: z.email().max(320).nullish(),
  roleNames: z.array(z.string().min(1)).min(1, 'At least one role is required'),
  password: z.string(),
  mustChangePassword: z.boolean().default(true),
});
export type TCreateUser = z.input<typeof ZCreateUser>;

/**
 * Creates a user with roles. The password is hashed before the transaction (Argon2id is slow
 * and must not hold locks); user, roles and the audit event commit together.
 */
export async function createUser(db: TDb, input: TCreateUser, actor: TAuditActor) {
  const parsed = ZCreateUser.safeParse(input);
  if (!parsed.success) {
    const fields = Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0] ?? 'input'), i.message]));
    throw new AppError('BAD_REQUEST', Object.values(fields).join('; '), fields);
  }
  const u = parsed.data;
  const weak = checkPasswordPolicy(u.password, u);
  if (weak) throw new AppError('BAD_REQUEST', weak, { password: weak });
  const passwordHash = await hashPassword(u.password);

  return db.$transaction(async (tx) => {
    const roles = await tx.role.findMany({ where: { name: { in: u.roleNames } }, select: { id: true, name: true } });
    const missing = u.roleNames.filter((n) => !roles.some((r) => r.name === n));
    if (missing.length > 0) throw new AppError('BAD_REQUEST', `Unknown role: ${missing.join(', ')}`, { role: 'unknown' });
    const exists = await tx.user.findUnique({ where: { employeeId: u.employeeId }, select: { id: true } });
    if (exists) throw new AppError('CONFLICT', `Employee ID ${u.employeeId} is already in use`, { employeeId: 'taken' });

    const user = await tx.user.create({
      data: {
        employeeId: u.employeeId,
        displayName: u.displayName,
        email: u.email ?? null,
        passwordHash,
        mustChangePassword: u.mustChangePassword,
        roles: { create: roles.map((r) => ({ roleId: r.id })) },
      },
      select: { id: true, employeeId: true, displayName: true, email: true, status: true, mustChangePassword: true },
    });
    // 21 CFR 11.10(e): the creation is recorded with the change; never the password or its hash.
    await appendAudit(tx, [
      {
        actor,
        action: 'user.create',
        entityType: 'User',
        entityId: user.id,
        newValue: { ...user, roles: roles.map((r) => r.name).sort() },
        reason: actor.type === 'system' ? `provisioned by ${actor.id}` : null,
      },
    ]);
    return { ...user, roles: roles.map((r) => r.name).sort() };
  });
}
