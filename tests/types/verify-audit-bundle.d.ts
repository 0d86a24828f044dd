declare module '@/public/verify-audit-bundle.mjs' {
  export function jcs(value: unknown): string;
  export function verifyBundle(
    text: string,
    opts?: { keyId?: string },
  ):
    | { ok: true; events: number; checkpoints: number; keyId: string; coveredByCheckpoint: boolean; keyPinned: boolean }
    | { ok: false; reason: string; position?: number; seq?: string; index?: number; checkpoint?: number };
}
