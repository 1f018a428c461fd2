import type { FileDecoder, RecordSink } from './file-format.js';
import type { FilePosition } from './file-position.js';

const NL = 0x0a;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Splits newline-delimited JSON into one record per line (`\n` or `\r\n`); the text is parsed as
 * JSON later, when the record is mapped. Blank (whitespace-only) lines are skipped. A UTF-8 byte
 * order mark at offset 0 is skipped (offsets still count it).
 *
 * @see https://github.com/ndjson/ndjson-spec
 */
export class NdjsonDecoder implements FileDecoder {
  /** Bytes of the current, unfinished line. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Offset and line number of the current line's first byte. */
  private lineStart: number;
  private lineNumber: number;
  private destroyed = false;

  /** @param start position of the first byte to be fed (a line start). */
  constructor(
    private readonly file: string,
    start: FilePosition,
    private readonly sink: RecordSink,
  ) {
    this.lineStart = start.offset;
    this.lineNumber = start.line;
  }

  write(chunk: Buffer): void {
    if (this.destroyed) return;
    let from = 0;
    for (let nl = chunk.indexOf(NL); nl !== -1 && !this.destroyed; nl = chunk.indexOf(NL, from)) {
      const piece = chunk.subarray(from, nl + 1);
      const line = this.pendingBytes === 0 ? piece : Buffer.concat([...this.pending, piece]);
      this.pending = [];
      this.pendingBytes = 0;
      this.emit(line);
      from = nl + 1;
    }
    if (from < chunk.length) {
      this.pending.push(chunk.subarray(from));
      this.pendingBytes += chunk.length - from;
    }
  }

  finish(): Promise<void> {
    if (this.pendingBytes > 0 && !this.destroyed) {
      const line = Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
      this.emit(line);
    }
    return Promise.resolve();
  }

  destroy(): void {
    this.destroyed = true;
    this.pending = [];
  }

  /** Pushes one line (with its `\n`, if any) and advances to the next. */
  private emit(bytes: Buffer): void {
    const offset = this.lineStart;
    const line = this.lineNumber;
    const nextOffset = offset + bytes.length;
    const endsWithNl = bytes.length > 0 && bytes[bytes.length - 1] === NL;
    this.lineStart = nextOffset;
    this.lineNumber = endsWithNl ? line + 1 : line;
    let body = endsWithNl ? bytes.subarray(0, bytes.length - (bytes[bytes.length - 2] === 0x0d ? 2 : 1)) : bytes;
    if (offset === 0 && body.subarray(0, 3).equals(UTF8_BOM)) body = body.subarray(3);
    const raw = body.toString('utf8');
    if (!/\S/.test(raw)) return;
    this.sink.push({ file: this.file, line, offset, nextOffset, nextLine: this.lineNumber, raw, value: undefined });
  }
}
