/** One chain per site; sharding by site is how the chain scales past one writer (ARCHITECTURE). */
export function defaultChainId(): string {
  return process.env.CUSTOS_CHAIN_ID || 'main';
}
