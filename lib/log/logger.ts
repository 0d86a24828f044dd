import pino, { type DestinationStream, type Logger } from 'pino';

// Structured logs: one JSON object per line (pino) from the web and the worker, with the request
// id, the audit seq or the change request where one exists, for the log shipper of the
// enterprise monitoring. On a terminal (or CUSTOS_LOG_FORMAT=pretty) the same records are
// printed as readable lines. No transport threads: a plain synchronous destination.

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** A JSON log record as one readable line: time, level, component, message, then the fields. */
export function prettyLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { time, level, msg, component, pid: _pid, hostname: _host, service: _svc, err, ...rest } = o;
  const t = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const e = err && typeof err === 'object' ? `\n  ${String((err as { stack?: string; message?: string }).stack ?? (err as { message?: string }).message)}` : '';
  return `${t} ${(LEVELS[level as number] ?? String(level)).toUpperCase().padEnd(5)} ${component ? `${String(component)}: ` : ''}${String(msg ?? '')}${fields ? `  ${fields}` : ''}${e}\n`;
}

function destination(): DestinationStream {
  const format = process.env.CUSTOS_LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json');
  if (format !== 'pretty') return pino.destination({ dest: 1, sync: true });
  return { write: (line: string) => void process.stdout.write(prettyLine(line)) };
}

const globalForLog = globalThis as unknown as { custosLogger?: Logger };

export function getLogger(): Logger {
  globalForLog.custosLogger ??= pino(
    { level: process.env.CUSTOS_LOG_LEVEL || 'info', base: { service: 'custos', pid: process.pid }, serializers: { err: pino.stdSerializers.err } },
    destination(),
  );
  return globalForLog.custosLogger;
}

/** A logger for one part of the system (`worker`, `broker`, `http`, …). */
export function logger(component: string): Logger {
  return getLogger().child({ component });
}
