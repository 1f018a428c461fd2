import { Parser, type CsvError, type InfoRecord } from 'csv-parse';
import { FileIoError } from './file-io-error.js';
import type { FileDecoder, RecordSink } from './file-format.js';
import { openFileInput } from './file-input.js';
import type { FilePosition } from './file-position.js';
import { LineCounter } from './line-counter.js';
import { recordParseError } from './record-error.js';

/** A CSV file's header row, read before its records. */
export interface CsvHeader {
  /** Column names in file order. */
  readonly columns: readonly string[];
  /** Byte offset just past the header's line break: where the first data row starts. */
  readonly end: number;
  /** Line number of the first data row. */
  readonly nextLine: number;
  /** The line break the header ended with (`\n` or `\r\n`), used for the rows too. */
  readonly recordDelimiter: Buffer | undefined;
}

/** The csv-parse record shape with `raw: true`. */
interface RawRecord {
  readonly record: Record<string, string>;
  readonly raw: string;
}

/**
 * Reads the header row of `file` (decompressing `.gz`); `undefined` for an empty file. Only the
 * first chunk or so is read; the file is closed before this resolves.
 *
 * @throws RecordParseError (`WEIR_ERR_RECORD_PARSE`) for a malformed or duplicate-named header;
 *   FileIoError (`WEIR_ERR_FILE_IO`) when the file cannot be read.
 */
export async function readCsvHeader(file: string, delimiter: string): Promise<CsvHeader | undefined> {
  const input = openFileInput(file, 0);
  try {
    return await new Promise<CsvHeader | undefined>((resolve, reject) => {
      const lines = new LineCounter(0, 1);
      let header: CsvHeader | undefined;
      let done = false;
      const settle = (err: Error | undefined): void => {
        if (done) return;
        done = true;
        if (err !== undefined) reject(err);
        else resolve(header);
      };
      const parser = new Parser({
        delimiter,
        bom: true,
        raw: true,
        to: 1,
        encoding: 'utf8',
        on_record: (record: unknown, ctx: InfoRecord) => {
          const columns = (record as { record: string[] }).record;
          const seen = new Set<string>();
          for (const c of columns) {
            if (seen.has(c)) {
              settle(recordParseError({ file, line: 1, offset: 0, field: c, reason: `duplicate column name '${c}' in the header`, raw: columns.join(delimiter) }));
              return null;
            }
            seen.add(c);
          }
          header = {
            columns,
            end: ctx.bytes,
            nextLine: lines.lineAt(ctx.bytes),
            recordDelimiter: parser.options.record_delimiter[0],
          };
          settle(undefined);
          return null;
        },
      });
      parser.on('error', (err: Error) => {
        settle(recordParseError({ file, line: 1, offset: 0, reason: `malformed header: ${csvReason(err)}` }, { cause: err }));
      });
      input.stream.on('data', (chunk: Buffer) => {
        if (done) return;
        lines.feed(chunk);
        parser.write(chunk);
      });
      input.stream.on('end', () => {
        if (!done) parser.end(() => settle(undefined));
      });
      input.stream.on('error', (err: Error) => settle(new FileIoError(file, 'read', err)));
    });
  } finally {
    await input.close();
  }
}

/**
 * Decodes CSV data rows (after the header) with csv-parse: quoted fields, escaped quotes and line
 * breaks inside quotes, a fixed number of fields per row (the header's). Bad rows are pushed as
 * records with an `error` (csv-parse's `skip_records_with_error`), so the reader decides between
 * failing and dead-lettering; the parser then goes on with the next row.
 *
 * Offsets come from csv-parse's byte counts and the raw row text; line numbers from a
 * {@link LineCounter}. For a CSV syntax error (a stray quote) the row's end is only known once the
 * parser finds the next row, so that bad row is pushed then (still before the next row).
 */
export class CsvDecoder implements FileDecoder {
  private readonly parser: Parser;
  private readonly lines: LineCounter;
  private readonly base: number;
  private fedEnd: number;
  /** End of the last row whose end is known: where a row with a syntax error starts. */
  private lastEnd: number;
  /** A row with a syntax error, held back until its end (the next row's start) is known. */
  private open: { line: number; offset: number; raw: string; reason: string; field: string | undefined } | undefined;
  private finished: Promise<void> | undefined;
  private failed = false;

