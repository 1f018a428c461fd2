import type { DecodedRecord, FileDecoder, FileFormat, RecordSink } from './file-format.js';
import type { FilePosition } from './file-position.js';
import type { NdjsonSourceOptions } from './file-source-options.js';
import { NdjsonDecoder } from './ndjson-decoder.js';
import { recordParseError } from './record-error.js';

/**
 * Newline-delimited JSON: one JSON value per line, parsed with `JSON.parse` and mapped through
 * `options.mapper`. An invalid line is a `RecordParseError` with the parser's reason.
 *
 * @see org.apache.flink.formats.json (Flink reads JSON lines with a StreamFormat over a line reader)
 */
export class NdjsonFormat<T> implements FileFormat<T> {
  constructor(private readonly options: NdjsonSourceOptions<T>) {}

  open(file: string, from: FilePosition | undefined, sink: RecordSink): Promise<{ decoder: FileDecoder; start: FilePosition }> {
    const start = from ?? { file, offset: 0, line: 1 };
    return Promise.resolve({ decoder: new NdjsonDecoder(file, start, sink), start });
  }

  toValue(record: DecodedRecord): T | undefined {
    let value: unknown;
    try {
      value = JSON.parse(record.raw);
    } catch (err) {
      const { file, line, offset, raw } = record;
      throw recordParseError({ file, line, offset, raw, reason: `invalid JSON: ${err instanceof Error ? err.message : String(err)}` }, { cause: err });
    }
    const mapper = this.options.mapper;
    return mapper === undefined ? (value as T) : mapper(value, { file: record.file, line: record.line, offset: record.offset });
  }
}
