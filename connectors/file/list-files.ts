import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError } from '../../lib/errors.js';

/**
 * The input files named by `paths`, sorted by path: a file stands for itself, a directory for the
 * regular files directly inside it (not recursive), skipping hidden names that start with `.` or `_`
 * as Flink's `DefaultFileFilter` does. Duplicates are listed once.
 *
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when a path does not exist or is neither a file
 *   nor a directory.
 */
export async function listInputFiles(paths: readonly string[]): Promise<string[]> {
  const files = new Set<string>();
  for (const p of paths) {
    const st = await stat(p).catch((err: unknown) => {
      throw new ConfigurationError(`file source: input path ${p} does not exist or cannot be read`, { cause: err });
    });
    if (st.isFile()) {
      files.add(p);
    } else if (st.isDirectory()) {
      for (const entry of await readdir(p, { withFileTypes: true })) {
        if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
        const full = join(p, entry.name);
        if (entry.isFile() || (entry.isSymbolicLink() && (await stat(full).catch(() => undefined))?.isFile() === true)) files.add(full);
      }
    } else {
      throw new ConfigurationError(`file source: input path ${p} is neither a file nor a directory`);
    }
  }
  return [...files].sort();
}