  /**
   * @param start position of the first byte to be fed (a row start at or after the header's end).
   */
  constructor(
    private readonly file: string,
    private readonly header: CsvHeader,
    start: FilePosition,
    delimiter: string,
    private readonly sink: RecordSink,
  ) {
    this.base = start.offset;
    this.fedEnd = start.offset;
    this.lastEnd = start.offset;
    this.lines = new LineCounter(start.offset, start.line);
    this.parser = new Parser({
      delimiter,
      columns: [...header.columns],
      raw: true,
      bom: false,
      encoding: 'utf8',
      skip_records_with_error: true,
      ...(header.recordDelimiter !== undefined ? { record_delimiter: header.recordDelimiter } : {}),
      on_record: (record: unknown, ctx: InfoRecord) => {
        this.onRecord(record as RawRecord, ctx);
        return null; // rows go to the sink, not to the parser's readable side
      },
      on_skip: (err: CsvError | undefined, raw: string | undefined) => {
        if (err !== undefined) this.onSkip(err, raw ?? '');
        return undefined;
      },
    });
    // Nothing is pushed to the readable side, but it must flow for the parser to finish.
    this.parser.resume();
    this.parser.on('error', (err: Error) => this.fail(err));
  }

  write(chunk: Buffer): void {
    if (this.failed) return;
    this.lines.feed(chunk);
    this.fedEnd += chunk.length;
    this.parser.write(chunk);
  }

  finish(): Promise<void> {
    this.finished ??= new Promise<void>((resolve) => {
      if (this.failed) {
        resolve();
        return;
      }
      this.parser.once('error', () => resolve());
      this.parser.end(() => {
        this.closeOpen(this.fedEnd);
        resolve();
      });
    });
    return this.finished;
  }

  destroy(): void {
    this.failed = true;
    this.parser.destroy();
  }

  private onRecord(record: RawRecord, ctx: InfoRecord): void {
    const raw = ctx.raw ?? record.raw;
    const end = this.base + ctx.bytes;
    const offset = this.startOf(end, raw);
    const line = this.lines.lineAt(offset);
    this.closeOpen(offset, line);
    this.sink.push({
      file: this.file,
      line,
      offset,
      nextOffset: end,
      nextLine: this.lines.lineAt(end),
      raw: stripLineBreak(raw),
      value: record.record,
    });
    this.lastEnd = end;
  }

  private onSkip(err: CsvError, raw: string): void {
    if (err.code === 'CSV_RECORD_INCONSISTENT_COLUMNS') {
      // Raised at the row's end, so its byte count and raw text cover the whole row.
      const end = this.base + (typeof err['bytes'] === 'number' ? err['bytes'] : 0);
      if (this.open !== undefined) {
        // The same row already had a syntax error: this only tells where it ends.
        this.open.raw = stripLineBreak(raw);
        this.closeOpen(end);
      } else {
        const offset = this.startOf(end, raw);
        const got = Array.isArray(err['record']) ? err['record'].length : '?';
        this.sink.push({
          file: this.file,
          line: this.lines.lineAt(offset),
          offset,
          nextOffset: end,
          nextLine: this.lines.lineAt(end),
          raw: stripLineBreak(raw),
          value: undefined,
          error: { reason: `expected ${this.header.columns.length} fields (as in the header), got ${got}` },
        });
      }
      this.lastEnd = end;
      return;
    }
    if (this.open !== undefined) return; // a further error in a row already reported
    const column = err['column'];
    this.open = {
      line: this.lines.lineAt(this.lastEnd),
      offset: this.lastEnd,
      raw: stripLineBreak(raw),
      reason: csvReason(err),
      field: typeof column === 'string' ? column : undefined,
    };
  }

  /** Pushes the held-back syntax-error row, now that the next row's start (`end`) is known. */
  private closeOpen(end: number, line?: number): void {
    const open = this.open;
    if (open === undefined) return;
    this.open = undefined;
    this.lastEnd = end;
    this.sink.push({
      file: this.file,
      line: open.line,
      offset: open.offset,
      nextOffset: end,
      nextLine: line ?? this.lines.lineAt(end),
      raw: open.raw,
      value: undefined,
      error: { reason: open.reason, field: open.field },
    });
  }

  /**
   * Start of a row ending at `end` whose raw text is `raw`. csv-parse's raw text holds every byte
   * of the row except the `\n` of a `\r\n` line break, which it skips.
   */
  private startOf(end: number, raw: string): number {
    let bytes = Buffer.byteLength(raw);
    if (raw.endsWith('\r') && this.parser.options.record_delimiter.some(isCrLf)) bytes += 1;
    return end - bytes;
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    const line = this.lines.lineAt(this.lastEnd);
    this.sink.fail(recordParseError({ file: this.file, line, offset: this.lastEnd, reason: csvReason(err) }, { cause: err }));
  }
}

function isCrLf(b: Buffer): boolean {
  return b.length === 2 && b[0] === 0x0d && b[1] === 0x0a;
}

function stripLineBreak(raw: string): string {
  if (raw.endsWith('\r\n')) return raw.slice(0, -2);
  if (raw.endsWith('\n') || raw.endsWith('\r')) return raw.slice(0, -1);
  return raw;
}

/** csv-parse's message without its own line number, which counts from where parsing started. */
function csvReason(err: Error): string {
  return err.message.replace(/\s+(?:at|on) line \d+/g, '');
}
