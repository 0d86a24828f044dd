// RFC 4180 cells, with spreadsheet formula injection neutralized (OWASP "CSV injection"): a cell
// that starts with = + - @, a tab or a carriage return is prefixed with a single quote, so a
// spreadsheet shows it as text and never evaluates it. The original text is otherwise unchanged.

const DANGEROUS_START = /^[=+\-@\t\r]/;

export function neutralize(value: string): string {
  return DANGEROUS_START.test(value) ? `'${value}` : value;
}

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = neutralize(typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value));
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
