/**
 * A JSON number kept as the exact text it had in the source bytes.
 *
 * Telemetry is signed over Python's `json.dumps` text, which writes floats with `repr`
 * (`2.0`, `1e-07`, `1e+16`, `-0.0`) and integers of any size (`18446744073709551617`).
 * A JS number cannot carry any of those faithfully, so numbers never become one on the
 * verification path. Convert deliberately where a value is needed (`toNumber`, `BigInt(text)`).
 */
export class JsonNumber {
  constructor(readonly text: string) {}

  /** True when the literal has no fraction and no exponent (Python parses it as an `int`). */
  get isInteger(): boolean {
    for (let i = 0; i < this.text.length; i++) {
      const c = this.text.charCodeAt(i);
      if (c === 0x2e || c === 0x65 || c === 0x45) return false;
    }
    return true;
  }

  /** The nearest double; lossy for long integers and for `-0` written as an integer. */
  toNumber(): number {
    return Number(this.text);
  }

  toString(): string {
    return this.text;
  }
}

/**
 * Plain objects with own, enumerable properties only. A `__proto__` key is an own property
 * (as with JSON.parse), never the prototype. Read keys with Object.hasOwn, not `in`.
 */
export type TJsonObject = { [key: string]: TJsonValue };
export type TJsonValue = null | boolean | string | JsonNumber | TJsonValue[] | TJsonObject;

export function isJsonObject(value: TJsonValue | undefined): value is TJsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}
