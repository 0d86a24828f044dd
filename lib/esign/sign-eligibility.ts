import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { checkSegregation } from '@/lib/esign/sod-rules';
import { KIND_CONFIG, signPermissionFor, type TRecordKind } from '@/lib/records/kinds';
import type { TTransition } from '@/lib/records/lifecycle';
import type { TSignatureMeaning } from '@/lib/esign/meanings';

/**
 * Why this person may not sign this transition of this version, as the record page says it
 * before anyone types a password — or null. The signing service (sign-record.ts) applies the
 * same rules, in the same order, and is what actually refuses.
 */
export function signIneligibility(
  user: Pick<TCurrentUser, 'id' | 'permissions'>,
  kind: TRecordKind,
  t: Pick<TTransition, 'meaning'>,
  version: { authorId: string; prior: Array<{ signerId: string; meaning: TSignatureMeaning }> },
): string | null {
  const perm = signPermissionFor(kind, t.meaning);
  if (!perm) return `A ${KIND_CONFIG[kind].label.toLowerCase()} is not signed with the meaning ${t.meaning}`;
  if (!user.permissions.has(perm)) return `Requires the permission ${perm}`;
  return checkSegregation(KIND_CONFIG[kind], { signerId: user.id, meaning: t.meaning, versionAuthorId: version.authorId, prior: version.prior });
}
