const NL = 0x0a;

/**
 * Maps byte offsets of a stream to 1-based physical line numbers by counting `\n` bytes, so line
 * numbers do not depend on how a parser counts lines (csv-parse counts a `\r\n` inside a quoted field
 * twice). A lone `\r` is not a line break here.
 *
 * Feed every chunk with {@link feed} before parsing it; ask {@link lineAt} for non-decreasing
 * offsets. Chunks behind the last asked offset are dropped, so memory stays at about one record.
 */
export class LineCounter {
  private readonly chunks: Buffer[] = [];
  /** Offset of the first byte of `chunks[0]`. */
  private chunksStart: number;
  private fedEnd: number;
  private cursorOffset: number;
  private cursorLine: number;

  /** @param offset byte offset of the first chunk fed; @param line the line number at that offset. */
  constructor(offset: number, line: number) {
    this.chunksStart = offset;
    this.fedEnd = offset;
    this.cursorOffset = offset;
    this.cursorLine = line;
  }

  feed(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.fedEnd += chunk.length;
  }

  /**
   * The line number at byte `offset`: the starting line plus the `\n` bytes in between. Offsets
   * before the last one asked for, or past the bytes fed, are clamped.
   */
  lineAt(offset: number): number {
    const target = Math.min(offset, this.fedEnd);
    while (this.cursorOffset < target) {
      const chunk = this.chunks[0];
      if (chunk === undefined) break;
      const from = this.cursorOffset - this.chunksStart;
      const to = Math.min(chunk.length, target - this.chunksStart);
      const view = chunk.subarray(from, to);
      for (let i = view.indexOf(NL); i !== -1; i = view.indexOf(NL, i + 1)) this.cursorLine++;
      this.cursorOffset = this.chunksStart + to;
      if (to === chunk.length) {
        this.chunks.shift();
        this.chunksStart += chunk.length;
      }
    }
    return this.cursorLine;
  }
}
