/**
 * Where a `FileSink`'s files live and how they are named (Flink's OutputFileConfig and bucket
 * part-file naming), in the two modes of the sink:
 *
 * - directory mode (`dir`, subtask `i`, part counter `n`, extension `ext` such as `csv` or
 *   `ndjson.gz`): final `part-<i>-<n>.<ext>`, in progress `.part-<i>-<n>.<ext>.inprogress.<uid>`,
 *   pending `.part-<i>-<n>.<ext>.pending.<checkpointId>`;
 * - single-file mode (target `<dir>/<base>`, parallelism 1): final `<base>` (parts are appended to
 *   it on commit), in progress `.<base>.part-<n>.inprogress.<uid>`, pending
 *   `.<base>.part-<n>.pending.<checkpointId>`.
 *
 * Hidden names start with `.`, so readers of the directory (and `FileSource`, which skips `.` and
 * `_` names) only ever see committed data. The pending name carries the checkpoint that prepared
 * it, so the committer can tell prepared transactions of uncompleted checkpoints (garbage after a
 * restore) from those restored committables refer to; the in-progress name carries a random `uid`
 * per writer, so a new attempt never reuses a name a failed one left behind.
 */
import { basename, dirname, join } from 'node:path';

/** What a hidden name of this layout is. */
export interface ParsedPartFile {
  readonly kind: 'inprogress' | 'pending';
  /** The subtask that wrote it (always 0 in single-file mode). */
  readonly subtask: number;
  /** The part counter. */
  readonly part: number;
  /** The preparing checkpoint (pending files only). */
  readonly checkpointId?: number;
}

/** The naming scheme of one `FileSink` (see the module docstring); pure, no file system access. */
export class PartFileLayout {
  /** The directory holding final, in-progress and pending files. */
  readonly dir: string;
  private readonly base: string | undefined;
  private readonly hidden: RegExp;
  private readonly visible: RegExp | undefined;

  /**
   * @param path the sink's path: the directory (directory mode) or the target file (single-file mode).
   * @param singleFile whether `path` is one target file.
   * @param extension directory mode: the part files' extension without the leading dot, e.g. `ndjson.gz`.
   */
  constructor(
    path: string,
    readonly singleFile: boolean,
    readonly extension: string,
  ) {
    if (singleFile) {
      this.dir = dirname(path);
      this.base = basename(path);
      this.hidden = new RegExp(`^\\.${escape(this.base)}\\.part-(\\d+)\\.(?:inprogress\\.[0-9a-f]+|pending\\.(\\d+))$`);
      this.visible = undefined;
    } else {
      this.dir = path;
      this.base = undefined;
      this.hidden = new RegExp(`^\\.part-(\\d+)-(\\d+)\\.${escape(extension)}\\.(?:inprogress\\.[0-9a-f]+|pending\\.(\\d+))$`);
      this.visible = new RegExp(`^part-(\\d+)-(\\d+)\\.${escape(extension)}$`);
    }
  }

  /** The committed name of part `part` of subtask `subtask` (single-file mode: the target). */
  finalPath(subtask: number, part: number): string {
    return this.base !== undefined ? join(this.dir, this.base) : join(this.dir, `part-${subtask}-${part}.${this.extension}`);
  }

  /** The hidden name a writer (instance `uid`, hex) writes part `part` to. */
  inProgressPath(subtask: number, part: number, uid: string): string {
    return join(this.dir, `${this.stem(subtask, part)}.inprogress.${uid}`);
  }

  /** The hidden name of part `part` once prepared for checkpoint `checkpointId`. */
  pendingPath(subtask: number, part: number, checkpointId: number): string {
    return join(this.dir, `${this.stem(subtask, part)}.pending.${checkpointId}`);
  }

  /** Parses a hidden (in-progress or pending) file name of this layout; `undefined` for any other name. */
  parseHidden(name: string): ParsedPartFile | undefined {
    const m = this.hidden.exec(name);
    if (m === null) return undefined;
    const single = this.base !== undefined;
    const subtask = single ? 0 : Number(m[1]);
    const part = Number(single ? m[1] : m[2]);
    const cp = single ? m[2] : m[3];
    return cp === undefined ? { kind: 'inprogress', subtask, part } : { kind: 'pending', subtask, part, checkpointId: Number(cp) };
  }

  /**
   * The part counter of any file of subtask `subtask` named `name` (final, in progress or pending),
   * or `undefined` when the name is not one of its parts.
   */
  partOf(name: string, subtask: number): number | undefined {
    const hidden = this.parseHidden(name);
    if (hidden !== undefined) return hidden.subtask === subtask ? hidden.part : undefined;
    const m = this.visible?.exec(name);
    return m != null && Number(m[1]) === subtask ? Number(m[2]) : undefined;
  }

  private stem(subtask: number, part: number): string {
    return this.base !== undefined ? `.${this.base}.part-${part}` : `.part-${subtask}-${part}.${this.extension}`;
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
