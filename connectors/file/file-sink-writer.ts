import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, type TransformOptions, type Writable } from 'node:stream';
import { createGzip, type ZlibOptions } from 'node:zlib';
import type { PrecommittingSinkWriter, SinkWriterContext } from '../sink.js';
import { syncDirectory } from './file-committer.js';
import { FileIoError } from './file-io-error.js';
import type { FileSinkCommittable } from './file-sink-committable.js';
import type { PartFileLayout } from './part-file-layout.js';
import type { RecordEncoder } from './record-encoder.js';

/** Encoded text is collected up to this many characters before it is handed to the stream. */
const BATCH_CHARS = 64 * 1024;
/** Stream buffer (bytes): several batches fit, so `write` rarely has to wait for `'drain'`. */
const STREAM_HIGH_WATER_MARK = 256 * 1024;

/**
 * The checkpointed state of one `FileSink` writer (plain data): the next part counter of subtask
 * `subtask`; in single-file mode the target's length once every prepared part is committed; for CSV
 * with columns derived from the first record, those columns (so parts written after a restore keep
 * the header's order).
 */
export interface FileSinkWriterState {
  readonly subtask: number;
  /** Counter of the next part file (≥ 0). */
  readonly nextPart: number;
  /** Single-file mode: bytes of the target with every part prepared so far committed. */
  readonly targetLength?: number;
  /** CSV: the column names fixed so far. */
  readonly columns?: readonly string[];
}

/** The part file being written: a hidden in-progress file. */
class OpenPart {
  failure: Error | undefined;
  /** Resolves once the file is open; rejects with a FileIoError when it cannot be created. */
  readonly ready: Promise<void>;

  constructor(
    readonly index: number,
    readonly inProgress: string,
    readonly out: Writable,
    readonly fileStream: WriteStream,
  ) {
    fileStream.on('error', (err) => this.setFailure(err));
    if (out !== fileStream) out.on('error', (err) => this.setFailure(err));
    this.ready = new Promise<void>((resolve, reject) => {
      fileStream.once('ready', () => resolve());
      fileStream.once('error', () => reject(this.failure));
    });
    this.ready.catch(() => undefined); // also reported through `failure`
  }

  private setFailure(err: Error): void {
    this.failure ??= new FileIoError(this.inProgress, 'write', err);
  }
}

/**
 * Writes the part files of one `FileSink` subtask and prepares them for commit (Flink's FileWriter
 * with its in-progress → pending part-file life cycle): records are encoded to text, collected in
 * batches of about 64 Ki characters and written to a buffered `fs.createWriteStream` (through gzip
 * for `.gz`) on a hidden in-progress file, opened at the first record after a commit point.
 * `prepareCommit(c)` ends that file, fsyncs it, renames it to its hidden pending name and returns
 * the {@link FileSinkCommittable} that the committer later uses to publish it; the next record starts
 * a new part. Nothing is visible under a final name before the commit.
 *
 * `write` returns a Promise when a part file is being opened (once per part) or the stream asks to
 * wait (its `write` returned `false`, resolved on `'drain'`); otherwise `undefined`, so there is no
 * promise per record. `flush` hands buffered text to the stream; it does not end the part.
 *
 * CSV headers: in directory mode every part file starts with the header; in single-file mode only
 * the first part of the target does. When input ends without any part ever prepared,
 * `prepareCommit` still produces one (empty, or only the header), so every subtask leaves a file as
 * before.
 *
 * Write errors (`ENOSPC`, …) surface as `FileIoError` (code `WEIR_ERR_FILE_IO`) from the next
 * `write`, `flush` or `prepareCommit`.
 *
 * @see org.apache.flink.connector.file.sink.writer.FileWriter
 */
export class FileSinkWriter<T> implements PrecommittingSinkWriter<T, FileSinkCommittable> {
  private batch: string[] = [];
  private batchChars = 0;
  private part: OpenPart | undefined;
  private nextPart: number;
  private targetLength: number;
  /** Whether a part of this subtask was ever prepared (also before a restore). */
  private producedAny: boolean;
  private inputEnded = false;
  private closed = false;
  private readonly uid = randomBytes(4).toString('hex');
  private readonly reported = new Set<string>();

  private constructor(
    private readonly layout: PartFileLayout,
    private readonly gzip: boolean,
    private readonly encoder: RecordEncoder<T>,
    private readonly context: SinkWriterContext,
    start: { nextPart: number; targetLength: number },
  ) {
    this.nextPart = start.nextPart;
    this.targetLength = start.targetLength;
    this.producedAny = start.nextPart > 0;
  }

