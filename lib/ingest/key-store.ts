import { createPublicKey, type KeyObject } from 'node:crypto';
import { open } from '@/lib/crypto/secret-box';
import type { TDb } from '@/lib/db/client';

export interface TDeviceConfig {
  id: string;
  kind: 'hmac' | 'ecdsa';
  status: string;
  calibrationDue: Date | null;
  allowedTopics: string[];
  expectedIntervalS: number | null;
  limitMin: number | null;
  limitMax: number | null;
  limitMinDurationS: number;
  unit: string | null;
  /** SHA-256 (lowercase hex) of the gateway's TLS client certificate, DER; null when none is registered. */
  certFingerprint: string | null;
}

/**
 * Devices, opened HMAC secrets and parsed public keys, held in memory by the worker and the
 * HTTP endpoint. Reloaded periodically, and on an unknown device at most once per second, so a
 * device registered a moment ago is recognised without a restart.
 */
export class DeviceKeyStore {
  private devices = new Map<string, TDeviceConfig>();
  private hmac = new Map<string, Buffer>(); // `${deviceId}\u0000${version}`
  private gateways = new Map<string, { gatewayId: string; publicKey: KeyObject }>(); // sensorId → newest key
  private byCertFingerprint = new Map<string, string>(); // certificate SHA-256 → device id
  private loadedAt = 0;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly db: TDb,
    private readonly maxAgeMs = 30_000,
  ) {}

  /** When the maps were last loaded (ms since the epoch; 0 never). */
  get loadedAtMs(): number {
    return this.loadedAt;
  }

  async load(): Promise<void> {
    this.loading ??= this.doLoad().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async doLoad(): Promise<void> {
    const rows = await this.db.device.findMany({
      select: {
        id: true,
        kind: true,
        status: true,
        calibrationDue: true,
        allowedTopics: true,
        expectedIntervalS: true,
        limitMin: true,
        limitMax: true,
        limitMinDurationS: true,
        unit: true,
        certFingerprint: true,
        keys: { where: { retiredAt: null }, orderBy: { version: 'asc' }, select: { version: true, hmacSecretEnc: true, publicKeyPem: true } },
        sensors: { select: { sensorId: true } },
      },
    });
    const devices = new Map<string, TDeviceConfig>();
    const hmac = new Map<string, Buffer>();
    const gateways = new Map<string, { gatewayId: string; publicKey: KeyObject }>();
    const byCertFingerprint = new Map<string, string>();
    for (const d of rows) {
      const { keys, sensors, ...cfg } = d;
      devices.set(d.id, cfg as TDeviceConfig);
      if (d.certFingerprint) byCertFingerprint.set(d.certFingerprint, d.id);
      for (const k of keys) {
        if (k.hmacSecretEnc) hmac.set(`${d.id}\u0000${k.version}`, open(k.hmacSecretEnc, `device:${d.id}:${k.version}`));
      }
      const newest = keys.filter((k) => k.publicKeyPem).at(-1);
      if (newest?.publicKeyPem) {
        const publicKey = createPublicKey(newest.publicKeyPem);
        for (const s of sensors) gateways.set(s.sensorId, { gatewayId: d.id, publicKey });
      }
    }
    this.devices = devices;
    this.hmac = hmac;
    this.gateways = gateways;
    this.byCertFingerprint = byCertFingerprint;
    this.loadedAt = Date.now();
  }

  /** Reload when stale, or when asked about something unknown (rate-limited). */
  async refreshIfNeeded(unknownSeen: boolean): Promise<void> {
    const age = Date.now() - this.loadedAt;
    if (age > this.maxAgeMs || (unknownSeen && age > 1000)) await this.load();
  }

  device(id: string): TDeviceConfig | undefined {
    return this.devices.get(id);
  }

  hmacKey(deviceId: string, version: number): Buffer | null | 'unknown_key_version' {
    const d = this.devices.get(deviceId);
    if (!d || d.kind !== 'hmac' || d.status !== 'active') return null;
    return this.hmac.get(`${deviceId}\u0000${version}`) ?? 'unknown_key_version';
  }

  gatewayFor(sensorId: string): { gatewayId: string; publicKey: KeyObject } | null {
    const g = this.gateways.get(sensorId);
    if (!g || this.devices.get(g.gatewayId)?.status !== 'active') return null;
    return g;
  }

  /**
   * The gateway whose registered TLS client certificate has this SHA-256 (64 hex digits, any case,
   * colons allowed, as a TLS terminator may write it), or null: unknown, not a 64-hex fingerprint,
   * or the device is not an active ECDSA gateway.
   */
  gatewayForCertFingerprint(fp: string): string | null {
    const hex = fp.trim().replace(/:/g, '').toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(hex)) return null;
    const id = this.byCertFingerprint.get(hex);
    if (!id) return null;
    const d = this.devices.get(id);
    return d && d.kind === 'ecdsa' && d.status === 'active' ? id : null;
  }
}
