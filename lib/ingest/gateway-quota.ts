// Per-source limits of the HTTP gateway endpoint (seed 004: malformed input is refused at the
// ingress so it cannot exhaust the system). A source is an authenticated gateway
// (`gateway:<id>`) or, for what did not authenticate, the client address (`address:<ip>`).
//   - requests per second: a token bucket per source;
//   - quarantined bytes per hour: sixty one-minute buckets per source.
// Over either, the request is answered 429 with Retry-After and nothing is stored. The counts
// live in this process (like the sign-in throttle): a restart starts them afresh, which can only
// let more through for an hour, never refuse a request that is within its limits.

export type TQuotaVerdict = { ok: true } | { ok: false; reason: 'rate' | 'quarantine_bytes'; retryAfterS: number };

interface TBucket {
  tokens: number;
  at: number;
}

interface TBytes {
  /** minute (epoch minutes) → bytes quarantined in it */
  minutes: Map<number, number>;
  seenAt: number;
}

const MAX_SOURCES = 100_000;

export class SourceQuota {
  private readonly buckets = new Map<string, TBucket>();
  private readonly bytes = new Map<string, TBytes>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one request from the source's bucket (`rate` per second, up to `burst` at once); rate 0: no limit. */
  take(source: string, rate: number, burst: number): TQuotaVerdict {
    if (rate <= 0) return { ok: true };
    const t = this.now();
    let b = this.buckets.get(source);
    if (!b) {
      if (this.buckets.size >= MAX_SOURCES) this.evict(this.buckets, (x) => x.at);
      b = { tokens: burst, at: t };
      this.buckets.set(source, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * rate);
    b.at = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, reason: 'rate', retryAfterS: Math.max(1, Math.ceil((1 - b.tokens) / rate)) };
  }

  /** Reserves `n` quarantine bytes in the source's last hour (limit 0: no limit). */
  reserveQuarantine(source: string, n: number, limitPerHour: number): TQuotaVerdict {
    if (limitPerHour <= 0) return { ok: true };
    const t = this.now();
    const minute = Math.floor(t / 60_000);
    let b = this.bytes.get(source);
    if (!b) {
      if (this.bytes.size >= MAX_SOURCES) this.evict(this.bytes, (x) => x.seenAt);
      b = { minutes: new Map(), seenAt: t };
      this.bytes.set(source, b);
    }
    b.seenAt = t;
    let used = 0;
    for (const [m, v] of b.minutes) {
      if (m <= minute - 60) b.minutes.delete(m);
      else used += v;
    }
    if (used + n > limitPerHour) {
      // When enough of the oldest minutes have aged out of the hour for this body to fit.
      let freed = 0;
      let retryAt = minute + 1;
      for (const m of [...b.minutes.keys()].sort((x, y) => x - y)) {
        freed += b.minutes.get(m)!;
        retryAt = m + 61;
        if (used - freed + n <= limitPerHour) break;
      }
      return { ok: false, reason: 'quarantine_bytes', retryAfterS: Math.max(1, Math.ceil((retryAt * 60_000 - t) / 1000)) };
    }
    b.minutes.set(minute, (b.minutes.get(minute) ?? 0) + n);
    return { ok: true };
  }

  /** Drops the tenth of the sources seen longest ago (a flood of distinct addresses cannot grow memory without bound). */
  private evict<T>(map: Map<string, T>, at: (x: T) => number): void {
    const oldest = [...map.entries()].sort((a, b) => at(a[1]) - at(b[1])).slice(0, Math.ceil(map.size / 10));
    for (const [k] of oldest) map.delete(k);
  }
}
