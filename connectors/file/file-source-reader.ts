import { resolve as resolvePath } from 'node:path';
import { Deque } from '../../lib/actor/deque.js';
import { ConfigurationError, RecordParseError } from '../../lib/errors.js';
import type { InputStatus, ReaderOutput, SourceReader, SourceReaderContext } from '../source.js';
import { FileIoError } from './file-io-error.js';
import type { DecodedRecord, FileDecoder, FileFormat, RecordSink } from './file-format.js';
import { openFileInput, type FileInput } from './file-input.js';
import type { FilePosition } from './file-position.js';
import type { FileSourceOptions } from './file-source-options.js';
import { toFileSourceSplit, type FileSourceSplit } from './file-source-split.js';
import { listInputFiles } from './list-files.js';
import { errorDetail, recordParseError } from './record-error.js';

/** Decoded records buffered ahead of `pollNext`; reading pauses at this many. */
export const READER_HIGH_WATER_MARK = 8192;
/** Reading resumes once the buffer has drained to this many. */
const READER_LOW_WATER_MARK = READER_HIGH_WATER_MARK / 2;
/** At most this many records are handled per `pollNext` call. */
export const MAX_RECORDS_PER_POLL = 1024;

const RESOLVED = Promise.resolve();

/** A failure raised by `pollNext` once the records read before it are emitted. */
class ReaderFailure {
  constructor(readonly error: Error) {}
}

/** Queued behind the last record of a file that was read to its end (or its limit). */
class SplitEnd {}
const SPLIT_END = new SplitEnd();

/** One split of this reader: a file and where the next record not yet emitted starts. */
class SplitState {
  /** Records emitted from this split by this reader (good, skipped or dead-lettered). */
  emitted = 0;
  /** True once every record of the split was emitted. */
  finished = false;

  constructor(
    readonly file: string,
    public offset: number,
    public line: number,
    /** Records this reader may read from the split's starting position; `undefined`: no limit. */
    readonly limit: number | undefined,
  ) {}
}

/** The file being read. */
class ActiveFile {
  /** Records queued from this file. */
  records = 0;
  limitReached = false;
  paused = false;
  /** Set when this file is finished, failed or closed: its streams' events are ignored from then on. */
  done = false;
  input: FileInput | undefined;
  decoder: FileDecoder | undefined;

  constructor(readonly split: SplitState) {}

  get file(): string {
    return this.split.file;
  }
}

/**
 * Reads the files of one `FileSource` subtask, one file after another: on a fresh start file `i` of
 * the sorted listing belongs to subtask `i % parallelism`, so a subtask with no file ends at once;
 * on restore the reader reads exactly its restored {@link FileSourceSplit}s, in the order given.
 *
 * Bytes stream from disk (through gunzip for `.gz`) into the format's decoder; decoded records are
 * buffered up to {@link READER_HIGH_WATER_MARK} (reading pauses there, overshooting by at
 * most one 64 KiB chunk's records, and resumes at half) and
 * `pollNext` maps and emits at most {@link MAX_RECORDS_PER_POLL} per call. `isAvailable` resolves
 * when records are buffered, input ended or a failure is pending; there is no promise per record.
 *
 * For every file the reader keeps the byte offset and line of the next record not yet emitted
 * ({@link currentPosition}); passing those back as `startOffsets` resumes exactly after the last
 * emitted record. {@link snapshotState} returns the same positions of the unfinished files as
 * splits, for checkpoints (Flink's FileSourceReader state); records are attributed to files by a
 * marker queued behind each file's last record, so buffered-but-not-emitted records never count.
 *
 * @see org.apache.flink.connector.file.src.impl.FileSourceReader, StreamFormatAdapter
 */
export class FileSourceReader<T> implements SourceReader<T> {
  private splits: SplitState[] = [];
  private readonly queue = new Deque<DecodedRecord | ReaderFailure | SplitEnd>(1024);
  /** Index of the next split to open. */
  private nextSplit = 0;
  /** Index of the split whose records are at the queue's head (the first one not finished). */
  private head = 0;
  private active: ActiveFile | undefined;
  private opening: Promise<void> | undefined;
  private readonly closing = new Set<Promise<void>>();
  private inputEnded = false;
  private closed = false;
  private failure: Error | undefined;
  private waiter: { promise: Promise<void>; resolve: () => void } | undefined;

  /**
   * @param paths files and/or directories, as given to the source.
   * @param format decodes and maps records (CSV, NDJSON).
   */
  constructor(
    private readonly paths: readonly string[],
    private readonly format: FileFormat<T>,
    private readonly context: SourceReaderContext,
    private readonly options: FileSourceOptions,
  ) {}

