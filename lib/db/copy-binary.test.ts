import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CopyBinaryParser } from '@/lib/db/copy-binary';

function copyStream(rows: Array<Array<Buffer | null>>): Buffer {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(4), Buffer.alloc(4)];
  for (const r of rows) {
    const n = Buffer.alloc(2);
    n.writeInt16BE(r.length);
    parts.push(n);
    for (const f of r) {
      const len = Buffer.alloc(4);
      len.writeInt32BE(f === null ? -1 : f.length);
      parts.push(len);
      if (f) parts.push(f);
    }
  }
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1);
  parts.push(trailer);
  return Buffer.concat(parts);
}

async function parse(bytes: Buffer, chunk: number) {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
  const out: Array<Array<Buffer | null>> = [];
  for await (const batch of Readable.from(chunks).pipe(new CopyBinaryParser())) out.push(...(batch as Array<Array<Buffer | null>>));
  return out;
}

describe('CopyBinaryParser', () => {
  const rows = [
    [Buffer.from('a'), null, Buffer.from('ünïcode ✓')],
    [Buffer.alloc(0), Buffer.from([0, 1, 2]), Buffer.from('x'.repeat(1000))],
  ];

  it('parses rows with nulls and empty fields whatever the chunking', async () => {
    for (const size of [1, 3, 7, 64, 100_000]) {
      const got = await parse(copyStream(rows), size);
      expect(got).toEqual(rows);
    }
  });

  it('fails on a stream without the trailer (truncated transfer)', async () => {
    const bytes = copyStream(rows);
    await expect(parse(bytes.subarray(0, bytes.length - 2), 16)).rejects.toThrow(/trailer/);
  });
});
