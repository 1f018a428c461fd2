import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline, type TransformOptions, type Writable } from 'node:stream';
import { createGzip, type ZlibOptions } from 'node:zlib';
import type { SinkWriter, SinkWriterContext } from '../sink.js';
import { FileIoError } from './file-io-error.js';
import type { RecordEncoder } from './record-encoder.js';

/** Encoded text is collected up to this many characters before it is handed to the stream. */
const BATCH_CHARS = 64 * 1024;
/** Stream buffer (bytes): several batches fit, so `write` rarely has to wait for `'drain'`. */
const STREAM_HIGH_WATER_MARK = 256 * 1024;

/**
 * Writes one output file of a `FileSink`: records are encoded to text, collected in batches of
 * about 64 Ki characters and written to a buffered `fs.createWriteStream` (through gzip for
 * `.gz`). `write` returns a Promise only when the stream asks to wait (its `write` returned
 * `false`) and resolves on `'drain'`; otherwise it returns `undefined`, so there is no promise per
 * record. `flush(true)` writes the rest, ends the stream and resolves once the file is closed.
 *
 * Write errors (`ENOSPC`, …) surface as `FileIoError` (code `WEIR_ERR_FILE_IO`) from the next
 * `write` or `flush`.
 *
 * @see org.apache.flink.connector.file.sink.FileWriter
 */
export class FileSinkWriter<T> implements SinkWriter<T> {
  private batch: string[] = [];
  private batchChars = 0;
  private failure: Error | undefined;
  private ended = false;

  private constructor(
    /** Path of the file written. */
    readonly file: string,
    private readonly out: Writable,
    private readonly fileStream: WriteStream,
    private readonly encoder: RecordEncoder<T>,
  ) {
    fileStream.on('error', (err) => this.setFailure(err));
    if (out !== fileStream) out.on('error', (err) => this.setFailure(err));
  }

  /**
   * Creates parent directories, opens (truncates) `file` and reports it with `context.reportOutput`.
   * @throws FileIoError (`WEIR_ERR_FILE_IO`) when the directory or file cannot be created.
   */
  static async open<T>(file: string, gzip: boolean, encoder: RecordEncoder<T>, context: SinkWriterContext): Promise<FileSinkWriter<T>> {
    await mkdir(dirname(file), { recursive: true }).catch((err: unknown) => {
      throw new FileIoError(file, 'create the directory of', err);
    });
    const fileStream = createWriteStream(file, { highWaterMark: STREAM_HIGH_WATER_MARK });
    await new Promise<void>((resolve, reject) => {
      fileStream.once('ready', () => resolve());
      fileStream.once('error', (err) => reject(new FileIoError(file, 'open', err)));
    });
    let out: Writable = fileStream;
    if (gzip) {
      // zlib streams pass stream options through to Transform; its typings omit them.
      const options: ZlibOptions & TransformOptions = { highWaterMark: STREAM_HIGH_WATER_MARK };
      const gz = createGzip(options);
      pipeline(gz, fileStream, () => undefined); // errors reach the writer through its 'error' listeners
      out = gz;
    }
    const writer = new FileSinkWriter<T>(file, out, fileStream, encoder);
    context.reportOutput(file);
    const start = encoder.start();
    if (start !== '') writer.append(start);
    return writer;
  }

  /**
   * Encodes `value` into the current batch; a full batch goes to the stream. Returns a Promise
   * (resolved on `'drain'`) only when the stream asks to wait, else `undefined`.
   * @throws FileIoError (`WEIR_ERR_FILE_IO`) after a write error; ConfigurationError from the CSV encoder.
   */
  write(value: T, _timestamp: number): Promise<void> | undefined {
    if (this.failure !== undefined) throw this.failure;
    this.append(this.encoder.encode(value));
    return this.batchChars >= BATCH_CHARS ? this.writeBatch() : undefined;
  }

  /** Hands buffered text to the stream (no fsync); on end of input also ends the file and waits until it is closed. */
  async flush(endOfInput: boolean): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    await this.writeBatch();
    if (!endOfInput || this.ended) return;
    this.ended = true;
    await new Promise<void>((resolve, reject) => {
      if (this.fileStream.closed) {
        resolve();
        return;
      }
      this.fileStream.once('close', () => (this.failure !== undefined ? reject(this.failure) : resolve()));
      this.out.end();
    });
  }

  /** Destroys the streams if the file was not ended (after a failure); resolves once the file is closed. */
  close(): Promise<void> {
    if (this.fileStream.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.fileStream.once('close', () => resolve());
      if (!this.ended) {
        this.out.destroy();
        this.fileStream.destroy();
      }
    });
  }

  private append(text: string): void {
    this.batch.push(text);
    this.batchChars += text.length;
  }

  private writeBatch(): Promise<void> | undefined {
    if (this.batch.length === 0) return undefined;
    const text = this.batch.length === 1 ? (this.batch[0] as string) : this.batch.join('');
    this.batch = [];
    this.batchChars = 0;
    if (this.out.write(text)) return undefined;
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        this.out.off('drain', onDrain);
        this.out.off('close', onClose);
        this.fileStream.off('error', onError);
        if (err !== undefined) reject(err);
        else resolve();
      };
      const onDrain = (): void => done();
      const onClose = (): void => done(this.failure ?? new FileIoError(this.file, 'write', new Error('stream closed')));
      const onError = (): void => done(this.failure);
      this.out.once('drain', onDrain);
      this.out.once('close', onClose);
      this.fileStream.once('error', onError);
    });
  }

  private setFailure(err: Error): void {
    this.failure ??= new FileIoError(this.file, 'write', err);
  }
}
