import argon2 from 'argon2';

// 21 CFR 11.300(a): passwords are stored only as Argon2id hashes (OWASP parameters:
// m = 19 MiB, t = 2, p = 1).
const OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}
