/**
 * Renders one value as a CSV cell (RFC 4180): quoted when it contains the delimiter, a quote, `\r`
 * or `\n`, with quotes doubled. `null`/`undefined` → empty cell; strings as is; numbers, bigints and
 * booleans with `String`; `Date` as ISO 8601; other objects as JSON.
 */
export function csvCell(value: unknown, delimiter: string): string {
  const text = cellText(value);
  return needsQuotes(text, delimiter) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Renders a row of cells, ending with `\n`. */
export function csvLine(values: readonly unknown[], delimiter: string): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += delimiter;
    line += csvCell(values[i], delimiter);
  }
  return `${line}\n`;
}

function cellText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'undefined':
      return '';
    default:
      if (value === null) return '';
      if (value instanceof Date) return value.toISOString();
      return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '';
  }
}

function needsQuotes(text: string, delimiter: string): boolean {
  return text.includes(delimiter) || text.includes('"') || text.includes('\n') || text.includes('\r');
}
