import { Transform, type TransformCallback } from 'node:stream';

// Parses PostgreSQL's binary COPY format (COPY ... TO STDOUT WITH (FORMAT binary)) into rows of
// raw field buffers. Binary COPY is the fastest way to stream a large table out of PostgreSQL,
// and hands us the stored bytes of text columns exactly, with no unescaping.
//
// Fields are views (subarray) into the incoming chunks, never copies. Only the one row that
// straddles two chunks is joined, and only its own bytes: joining the whole chunk each time
// (nearly every chunk ends mid-row) copied every byte once more and kept the GC busy.

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_LEN = 19; // signature (11) + flags (4) + header extension length (4)

export class CopyBinaryParser extends Transform {
  /** Unparsed bytes: the tail of the previous chunk, or several chunks when one row spans them. */
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private headerDone = false;
  private ended = false;

  constructor() {
    super({ readableObjectMode: true, readableHighWaterMark: 64 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      const rows: Array<Array<Buffer | null>> = [];
      let off = 0;
      if (this.pendingLen > 0 && !this.ended) {
        this.pending.push(chunk);
        this.pendingLen += chunk.length;
        const len = this.pendingUnitLength();
        if (len < 0) return done(); // still incomplete: keep the views, join later
        // The unit began before this chunk, so it ends inside it.
        const before = this.pendingLen - chunk.length;
        off = len - before;
        const parts = this.pending.slice(0, -1);
        parts.push(chunk.subarray(0, off));
        const joined = Buffer.concat(parts, len);
        this.pending = [];
        this.pendingLen = 0;
        if (this.parse(joined, 0, rows) !== len) throw new Error('binary COPY stream is malformed');
      }
      if (!this.ended) {
        off = this.parse(chunk, off, rows);
        if (off < chunk.length && !this.ended) {
          this.pending = [chunk.subarray(off)];
          this.pendingLen = chunk.length - off;
        }
      }
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

  /** Parses the header, complete rows and the trailer from `b` at `off`; returns where it stopped. */
  private parse(b: Buffer, off: number, out: Array<Array<Buffer | null>>): number {
    if (!this.headerDone) {
      if (b.length - off < HEADER_LEN) return off;
      if (!b.subarray(off, off + 11).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
      const extLen = b.readUInt32BE(off + 15);
      if (b.length - off < HEADER_LEN + extLen) return off;
      off += HEADER_LEN + extLen;
      this.headerDone = true;
    }
    const end = b.length;
    while (off + 2 <= end) {
      const n = b.readInt16BE(off);
      if (n === -1) {
        this.ended = true;
        return off + 2;
      }
      let p = off + 2;
      const fields: Array<Buffer | null> = new Array(n);
      let i = 0;
      for (; i < n; i++) {
        if (p + 4 > end) break;
        const len = b.readInt32BE(p);
        p += 4;
        if (len === -1) {
          fields[i] = null;
          continue;
        }
        if (p + len > end) break;
        fields[i] = b.subarray(p, p + len);
        p += len;
      }
      if (i < n) break;
      out.push(fields);
      off = p;
    }
    return off;
  }

  /** Byte length of the next unit (header, row or trailer) held in `pending`, or -1 if incomplete. */
  private pendingUnitLength(): number {
    if (!this.headerDone) {
      if (this.pendingLen < HEADER_LEN) return -1;
      const total = HEADER_LEN + this.readPending(15, 4);
      return this.pendingLen >= total ? total : -1;
    }
    if (this.pendingLen < 2) return -1;
    const n = this.readPending(0, 2);
    if (n === -1) return 2;
    let p = 2;
    for (let i = 0; i < n; i++) {
      if (p + 4 > this.pendingLen) return -1;
      const len = this.readPending(p, 4);
      p += 4 + (len > 0 ? len : 0);
      if (p > this.pendingLen) return -1;
    }
    return p;
  }

  /** Big-endian signed int of `size` bytes at `pos` across the pending parts. */
  private readPending(pos: number, size: 2 | 4): number {
    let i = 0;
    while (pos >= this.pending[i].length) pos -= this.pending[i++].length;
    const part = this.pending[i];
    if (pos + size <= part.length) return size === 2 ? part.readInt16BE(pos) : part.readInt32BE(pos);
    const tmp = Buffer.allocUnsafe(size);
    for (let k = 0; k < size; k++) {
      while (pos >= this.pending[i].length) {
        pos -= this.pending[i].length;
        i += 1;
      }
      tmp[k] = this.pending[i][pos++];
    }
    return size === 2 ? tmp.readInt16BE(0) : tmp.readInt32BE(0);
  }
}
