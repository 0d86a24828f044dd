import { Transform, type TransformCallback } from 'node:stream';

// Parses PostgreSQL's binary COPY format (COPY ... TO STDOUT WITH (FORMAT binary)) into rows of
// raw field buffers. Binary COPY is the fastest way to stream a large table out of PostgreSQL,
// and hands us the stored bytes of text columns exactly, with no unescaping.

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

export class CopyBinaryParser extends Transform {
  private buf: Buffer = Buffer.alloc(0);
  private headerDone = false;
  private ended = false;

  constructor() {
    super({ readableObjectMode: true, readableHighWaterMark: 64 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    try {
      const rows = this.drain();
      if (rows.length > 0) this.push(rows);
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (!this.ended) return done(new Error('binary COPY stream ended without its trailer'));
    done();
  }

  /** Returns as many complete rows as the buffer holds (pushed as one array per chunk). */
  private drain(): Array<Array<Buffer | null>> {
    const out: Array<Array<Buffer | null>> = [];
    let off = 0;
    const b = this.buf;
    if (!this.headerDone) {
      if (b.length < 19) return out;
      if (!b.subarray(0, 11).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
      const extLen = b.readUInt32BE(15);
      if (b.length < 19 + extLen) return out;
      off = 19 + extLen;
      this.headerDone = true;
    }
    while (off + 2 <= b.length) {
      const n = b.readInt16BE(off);
      if (n === -1) {
        this.ended = true;
        off += 2;
        break;
      }
      let p = off + 2;
      const fields: Array<Buffer | null> = new Array(n);
      let complete = true;
      for (let i = 0; i < n; i++) {
        if (p + 4 > b.length) {
          complete = false;
          break;
        }
        const len = b.readInt32BE(p);
        p += 4;
        if (len === -1) {
          fields[i] = null;
          continue;
        }
        if (p + len > b.length) {
          complete = false;
          break;
        }
        fields[i] = b.subarray(p, p + len);
        p += len;
      }
      if (!complete) break;
      out.push(fields);
      off = p;
    }
    this.buf = off === b.length ? Buffer.alloc(0) : Buffer.from(b.subarray(off));
    return out;
  }
}
