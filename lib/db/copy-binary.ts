import { Transform, Writable, type TransformCallback } from 'node:stream';
import type pg from 'pg';

// Parses PostgreSQL's binary COPY format (COPY ... TO STDOUT WITH (FORMAT binary)). Binary COPY
// is the fastest way to stream a large table out of PostgreSQL, and hands us the stored bytes of
// text columns exactly, with no unescaping.
//
// Nothing is copied per row: fields are located in the incoming chunks. Only the one row that
// straddles two chunks is joined, and only its own bytes (joining the whole chunk each time,
// as nearly every chunk ends mid-row, copied every byte once more and kept the GC busy).
// Front ends: CopyBinaryParser yields arrays of field buffers (simple, for pg-copy-streams);
// CopyBinaryScanner hands each row's field offsets to a callback; copyOutBinary() does the same
// reading the wire protocol itself, with no stream in between (audit verification, where every
// microsecond per row counts: see bench/chain.ts).

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

  /** Feeds the bytes `chunk[start, end)`, the next part of the COPY data. */
  feed(chunk: Buffer, start = 0, end = chunk.length): void {
    if (this.ended) return;
    let off = start;
    if (this.pendingLen > 0) {
      const part = start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end);
      this.pending.push(part);
      this.pendingLen += part.length;
      const unit = this.pendingUnitLength();
      if (unit < 0) return; // still incomplete: keep the views, join once it is whole
      // The unit began before this part, so it ends inside it.
      const inPart = unit - (this.pendingLen - part.length);
      const parts = this.pending.slice(0, -1);
      parts.push(part.subarray(0, inPart));
      this.pending = [];
      this.pendingLen = 0;
      if (this.parse(Buffer.concat(parts, unit), 0, unit) !== unit) throw new Error('binary COPY stream is malformed');
      if (this.ended) return;
      off = start + inPart;
    }
    off = this.parse(chunk, off, end);
    if (off < end && !this.ended) {
      this.pending = [chunk.subarray(off, end)];
      this.pendingLen = end - off;
    }
  }

  /** Parses the header, complete rows and the trailer from `b[off, end)`; returns where it stopped. */
  private parse(b: Buffer, off: number, end: number): number {
    if (!this.headerDone) {
      if (end - off < HEADER_LEN) return off;
      if (!b.subarray(off, off + 11).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
      const extLen = b.readUInt32BE(off + 15);
      if (end - off < HEADER_LEN + extLen) return off;
      off += HEADER_LEN + extLen;
      this.headerDone = true;
    }
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

// Backend message types (PostgreSQL protocol 3.0) met during COPY TO STDOUT.
const MSG_COPY_DATA = 0x64; // 'd'
const MSG_COPY_DONE = 0x63; // 'c'
// Also read here, and skipped: 'H' CopyOutResponse, 'N' NoticeResponse, 'A' NotificationResponse,
// 'S' ParameterStatus. Anything else ('E' ErrorResponse above all) goes back to pg.
const COPY_OUT = new Set([MSG_COPY_DATA, MSG_COPY_DONE, 0x48, 0x4e, 0x41, 0x53]);

/**
 * Runs `sql` (a `COPY ... TO STDOUT WITH (FORMAT binary)`) on `client` and calls `visit` for
 * every row; resolves with the number of rows once the client is ready for its next query.
 *
 * Reads the socket directly, as pg-copy-streams does, but parses CopyData messages and rows in
 * one pass without copying or streaming each chunk onward; that halves the client-side cost of
 * receiving the rows. If `visit` throws, the rest of the COPY is drained (the connection stays
 * usable) and the promise rejects with that error.
 */
export function copyOutBinary(client: pg.ClientBase, sql: string, visit: TCopyRowVisitor): Promise<number> {
  const q = new CopyOutBinary(sql, visit);
  client.query(q);
  return q.done;
}

type TDataHandler = (chunk: Buffer) => void;

class CopyOutBinary implements pg.Submittable {
  readonly done: Promise<number>;
  private settle!: (err: Error | null) => void;
  private connection: pg.Connection | null = null;
  private pgOnData: TDataHandler | null = null;
  private readonly reader: CopyBinaryReader;
  private rows = 0;
  private failure: Error | null = null;
  /** Message header (type + int32 length) when a chunk boundary splits it. */
  private readonly head = Buffer.alloc(5);
  private headLen = 0;
  private type = 0;
  private remaining = 0; // payload bytes of the current message not yet seen

  constructor(
    private readonly sql: string,
    visit: TCopyRowVisitor,
  ) {
    this.reader = new CopyBinaryReader((buf, start, len, n) => {
      this.rows += 1;
      visit(buf, start, len, n);
    });
    this.done = new Promise<number>((resolve, reject) => {
      let settled = false;
      this.settle = (err) => {
        if (settled) return;
        settled = true;
        if (err) reject(err);
        else resolve(this.rows);
      };
    });
  }

  /** Called by pg when the query's turn comes; a returned error reaches handleError. */
  submit(connection: pg.Connection): Error | undefined {
    const stream = connection.stream;
    const handlers = stream.listeners('data') as TDataHandler[];
    if (handlers.length !== 1) return new Error('copyOutBinary: the connection has no single data handler to stand in for');
    this.connection = connection;
    this.pgOnData = handlers[0];
    stream.removeListener('data', this.pgOnData);
    stream.on('data', this.onData);
    connection.query(this.sql);
    return undefined;
  }

  private readonly onData = (chunk: Buffer): void => {
    let off = 0;
    const end = chunk.length;
    while (off < end) {
      if (this.remaining === 0) {
        // At a message boundary: read the 5-byte header (it may be split across chunks).
        if (this.headLen === 0 && off + 5 <= end) {
          this.type = chunk[off];
          // An error, or anything that is not a COPY TO response: pg parses it and calls the
          // handlers below (ErrorResponse -> handleError, then ReadyForQuery).
          if (!COPY_OUT.has(this.type)) return this.handBack(chunk.subarray(off));
          this.remaining = chunk.readUInt32BE(off + 1) - 4;
          off += 5;
        } else {
          while (this.headLen < 5 && off < end) this.head[this.headLen++] = chunk[off++];
          if (!COPY_OUT.has(this.head[0])) {
            return this.handBack(Buffer.concat([this.head.subarray(0, this.headLen), chunk.subarray(off)]));
          }
          if (this.headLen < 5) return;
          this.headLen = 0;
          this.type = this.head[0];
          this.remaining = this.head.readUInt32BE(1) - 4;
        }
      }
      const n = Math.min(this.remaining, end - off);
      if (this.type === MSG_COPY_DATA && n > 0 && !this.failure) {
        try {
          this.reader.feed(chunk, off, off + n);
        } catch (e) {
          this.failure = e as Error;
        }
      }
      off += n;
      this.remaining -= n;
      if (this.remaining === 0 && this.type === MSG_COPY_DONE) {
        if (!this.failure && !this.reader.ended) this.failure = new Error(TRAILER_MISSING);
        // CommandComplete and ReadyForQuery follow: pg handles them.
        return this.handBack(chunk.subarray(off));
      }
    }
  };

  /** Gives the socket back to pg, starting with `rest` (bytes from a message boundary on). */
  private handBack(rest: Buffer): void {
    const stream = this.connection!.stream;
    stream.removeListener('data', this.onData);
    stream.on('data', this.pgOnData!);
    if (rest.length > 0) this.pgOnData!(rest);
  }

  handleError(err: Error): void {
    this.settle(err);
  }

  handleCommandComplete(): void {}

  handleReadyForQuery(): void {
    this.settle(this.failure);
  }

  handleRowDescription(): void {
    this.failure ??= new Error('copyOutBinary: the statement returned rows, not COPY data');
  }

  handleDataRow(): void {}

  handleEmptyQuery(): void {
    this.failure ??= new Error('copyOutBinary: empty statement');
  }

  handleCopyInResponse(connection: pg.Connection): void {
    this.failure ??= new Error('copyOutBinary: the statement is a COPY FROM');
    (connection as unknown as { sendCopyFail(msg: string): void }).sendCopyFail('copyOutBinary reads only');
  }
}
