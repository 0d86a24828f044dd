import { defaultChainId } from '@/lib/audit/chain-id';
import { AppError } from '@/lib/errors/app-error';

/** The `chain` of a viewer address, export or verification: this site's chain when absent. */
export function chainParam(v: unknown): string {
  if (v === undefined || v === null || v === '') return defaultChainId();
  if (typeof v !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(v)) throw new AppError('BAD_REQUEST', 'chain must be a chain id (letters, digits, dot, dash, underscore)', { chain: 'invalid' });
  return v;
}
