import type { TSignatureMeaning } from '@/lib/esign/meanings';
import type { TKindConfig } from '@/lib/records/kinds';

// Segregation of duties on one record version: author ≠ reviewer ≠ approver (configurable per
// kind), and nobody signs the same version twice with the same meaning.

export interface TPriorSignature {
  signerId: string;
  meaning: TSignatureMeaning;
}

export function checkSegregation(
  cfg: Pick<TKindConfig, 'distinctSigners' | 'authorMayNotSign'>,
  ctx: { signerId: string; meaning: TSignatureMeaning; versionAuthorId: string; prior: TPriorSignature[] },
): string | null {
  if (ctx.prior.some((p) => p.signerId === ctx.signerId && p.meaning === ctx.meaning)) {
    return `You have already signed this version with the meaning ${ctx.meaning}`;
  }
  if (cfg.authorMayNotSign.includes(ctx.meaning) && ctx.signerId === ctx.versionAuthorId) {
    return `The author of this version cannot sign it as ${ctx.meaning}`;
  }
  if (cfg.distinctSigners.includes(ctx.meaning)) {
    const clash = ctx.prior.find(
      (p) => p.signerId === ctx.signerId && p.meaning !== ctx.meaning && cfg.distinctSigners.includes(p.meaning),
    );
    if (clash) return `You signed this version as ${clash.meaning}; ${ctx.meaning} must come from someone else`;
  }
  return null;
}
