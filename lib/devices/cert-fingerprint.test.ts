import { createHash, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { normalizeCertFingerprint } from '@/lib/devices/cert-fingerprint';
import { TEST_CERT_PEM } from '@/tests/helpers/test-cert';

const der = new X509Certificate(TEST_CERT_PEM).raw;
const sha = createHash('sha256').update(der).digest('hex');

describe('gateway certificate fingerprints', () => {
  it('[11.10(h)] a PEM certificate is named by the SHA-256 of its DER', () => {
    expect(normalizeCertFingerprint(TEST_CERT_PEM)).toEqual({ ok: true, fingerprint: sha });
    // What X509Certificate and openssl x509 -fingerprint -sha256 print, colons and upper case.
    expect(normalizeCertFingerprint(new X509Certificate(TEST_CERT_PEM).fingerprint256)).toEqual({ ok: true, fingerprint: sha });
  });

  it('[11.10(h)] 64 hex digits in any case, with or without colons, become lowercase hex', () => {
    expect(normalizeCertFingerprint(sha.toUpperCase())).toEqual({ ok: true, fingerprint: sha });
    expect(normalizeCertFingerprint(`  ${sha.match(/../g)!.join(':')}\n`)).toEqual({ ok: true, fingerprint: sha });
  });

  it('[11.10(h)] anything else is refused with the reason', () => {
    for (const [input, msg] of [
      [sha.slice(0, 63), /64 hex digits/],
      [`${sha}00`, /64 hex digits/],
      [sha.replace(/^./, 'g'), /64 hex digits/],
      [sha.match(/.{4}/g)!.join(':'), /64 hex digits/],
      ['sha256:' + sha, /64 hex digits/],
      ['-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----', /Not a PEM certificate/],
      ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', /cannot be read/],
      [`${TEST_CERT_PEM}\n${TEST_CERT_PEM}`, /not a chain/],
      ['-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----', /never a private key/],
    ] as const) {
      const r = normalizeCertFingerprint(input);
      expect(r.ok, input).toBe(false);
      if (!r.ok) expect(r.message).toMatch(msg);
    }
  });
});