  /**
   * Lists the input files and starts reading this subtask's first file. On restore
   * (`context.restoredSplits` defined) nothing is listed: the reader takes exactly those splits
   * (`startOffsets` is then ignored; an empty list ends at once).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when an input path does not exist;
   *   RestoreError (`WEIR_ERR_RESTORE`) when a restored split is not a {@link FileSourceSplit}.
   */
  async start(): Promise<void> {
    const restored = this.context.restoredSplits;
    if (restored !== undefined) {
      this.splits = restored.map((split, i) => {
        const s = toFileSourceSplit(split, i);
        return new SplitState(s.file, s.offset, s.line, s.limit);
      });
    } else {
      const all = await listInputFiles(this.paths);
      const { subtaskIndex, parallelism } = this.context;
      const given = new Map((this.options.startOffsets ?? []).map((p) => [resolvePath(p.file), p] as const));
      this.splits = all
        .filter((_, i) => i % parallelism === subtaskIndex)
        .map((file) => {
          const from = given.get(resolvePath(file));
          return new SplitState(file, from?.offset ?? 0, from?.line ?? 1, this.options.limit);
        });
    }
    this.openNext();
  }

  /**
   * Maps and emits up to {@link MAX_RECORDS_PER_POLL} buffered records (malformed ones to the
   * dead-letter tag, if set) and says whether more are buffered, none yet, or input ended.
   * @throws RecordParseError (`WEIR_ERR_RECORD_PARSE`) for a malformed record without a dead-letter
   *   tag; ConfigurationError (`WEIR_ERR_CONFIG`) from the mapper (unknown column); FileIoError
   *   (`WEIR_ERR_FILE_IO`) when a file cannot be read. Once thrown, every later call throws the same.
   */
  pollNext(output: ReaderOutput<T>): InputStatus {
    if (this.failure !== undefined) throw this.failure;
    for (let n = 0; n < MAX_RECORDS_PER_POLL; n++) {
      const item = this.queue.shift();
      if (item === undefined) break;
      if (item === SPLIT_END) {
        const split = this.splits[this.head++];
        if (split !== undefined) split.finished = true;
        continue;
      }
      if (item instanceof ReaderFailure) {
        this.failure = item.error;
        throw item.error;
      }
      try {
        this.emit(item as DecodedRecord, output);
      } catch (err) {
        this.failure = err instanceof Error ? err : new Error(String(err));
        throw err;
      }
    }
    const active = this.active;
    if (active?.paused === true && this.queue.length <= READER_LOW_WATER_MARK) {
      active.paused = false;
      active.input?.stream.resume();
    }
    if (this.queue.length > 0) return 'MORE_AVAILABLE';
    return this.inputEnded ? 'END_OF_INPUT' : 'NOTHING_AVAILABLE';
  }

  /** Resolves when records are buffered, input ended, a failure is pending, or the reader closed (one shared promise while waiting). */
  isAvailable(): Promise<void> {
    if (this.queue.length > 0 || this.inputEnded || this.closed) return RESOLVED;
    if (this.waiter === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.waiter = { promise, resolve };
    }
    return this.waiter.promise;
  }

  /**
   * For each file of this subtask (in reading order), the byte offset and line of the next record
   * not yet emitted; a finished file stands at its end. Pass the result as `startOffsets` to resume.
   * Empty before `start()` has listed the files.
   */
  currentPosition(): FilePosition[] {
    return this.splits.map(({ file, offset, line }) => ({ file, offset, line }));
  }

  /**
   * The unfinished files of this reader (in reading order) as {@link FileSourceSplit}s: each at the
   * byte offset and line of its next record not yet emitted, with the records left under the
   * source's `limit`. Files read to their end (or limit) are left out. Call between two `pollNext`
   * calls, after `start()`; a reader restored from the result emits exactly the records this one
   * has not emitted yet.
   * @see org.apache.flink.connector.file.src.impl.FileSourceReader#snapshotState
   */
  snapshotState(_checkpointId?: number): FileSourceSplit[] {
    const out: FileSourceSplit[] = [];
    for (let i = this.head; i < this.splits.length; i++) {
      const s = this.splits[i] as SplitState;
      if (s.finished) continue;
      if (s.limit === undefined) {
        out.push({ kind: 'file', file: s.file, offset: s.offset, line: s.line });
        continue;
      }
      const limit = s.limit - s.emitted;
      if (limit > 0) out.push({ kind: 'file', file: s.file, offset: s.offset, line: s.line, limit });
    }
    return out;
  }

  /** Stops reading and closes every open file, also mid-file; resolves once file descriptors are closed. */
  async close(): Promise<void> {
    this.closed = true;
    this.signal();
    if (this.active !== undefined) this.stopFile(this.active);
    await this.opening;
    await Promise.all(this.closing);
    this.queue.clear();
  }

