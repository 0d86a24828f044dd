#!/usr/bin/env node
// Custos audit evidence bundle verifier. Zero dependencies: Node.js 18+ and node:crypto only.
//
//   node verify-audit-bundle.mjs bundle.json [--key-id <sha256 hex of the server key>]
//
// Checks, in order, and names the first problem:
//   1. the file is JSON in RFC 8785 canonical form (any added, removed or changed byte shows);
//   2. every event: hash = SHA-256(prev_hash || canonical), its canonical text names the same
//      seq and chain, and consecutive events link (prev_hash = previous hash);
//   3. every checkpoint: signed by the bundle's server key, and matching the bundled event at
//      its seq;
//   4. the server's signature over the whole bundle.
// Pin the server key with --key-id (the key id printed in Custos's exports and start-up log):
// without it, the bundle proves only that it is internally consistent.
// Exit code 0 when everything verifies, 1 when something does not, 2 on usage errors.

import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** RFC 8785 JSON Canonicalization Scheme. */
export function jcs(value) {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${jcs(value[k])}`).join(',')}}`;
}

function fail(reason, where = {}) {
  return { ok: false, reason, ...where };
}

function isHex(s, bytes) {
  return typeof s === 'string' && s.length === bytes * 2 && /^[0-9a-f]+$/.test(s);
}

/** Verifies bundle text; returns { ok, events, checkpoints, keyId } or { ok: false, reason, position?, seq?, index? }. */
export function verifyBundle(text, opts = {}) {
  let bundle;
  try {
    bundle = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec(String(e.message));
    return fail(`not valid JSON: ${e.message}`, m ? { position: Number(m[1]) } : {});
  }
  const canonical = jcs(bundle);
  if (canonical !== text) {
    let i = 0;
    while (i < canonical.length && canonical[i] === text[i]) i++;
    return fail('the file is not in canonical form: it was edited after export', { position: Buffer.byteLength(text.slice(0, i)) });
  }
  if (bundle.format !== 'custos.audit.bundle/1') return fail(`unknown format ${JSON.stringify(bundle.format)}`);
  const expectedKeys = 'chain_id,chain_verification,checkpoints,events,exported_at,exported_by,filter,format,server_public_key,server_signature';
  if (Object.keys(bundle).join(',') !== expectedKeys) return fail('unexpected or missing top-level fields');

  let key;
  let keyId;
  try {
    key = createPublicKey(bundle.server_public_key);
    keyId = createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');
  } catch {
    return fail('server_public_key is not a public key');
  }
  if (opts.keyId && opts.keyId !== keyId) return fail(`the bundle is signed by key ${keyId}, not the pinned key ${opts.keyId}`);

  const bySeq = new Map();
  let prev = null;
  for (let i = 0; i < bundle.events.length; i++) {
    const e = bundle.events[i];
    const at = { index: i, seq: e && e.seq };
    if (!e || Object.keys(e).join(',') !== 'canonical,hash,prev_hash,seq') return fail(`event #${i}: unexpected or missing fields`, at);
    if (!/^\d+$/.test(e.seq) || !isHex(e.hash, 32) || !isHex(e.prev_hash, 32) || typeof e.canonical !== 'string') {
      return fail(`event #${i}: malformed`, at);
    }
    const computed = createHash('sha256').update(Buffer.from(e.prev_hash, 'hex')).update(e.canonical, 'utf8').digest('hex');
    if (computed !== e.hash) return fail(`event seq ${e.seq}: hash does not equal SHA-256(prev_hash || canonical)`, at);
    let body;
    try {
      body = JSON.parse(e.canonical);
    } catch {
      return fail(`event seq ${e.seq}: canonical text is not JSON`, at);
    }
    if (body.seq !== e.seq || body.chain_id !== bundle.chain_id) return fail(`event seq ${e.seq}: its canonical text names seq ${body.seq} of chain ${body.chain_id}`, at);
    if (prev && BigInt(e.seq) <= BigInt(prev.seq)) return fail(`event seq ${e.seq}: out of order after seq ${prev.seq}`, at);
    if (prev && BigInt(e.seq) === BigInt(prev.seq) + 1n && e.prev_hash !== prev.hash) return fail(`event seq ${e.seq}: prev_hash does not link to seq ${prev.seq}`, at);
    bySeq.set(e.seq, e.hash);
    prev = e;
  }

  for (let i = 0; i < bundle.checkpoints.length; i++) {
    const c = bundle.checkpoints[i];
    const at = { checkpoint: i, seq: c && c.seq };
    if (!c || c.key_id !== keyId || c.public_key !== bundle.server_public_key) return fail(`checkpoint #${i}: not signed by the bundle's server key`, at);
    const payload = jcs({ chain_id: bundle.chain_id, hash: c.hash, key_id: c.key_id, seq: c.seq, signed_at: c.signed_at, type: 'custos.audit.checkpoint' });
    if (payload !== c.payload) return fail(`checkpoint #${i}: its fields disagree with its signed payload`, at);
    if (!isHex(c.signature, 64) || !verify('sha256', Buffer.from(c.payload, 'utf8'), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(c.signature, 'hex'))) {
      return fail(`checkpoint #${i} (seq ${c.seq}): signature does not verify`, at);
    }
    if (bySeq.has(c.seq) && bySeq.get(c.seq) !== c.hash) return fail(`checkpoint #${i}: the event at seq ${c.seq} differs from the one the server signed`, at);
  }

  const sig = bundle.server_signature;
  const unsigned = { ...bundle };
  delete unsigned.server_signature;
  const digest = createHash('sha256').update(jcs(unsigned), 'utf8').digest('hex');
  if (!sig || typeof sig !== 'object' || Object.keys(sig).join(',') !== 'alg,key_id,signed,value' || sig.alg !== 'ES256' || sig.signed !== 'sha256-hex') {
    return fail('server_signature is malformed');
  }
  if (sig.key_id !== keyId || !isHex(sig.value, 64) || !verify('sha256', Buffer.from(digest, 'utf8'), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig.value, 'hex'))) {
    return fail('the server signature over the bundle does not verify');
  }
  const last = bundle.events.at(-1);
  const covered = bundle.checkpoints.some((c) => last && BigInt(c.seq) >= BigInt(last.seq));
  return { ok: true, events: bundle.events.length, checkpoints: bundle.checkpoints.length, keyId, coveredByCheckpoint: covered, keyPinned: Boolean(opts.keyId) };
}

function main(argv) {
  const file = argv.find((a) => !a.startsWith('--'));
  const k = argv.indexOf('--key-id');
  const keyId = k >= 0 ? argv[k + 1] : undefined;
  if (!file || (k >= 0 && !/^[0-9a-f]{64}$/.test(keyId ?? ''))) {
    console.error('usage: node verify-audit-bundle.mjs bundle.json [--key-id <64 hex>]');
    return 2;
  }
  const r = verifyBundle(readFileSync(file, 'utf8'), { keyId });
  if (r.ok) {
    console.log(`OK: ${r.events} events, ${r.checkpoints} checkpoint(s), server key ${r.keyId}${r.keyPinned ? ' (pinned)' : ' (not pinned: pass --key-id to check it is the server you expect)'}`);
    if (!r.coveredByCheckpoint) console.log('note: no checkpoint in the bundle covers the last event');
    return 0;
  }
  const where = [r.seq !== undefined ? `seq ${r.seq}` : null, r.position !== undefined ? `byte ${r.position}` : null].filter(Boolean).join(', ');
  console.log(`FAILED${where ? ` (${where})` : ''}: ${r.reason}`);
  return 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(main(process.argv.slice(2)));
