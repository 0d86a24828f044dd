import { createHash, randomBytes } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import { open, seal } from '@/lib/crypto/secret-box';

// TOTP (RFC 6238, 30 s, 6 digits, SHA-1 as every authenticator app expects) for administrators.
// Seeds are stored sealed (AES-256-GCM) and bound to the user id.

export const MFA_ISSUER = 'Custos';

export function newMfaSecret(): string {
  return generateSecret();
}

export function sealMfaSecret(userId: string, secret: string): string {
  return seal(secret, `mfa:${userId}`);
}

export function openMfaSecret(userId: string, sealed: string): string {
  return open(sealed, `mfa:${userId}`).toString('utf8');
}

export function mfaUri(employeeId: string, secret: string): string {
  return generateURI({ issuer: MFA_ISSUER, label: employeeId, secret });
}

export async function verifyTotp(secret: string, token: string): Promise<boolean> {
  return (await matchTotpStep(secret, token)) !== null;
}

/**
 * The 30-second time step the code belongs to (now, or one step either side for clock drift),
 * or null. Callers refuse a step at or before the last accepted one (RFC 6238 §5.2: no reuse).
 */
export async function matchTotpStep(secret: string, token: string, now = Date.now()): Promise<number | null> {
  if (!/^\d{6}$/.test(token)) return null;
  const current = Math.floor(now / 30_000);
  for (const step of [current, current - 1, current + 1]) {
    try {
      const r = await verify({ secret, token, epoch: step * 30 });
      if (r.valid) return step;
    } catch {
      return null;
    }
  }
  return null;
}

/** Ten single-use recovery codes, shown once; only their SHA-256 is kept (they are random). */
export function newRecoveryCodes(): string[] {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  return Array.from({ length: 10 }, () => {
    const b = randomBytes(10);
    const chars = [...b].map((x) => alphabet[x % alphabet.length]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(code.trim().toLowerCase()).digest('hex');
}

export function looksLikeRecoveryCode(s: string): boolean {
  return /^[a-z2-9]{5}-[a-z2-9]{5}$/i.test(s.trim());
}
