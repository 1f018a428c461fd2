/**
 * Prints records to standard output (or standard error), one per line, as Flink's PrintSink:
 * with parallelism > 1 each line is prefixed by the subtask number (1-based) and `> `, and by an
 * optional identifier: `id:2> record`. Objects and arrays print as JSON (bigints as `123n`),
 * strings as is. Output is buffered per subtask and written in chunks.
 */
import type { Sink, SinkWriter, SinkWriterContext } from '../sink.js';

/** Options of a {@link PrintSink}. */
export interface PrintSinkOptions {
  /** Prefix identifying this sink's lines. */
  identifier?: string;
  /** Print to stderr instead of stdout (default false). */
  stdErr?: boolean;
  /** Where lines go instead (for tests); receives whole chunks of lines. */
  write?: (chunk: string) => void;
}

export class PrintSink<T> implements Sink<T> {
  constructor(private readonly options: PrintSinkOptions = {}) {}

  createWriter(ctx: SinkWriterContext): SinkWriter<T> {
    const id = this.options.identifier;
    const prefix = ctx.parallelism > 1 ? `${id !== undefined ? `${id}:` : ''}${ctx.subtaskIndex + 1}> ` : id !== undefined ? `${id}> ` : '';
    const stream = this.options.stdErr === true ? process.stderr : process.stdout;
    const write = this.options.write ?? ((chunk: string) => void stream.write(chunk));
    ctx.reportOutput(this.options.write !== undefined ? 'print' : this.options.stdErr === true ? 'stderr' : 'stdout');
    return new PrintWriter<T>(prefix, write);
  }
}

class PrintWriter<T> implements SinkWriter<T> {
  private buffer: string[] = [];
  constructor(private readonly prefix: string, private readonly out: (chunk: string) => void) {}

  write(value: T): void {
    this.buffer.push(this.prefix + formatRecord(value));
    if (this.buffer.length >= 256) this.flush(false);
  }

  flush(_endOfInput: boolean): void {
    if (this.buffer.length === 0) return;
    this.out(this.buffer.join('\n') + '\n');
    this.buffer = [];
  }

  close(): void {
    this.flush(false);
  }
}

/** How a record is printed: strings as is, other primitives with String(), objects as JSON. */
export function formatRecord(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? `${value}n` : String(value);
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Map ? Object.fromEntries(v) : v instanceof Set ? [...v] : v));
  } catch {
    return String(value);
  }
}
