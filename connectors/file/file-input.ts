import { createReadStream, type ReadStream } from 'node:fs';
import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Read chunk size of input files (bytes). */
const READ_CHUNK_BYTES = 64 * 1024;

/**
 * The decompressed bytes of one input file from a byte offset on. `stream` emits `Buffer` chunks;
 * pause and resume it for back-pressure. `close()` destroys every stream in the chain and resolves
 * once the file descriptor is closed (safe to call more than once, also mid-file).
 */
export interface FileInput {
  readonly stream: Readable;
  /** True once the file descriptor is closed. */
  readonly closed: boolean;
  close(): Promise<void>;
}

/** True when `file` is read through gunzip (by its `.gz` extension, case-insensitive). */
export function isGzip(file: string): boolean {
  return /\.gz$/i.test(file);
}

/**
 * Opens `file` for reading from decompressed byte `offset` (≥ 0). A plain file is opened at
 * `offset` directly; gzip is not seekable, so a `.gz` file is decompressed from its start and the
 * first `offset` bytes are dropped. Errors (missing file, corrupt gzip) arrive as `'error'` on `stream`.
 */
export function openFileInput(file: string, offset: number): FileInput {
  const fileStream = createReadStream(file, { start: isGzip(file) ? 0 : offset, highWaterMark: READ_CHUNK_BYTES });
  if (!isGzip(file)) return new FileInputImpl(fileStream, fileStream, []);
  const gunzip = createGunzip();
  const chain: (Readable | Transform)[] = offset > 0 ? [gunzip, new SkipBytes(offset)] : [gunzip];
  const last = chain[chain.length - 1] as Readable;
  // pipeline forwards errors to the last stream and destroys the whole chain on failure.
  pipeline([fileStream, ...chain], (err) => {
    if (err && !last.destroyed) last.destroy(err);
  });
  return new FileInputImpl(last, fileStream, chain);
}

class FileInputImpl implements FileInput {
  constructor(
    readonly stream: Readable,
    private readonly file: ReadStream,
    private readonly others: readonly (Readable | Transform)[],
  ) {}

  get closed(): boolean {
    return this.file.closed;
  }

  close(): Promise<void> {
    for (const s of this.others) s.destroy();
    if (this.file.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.file.once('close', () => resolve());
      // An error while destroying (there is none to report here) must not become unhandled.
      this.file.once('error', () => undefined);
      this.file.destroy();
    });
  }
}

/** Drops the first `count` bytes of a byte stream (to reach an offset inside a gzip file). */
class SkipBytes extends Transform {
  constructor(private remaining: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.remaining >= chunk.length) {
      this.remaining -= chunk.length;
      callback();
      return;
    }
    const rest = this.remaining > 0 ? chunk.subarray(this.remaining) : chunk;
    this.remaining = 0;
    callback(null, rest);
  }
}
