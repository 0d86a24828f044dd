import { randomBytes } from 'node:crypto';
import { SYSTEM_BOOTSTRAP } from '@/lib/audit/events';
import type { TDb } from '@/lib/db/client';
import { createUser } from '@/lib/users/create-user';

export const FIRST_ADMIN_ID = 'admin';

/**
 * Creates the first administrator when the system has no users at all, with a one-time
 * password that must be changed at first sign-in. Returns null when users already exist.
 */
export async function bootstrapAdmin(db: TDb): Promise<{ employeeId: string; password: string } | null> {
  if ((await db.user.count()) > 0) return null;
  // 20 characters from a 57-symbol alphabet without look-alikes (~116 bits).
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = randomBytes(40);
  let password = '';
  for (const b of bytes) {
    if (b < 228) password += alphabet[b % 57];
    if (password.length === 20) break;
  }
  await createUser(
    db,
    {
      employeeId: FIRST_ADMIN_ID,
      displayName: 'First Administrator',
      roleNames: ['Administrator'],
      password,
      mustChangePassword: true,
    },
    SYSTEM_BOOTSTRAP,
  );
  return { employeeId: FIRST_ADMIN_ID, password };
}