  /**
   * Creates the output directory and the writer of subtask `context.subtaskIndex`. On a fresh start
   * the part counter starts at 0 (a re-run overwrites parts of the same names on commit); on restore
   * the output is first rolled back to the restored checkpoint (final parts numbered from a restored
   * writer state's next part on are deleted; a single file is truncated to its restored length),
   * then the counter continues from the restored {@link FileSinkWriterState} of this subtask, and
   * never below a part of this subtask still in the directory (final or pending), so a commit
   * never replaces committed output.
   * @throws FileIoError (`WEIR_ERR_FILE_IO`) when the directory cannot be created or listed.
   */
  static async create<T>(layout: PartFileLayout, gzip: boolean, encoder: RecordEncoder<T>, context: SinkWriterContext): Promise<FileSinkWriter<T>> {
    await mkdir(layout.dir, { recursive: true }).catch((err: unknown) => {
      throw new FileIoError(layout.dir, 'create the directory', err);
    });
    const subtask = context.subtaskIndex;
    const start = { nextPart: 0, targetLength: 0 };
    const restored = context.restoredState;
    if (restored !== undefined) {
      const own = restored.filter(isWriterState).filter((s) => s.subtask === subtask);
      for (const s of own) {
        start.nextPart = Math.max(start.nextPart, s.nextPart);
        if (s.targetLength !== undefined) start.targetLength = Math.max(start.targetLength, s.targetLength);
        if (s.columns !== undefined) encoder.restoreColumns?.(s.columns);
      }
      let names: string[];
      try {
        names = await readdir(layout.dir);
      } catch (err) {
        throw new FileIoError(layout.dir, 'list', err);
      }
      // Roll back what checkpoints after the restored one committed (the restore fell back past
      // them, or started from an older checkpoint or savepoint): the restored job writes those
      // records again. Parts numbered from a restored writer state's `nextPart` on were started
      // after its barrier; each old subtask's state reaches exactly one new writer.
      if (!layout.singleFile) {
        for (const s of restored.filter(isWriterState)) {
          for (const name of names) {
            const part = layout.parseHidden(name) === undefined ? layout.partOf(name, s.subtask) : undefined;
            if (part === undefined || part < s.nextPart) continue;
            const file = join(layout.dir, name);
            await unlink(file).catch((err: unknown) => {
              if ((err as { code?: unknown }).code !== 'ENOENT') throw new FileIoError(file, 'delete', err);
            });
          }
        }
        names = await readdir(layout.dir).catch((err: unknown) => {
          throw new FileIoError(layout.dir, 'list', err);
        });
      }
      for (const name of names) {
        const part = layout.partOf(name, subtask);
        if (part !== undefined) start.nextPart = Math.max(start.nextPart, part + 1);
      }
      if (layout.singleFile && own.every((s) => s.targetLength === undefined)) {
        // No writer state (restored before this writer had any): the committed file as it is.
        start.targetLength = (await stat(layout.finalPath(0, 0)).catch(() => undefined))?.size ?? 0;
      } else if (layout.singleFile) {
        // The same roll-back in single-file mode: cut what was appended after the restored checkpoint.
        const target = layout.finalPath(0, 0);
        const size = (await stat(target).catch(() => undefined))?.size;
        if (size !== undefined && size > start.targetLength) {
          await truncate(target, start.targetLength).catch((err: unknown) => {
            throw new FileIoError(target, 'truncate', err);
          });
        }
      }
    }
    return new FileSinkWriter<T>(layout, gzip, encoder, context, start);
  }

  /**
   * Encodes `value` into the current batch (opening a new in-progress part first if none is open);
   * a full batch goes to the stream.
   * @returns a Promise while a part file opens or the stream asks to wait, else `undefined`.
   * @throws FileIoError (`WEIR_ERR_FILE_IO`) after a write error; ConfigurationError from the CSV encoder.
   */
  write(value: T, _timestamp: number): Promise<void> | undefined {
    const failure = this.part?.failure;
    if (failure !== undefined) throw failure;
    const opening = this.part === undefined ? this.startPart() : undefined;
    this.append(this.encoder.encode(value));
    if (opening !== undefined) return opening.then(() => (this.batchChars >= BATCH_CHARS ? this.writeBatch() : undefined));
    return this.batchChars >= BATCH_CHARS ? this.writeBatch() : undefined;
  }

  /** Hands buffered text to the stream (no fsync, the part stays open); `endOfInput` marks the input's end. */
  async flush(endOfInput: boolean): Promise<void> {
    if (endOfInput) this.inputEnded = true;
    const failure = this.part?.failure;
    if (failure !== undefined) throw failure;
    await this.writeBatch();
  }

