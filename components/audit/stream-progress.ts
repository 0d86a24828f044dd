// Reading the audit endpoints' streamed responses in the browser: rows of a CSV export as they
// arrive, NDJSON progress lines of a verification, and the file name the server chose.

/**
 * Counts the data rows of a Custos CSV export as bytes arrive: a record that starts with a digit
 * (its seq) is a row; the header block and the column line start with letters. Line breaks
 * inside quoted cells (a reason typed over two lines) do not start a record.
 */
export function createCsvRowCounter() {
  let rows = 0;
  let inQuotes = false;
  let atRecordStart = true;
  return {
    push(chunk: Uint8Array): number {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (atRecordStart && b !== 0x0a && b !== 0x0d) {
          if (b >= 0x30 && b <= 0x39) rows += 1;
          atRecordStart = false;
        }
        if (b === 0x22) inQuotes = !inQuotes;
        else if (b === 0x0a && !inQuotes) atRecordStart = true;
      }
      return rows;
    },
    get rows() {
      return rows;
    },
  };
}

/** Splits text arriving in pieces into complete lines (the last, unfinished one is kept). */
export function createLineSplitter() {
  let rest = '';
  return {
    push(text: string): string[] {
      const parts = (rest + text).split('\n');
      rest = parts.pop() ?? '';
      return parts.filter((l) => l.trim() !== '');
    },
    end(): string[] {
      const last = rest.trim();
      rest = '';
      return last ? [last] : [];
    },
  };
}

/** The file name of `Content-Disposition: attachment; filename="…"` (or RFC 5987 filename*=). */
export function filenameFromDisposition(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star) {
    try {
      return sanitize(decodeURIComponent(star[1].trim())) || fallback;
    } catch {
      // malformed escape: fall through to the plain parameter
    }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/.exec(header);
  return sanitize((plain?.[1] ?? plain?.[2] ?? '').trim()) || fallback;
}

/** No directories, no control characters: the browser saves it under this name. */
function sanitize(name: string): string {
  return name.replace(/[/\\]/g, '_').replace(/[\u0000-\u001f\u007f]/g, '');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}
