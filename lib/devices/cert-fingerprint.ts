import { X509Certificate, createHash } from 'node:crypto';
import { z } from 'zod';

// A gateway's TLS client certificate is named by the SHA-256 of its DER encoding, as 64 lowercase
// hex digits (what nginx's $ssl_client_fingerprint gives for SHA-256, and openssl x509
// -fingerprint -sha256 with the colons removed). People paste it either as that hex — with or
// without colons, in any case — or as the PEM certificate itself, whose DER is hashed here.

export type TCertFingerprintResult = { ok: true; fingerprint: string } | { ok: false; message: string };

const PEM_CERT = /-----BEGIN CERTIFICATE-----/g;

export function normalizeCertFingerprint(input: string): TCertFingerprintResult {
  const text = input.trim();
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) return { ok: false, message: 'This is a private key: paste the gateway\'s certificate or its SHA-256 fingerprint, never a private key' };
  if (text.includes('-----BEGIN')) {
    const certs = text.match(PEM_CERT)?.length ?? 0;
    if (certs === 0) return { ok: false, message: 'Not a PEM certificate (expected -----BEGIN CERTIFICATE-----)' };
    if (certs > 1) return { ok: false, message: 'Paste only the gateway\'s own certificate, not a chain' };
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(text);
    } catch {
      return { ok: false, message: 'The PEM certificate cannot be read' };
    }
    return { ok: true, fingerprint: createHash('sha256').update(cert.raw).digest('hex') };
  }
  const hex = /^(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/.test(text) ? text.replace(/:/g, '') : text;
  if (!/^[0-9A-Fa-f]{64}$/.test(hex)) {
    return { ok: false, message: 'Certificate fingerprint: the SHA-256 of the certificate as 64 hex digits (colons allowed), or the PEM certificate' };
  }
  return { ok: true, fingerprint: hex.toLowerCase() };
}

/** Optional certificate input ('' or null: none) → the normalized fingerprint or null. */
export const ZCertFingerprint = z
  .string()
  .max(20_000)
  .nullish()
  .transform((v, ctx) => {
    if (v == null || v.trim() === '') return null;
    const r = normalizeCertFingerprint(v);
    if (r.ok) return r.fingerprint;
    ctx.addIssue({ code: 'custom', message: r.message });
    return z.NEVER;
  });