  /**
   * Ends the open part (if any): writes the rest, closes and fsyncs it, renames it to its pending
   * name for checkpoint `checkpointId` and returns its committable; `[]` when nothing was written
   * since the last call (except at end of input when no part was ever prepared: an empty one then).
   * @throws FileIoError (`WEIR_ERR_FILE_IO`) when the part cannot be written, synced or renamed.
   */
  async prepareCommit(checkpointId: number): Promise<FileSinkCommittable[]> {
    if (this.part === undefined && this.inputEnded && !this.producedAny) await this.startPart();
    const part = this.part;
    if (part === undefined) return [];
    await this.writeBatch();
    await part.ready.catch(() => undefined);
    await new Promise<void>((resolve) => {
      if (part.fileStream.closed) resolve();
      else {
        part.fileStream.once('close', () => resolve());
        part.out.end();
      }
    });
    this.part = undefined;
    if (part.failure !== undefined) throw part.failure;
    const subtask = this.context.subtaskIndex;
    const pending = this.layout.pendingPath(subtask, part.index, checkpointId);
    const target = this.layout.finalPath(subtask, part.index);
    let size: number;
    try {
      const handle = await open(part.inProgress, 'r+');
      try {
        await handle.sync();
        size = (await handle.stat()).size;
      } finally {
        await handle.close();
      }
      await rename(part.inProgress, pending);
    } catch (err) {
      throw new FileIoError(part.inProgress, 'prepare the commit of', err);
    }
    await syncDirectory(this.layout.dir); // the committable names the pending file: it must survive a crash
    this.producedAny = true;
    if (!this.reported.has(target)) {
      this.reported.add(target);
      this.context.reportOutput(target);
    }
    if (!this.layout.singleFile) return [{ mode: 'rename', pending, target }];
    const targetLengthBefore = this.targetLength;
    this.targetLength += size;
    return [{ mode: 'append', pending, target, targetLengthBefore }];
  }

  /** The part counter, the single-file target length and the CSV columns (see {@link FileSinkWriterState}). */
  snapshotState(): FileSinkWriterState[] {
    const columns = this.encoder.columns?.();
    const state: FileSinkWriterState = {
      subtask: this.context.subtaskIndex,
      nextPart: this.nextPart,
      ...(this.layout.singleFile ? { targetLength: this.targetLength } : {}),
      ...(columns !== undefined ? { columns: [...columns] } : {}),
    };
    return [state];
  }

  /**
   * Destroys the open part's streams (after a failure) and deletes its in-progress file; pending
   * parts are left for the committer. Resolves once the file is closed; never throws.
   */
  async close(): Promise<void> {
    this.closed = true;
    const part = this.part;
    this.part = undefined;
    this.batch = [];
    this.batchChars = 0;
    if (part === undefined) return;
    await part.ready.catch(() => undefined);
    if (!part.fileStream.closed) {
      await new Promise<void>((resolve) => {
        part.fileStream.once('close', () => resolve());
        part.out.destroy();
        part.fileStream.destroy();
      });
    }
    await unlink(part.inProgress).catch(() => undefined);
  }

  /** Opens the next in-progress part and queues the text a file starts with (CSV header). */
  private startPart(): Promise<void> {
    if (this.closed) return Promise.reject(new FileIoError(this.layout.dir, 'write to', new Error('the writer is closed')));
    const subtask = this.context.subtaskIndex;
    const index = this.nextPart++;
    const inProgress = this.layout.inProgressPath(subtask, index, this.uid);
    const fileStream = createWriteStream(inProgress, { highWaterMark: STREAM_HIGH_WATER_MARK });
    let out: Writable = fileStream;
    if (this.gzip) {
      // zlib streams pass stream options through to Transform; its typings omit them.
      const options: ZlibOptions & TransformOptions = { highWaterMark: STREAM_HIGH_WATER_MARK };
      const gz = createGzip(options);
      pipeline(gz, fileStream, () => undefined); // errors reach the part through its 'error' listeners
      out = gz;
    }
    const part = new OpenPart(index, inProgress, out, fileStream);
    this.part = part;
    // Single-file mode: only the target's first part carries the header.
    if (!this.layout.singleFile || this.targetLength === 0) {
      const start = this.encoder.start();
      if (start !== '') this.append(start);
    }
    const opened = part.ready.catch((err: unknown) => {
      throw err instanceof FileIoError ? err : new FileIoError(inProgress, 'open', err);
    });
    opened.catch(() => undefined); // a caller that threw before awaiting it still sees `failure` next time
    return opened;
  }

  private append(text: string): void {
    this.batch.push(text);
    this.batchChars += text.length;
  }

  private writeBatch(): Promise<void> | undefined {
    const part = this.part;
    if (this.batch.length === 0 || part === undefined) return undefined;
    const text = this.batch.length === 1 ? (this.batch[0] as string) : this.batch.join('');
    this.batch = [];
    this.batchChars = 0;
    const { out, fileStream } = part;
    if (out.write(text)) return undefined;
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error): void => {
        out.off('drain', onDrain);
        out.off('close', onClose);
        fileStream.off('error', onError);
        if (err !== undefined) reject(err);
        else resolve();
      };
      const onDrain = (): void => done();
      const onClose = (): void => done(part.failure ?? new FileIoError(part.inProgress, 'write', new Error('stream closed')));
      const onError = (): void => done(part.failure);
      out.once('drain', onDrain);
      out.once('close', onClose);
      fileStream.once('error', onError);
    });
  }
}

function isWriterState(value: unknown): value is FileSinkWriterState {
  const s = value as Partial<FileSinkWriterState> | null;
  return typeof s === 'object' && s !== null && Number.isSafeInteger(s.subtask) && Number.isSafeInteger(s.nextPart);
}
