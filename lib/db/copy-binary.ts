import { Transform, Writable, type TransformCallback } from 'node:stream';

// Parses PostgreSQL's binary COPY format (COPY ... TO STDOUT WITH (FORMAT binary)). Binary COPY
// is the fastest way to stream a large table out of PostgreSQL, and hands us the stored bytes of
// text columns exactly, with no unescaping.
//
// Nothing is copied per row: fields are located in the incoming chunks. Only the one row that
// straddles two chunks is joined, and only its own bytes (joining the whole chunk each time,
// as nearly every chunk ends mid-row, copied every byte once more and kept the GC busy).
// Two front ends: CopyBinaryParser yields arrays of field buffers (simple); CopyBinaryScanner
// hands each row's field offsets to a callback (no allocation per row: audit verification).

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_LEN = 19; // signature (11) + flags (4) + header extension length (4)

/**
 * Receives one row: field i is `buf[start[i] .. start[i] + len[i])`, or NULL when len[i] is -1.
 * `start` and `len` are reused for the next row, and `buf` may be a chunk that later rows share:
 * copy whatever must outlive the call.
 */
export type TCopyRowVisitor = (buf: Buffer, start: Int32Array, len: Int32Array, fieldCount: number) => void;

class CopyBinaryReader {
  /** Unparsed bytes: the tail of the previous chunk, or several chunks when one row spans them. */
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private headerDone = false;
  ended = false;
  private start = new Int32Array(16);
  private len = new Int32Array(16);

  constructor(private readonly visit: TCopyRowVisitor) {}

  feed(chunk: Buffer): void {
    if (this.ended) return;
    let off = 0;
    if (this.pendingLen > 0) {
      this.pending.push(chunk);
      this.pendingLen += chunk.length;
      const unit = this.pendingUnitLength();
      if (unit < 0) return; // still incomplete: keep the views, join once it is whole
      // The unit began before this chunk, so it ends inside it.
      off = unit - (this.pendingLen - chunk.length);
      const parts = this.pending.slice(0, -1);
      parts.push(chunk.subarray(0, off));
      this.pending = [];
      this.pendingLen = 0;
      if (this.parse(Buffer.concat(parts, unit), 0) !== unit) throw new Error('binary COPY stream is malformed');
      if (this.ended) return;
    }
    off = this.parse(chunk, off);
    if (off < chunk.length && !this.ended) {
      this.pending = [chunk.subarray(off)];
      this.pendingLen = chunk.length - off;
    }
  }

  /** Parses the header, complete rows and the trailer from `b` at `off`; returns where it stopped. */
  private parse(b: Buffer, off: number): number {
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
      if (n > this.start.length) {
        this.start = new Int32Array(n);
        this.len = new Int32Array(n);
      }
      let p = off + 2;
      let i = 0;
      for (; i < n; i++) {
        if (p + 4 > end) break;
        const len = b.readInt32BE(p);
        p += 4;
        this.start[i] = p;
        this.len[i] = len;
        if (len > 0) p += len;
        if (p > end) break;
      }
      if (i < n) break;
      this.visit(b, this.start, this.len, n);
      off = p;
    }
    return off;
  }

  /** Byte length of the next unit (header, row or trailer) held in `pending`, or -1 if incomplete. */
  private pendingUnitLength(): number {
    if (!this.headerDone) {
      if (this.pendingLen < HEADER_LEN) return -1;
      const total = HEADER_LEN + (this.readPending(15, 4) >>> 0);
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

const TRAILER_MISSING = 'binary COPY stream ended without its trailer';

/** Rows as arrays of field buffers (views into the chunks, null for NULL), pushed one array per chunk. */
export class CopyBinaryParser extends Transform {
  private rows: Array<Array<Buffer | null>> = [];
  private readonly reader = new CopyBinaryReader((buf, start, len, n) => {
    const fields: Array<Buffer | null> = new Array(n);
    for (let i = 0; i < n; i++) fields[i] = len[i] < 0 ? null : buf.subarray(start[i], start[i] + len[i]);
    this.rows.push(fields);
  });

  constructor() {
    super({ readableObjectMode: true, readableHighWaterMark: 64 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.reader.feed(chunk);
      if (this.rows.length > 0) {
        this.push(this.rows);
        this.rows = [];
      }
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    done(this.reader.ended ? null : new Error(TRAILER_MISSING));
  }
}

/** A sink that calls `visit` for every row; the pipeline fails if the visitor throws. */
export class CopyBinaryScanner extends Writable {
  private readonly reader: CopyBinaryReader;

  constructor(visit: TCopyRowVisitor) {
    super({ highWaterMark: 1 << 20 });
    this.reader = new CopyBinaryReader(visit);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    try {
      this.reader.feed(chunk);
      done();
    } catch (e) {
      done(e as Error);
    }
  }

  override _final(done: (error?: Error | null) => void): void {
    done(this.reader.ended ? null : new Error(TRAILER_MISSING));
  }
}
