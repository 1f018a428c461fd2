import { CsvDecoder, readCsvHeader, type CsvHeader } from './csv-decoder.js';
import type { DecodedRecord, FileDecoder, FileFormat, RecordSink } from './file-format.js';
import type { FilePosition } from './file-position.js';
import type { CsvSourceOptions } from './file-source-options.js';
import { CsvRow } from './row.js';

/**
 * CSV with a header row: each file's header is read first, then its rows are decoded with the
 * header's column names and mapped through `options.mapper` as {@link CsvRow}s.
 *
 * @see org.apache.flink.formats.csv.CsvReaderFormat
 */
export class CsvFormat<T> implements FileFormat<T> {
  private readonly headers = new Map<string, CsvHeader>();
  private readonly delimiter: string;

  constructor(private readonly options: CsvSourceOptions<T>) {
    this.delimiter = options.delimiter ?? ',';
  }

  async open(file: string, from: FilePosition | undefined, sink: RecordSink): Promise<{ decoder: FileDecoder; start: FilePosition }> {
    const header = await readCsvHeader(file, this.delimiter);
    if (header === undefined) return { decoder: EMPTY_DECODER, start: { file, offset: 0, line: 1 } };
    this.headers.set(file, header);
    const start = from !== undefined && from.offset >= header.end ? from : { file, offset: header.end, line: header.nextLine };
    return { decoder: new CsvDecoder(file, header, start, this.delimiter, sink), start };
  }

  toValue(record: DecodedRecord): T | undefined {
    const row = new CsvRow(record.value as Record<string, string>, {
      file: record.file,
      line: record.line,
      offset: record.offset,
      raw: record.raw,
      columns: this.headers.get(record.file)?.columns ?? [],
      nullLiteral: this.options.nullLiteral,
    });
    return this.options.mapper(row);
  }
}

/** The decoder of an empty file (no header, no rows). */
const EMPTY_DECODER: FileDecoder = {
  write: () => undefined,
  finish: () => Promise.resolve(),
  destroy: () => undefined,
};