  /** Emits one record (or its dead letter) and advances the file's position past it. */
  private emit(record: DecodedRecord, output: ReaderOutput<T>): void {
    if (record.error !== undefined) {
      const { file, line, offset, raw } = record;
      const { reason, field } = record.error;
      if (this.options.deadLetter === undefined) {
        throw recordParseError(field === undefined ? { file, line, offset, reason, raw } : { file, line, offset, field, reason, raw });
      }
      output.collectSide(this.options.deadLetter, { file, line, offset, field, reason, raw });
    } else {
      let value: T | undefined;
      try {
        value = this.format.toValue(record);
      } catch (err) {
        this.reject(record, err, output);
      }
      if (value !== undefined) output.collect(value);
    }
    const split = this.splits[this.head];
    if (split !== undefined) {
      split.emitted++;
      if (record.nextOffset >= split.offset) {
        split.offset = record.nextOffset;
        split.line = record.nextLine;
      }
    }
  }

  /** Handles an error thrown while mapping `record`: dead-letters it or rethrows it as a `RecordParseError`. */
  private reject(record: DecodedRecord, err: unknown, output: ReaderOutput<T>): void {
    if (err instanceof ConfigurationError) throw err; // a mistake in the job, not in the data
    const { file, line, offset, raw } = record;
    const parseError =
      err instanceof RecordParseError
        ? err
        : recordParseError({ file, line, offset, raw, reason: `mapper failed: ${err instanceof Error ? err.message : String(err)}` }, { cause: err });
    const tag = this.options.deadLetter;
    if (tag === undefined) throw parseError;
    const { reason, raw: badRaw } = errorDetail(parseError, raw);
    output.collectSide(tag, { file: parseError.file, line: parseError.line, offset: parseError.offset, field: parseError.field, reason, raw: badRaw });
  }

  private openNext(): void {
    if (this.closed) return;
    const split = this.splits[this.nextSplit++];
    if (split === undefined) {
      this.inputEnded = true;
      this.signal();
      return;
    }
    const file = split.file;
    const active = new ActiveFile(split);
    this.active = active;
    const sink: RecordSink = {
      push: (record) => this.onRecord(active, record),
      fail: (error) => this.fail(active, error),
    };
    const from: FilePosition = { file, offset: split.offset, line: split.line };
    this.opening = this.format.open(file, from, sink).then(
      ({ decoder, start }) => {
        this.opening = undefined;
        active.decoder = decoder;
        if (active.done) {
          decoder.destroy();
          return;
        }
        if (split.emitted === 0) {
          // The format may start later than asked (CSV: after the header row).
          split.offset = start.offset;
          split.line = start.line;
        }
        this.read(active, start.offset);
      },
      (err: unknown) => {
        this.opening = undefined;
        this.fail(active, err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  /** Streams `active`'s bytes from `offset` into its decoder. */
  private read(active: ActiveFile, offset: number): void {
    const input = openFileInput(active.file, offset);
    active.input = input;
    const decoder = active.decoder as FileDecoder;
    input.stream.on('data', (chunk: Buffer) => {
      if (active.done) return;
      decoder.write(chunk);
      if (active.limitReached) {
        this.endFile(active);
        this.openNext();
      } else if (this.queue.length >= READER_HIGH_WATER_MARK && !active.paused) {
        active.paused = true;
        input.stream.pause();
      }
      this.signal();
    });
    input.stream.once('end', () => {
      if (active.done) return;
      void decoder.finish().then(() => {
        if (active.done) return;
        this.endFile(active);
        this.openNext();
        this.signal();
      });
    });
    input.stream.on('error', (err: Error) => {
      if (!active.done) this.fail(active, new FileIoError(active.file, 'read', err));
    });
    if (this.queue.length >= READER_HIGH_WATER_MARK) {
      // The previous file filled the buffer: do not start flowing before pollNext drains it.
      active.paused = true;
      input.stream.pause();
    }
  }

  private onRecord(active: ActiveFile, record: DecodedRecord): void {
    if (active.done || active.limitReached) return;
    const limit = active.split.limit;
    if (limit !== undefined && active.records >= limit) {
      active.limitReached = true;
      return;
    }
    this.queue.push(record);
    active.records++;
    if (limit !== undefined && active.records >= limit) active.limitReached = true;
  }

  /** Queues `error` behind the records read so far and stops reading. */
  private fail(active: ActiveFile, error: Error): void {
    if (active.done) return;
    this.stopFile(active);
    this.queue.push(new ReaderFailure(error));
    this.signal();
  }

  /** `active` was read to its end or limit: stops it and queues the marker behind its last record. */
  private endFile(active: ActiveFile): void {
    this.stopFile(active);
    this.queue.push(SPLIT_END);
  }

  /** Marks `active` done and closes its streams (tracked, so `close()` can await them). */
  private stopFile(active: ActiveFile): void {
    if (active.done) return;
    active.done = true;
    active.decoder?.destroy();
    if (this.active === active) this.active = undefined;
    const input = active.input;
    if (input !== undefined) {
      const closing = input.close();
      this.closing.add(closing);
      void closing.then(() => this.closing.delete(closing));
    }
  }

  private signal(): void {
    const waiter = this.waiter;
    if (waiter === undefined) return;
    this.waiter = undefined;
    waiter.resolve();
  }
}
