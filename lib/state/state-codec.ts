/**
 * Encoding of state values in snapshots: cbor-x with record structures defined inline, so a snapshot
 * is readable by any process (no shared structure table), and Maps, Sets, Dates, bigints, typed
 * arrays, `undefined` and ±Infinity survive the round trip. User state must be plain data: class
 * instances come back as plain objects (as with Flink's POJO serializer, the fields survive, the
 * prototype does not).
 */
import { Encoder } from 'cbor-x';
import { SnapshotFormatError } from '../errors.js';

const codec = new Encoder({ useRecords: true, mapsAsObjects: false, tagUint8Array: true, structuredClone: false, bundleStrings: false });

/**
 * Encodes `value` (plain data) to bytes.
 * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) when the value holds a function or symbol.
 */
export function encodeState(value: unknown): Uint8Array {
  try {
    return codec.encode(value);
  } catch (err) {
    throw new SnapshotFormatError(`cannot encode state: ${err instanceof Error ? err.message : String(err)} (state must be plain data)`, undefined, { cause: err });
  }
}

/**
 * Decodes bytes written by {@link encodeState}.
 * @throws SnapshotFormatError (`WEIR_ERR_SNAPSHOT_FORMAT`) for bytes that are not such an encoding.
 */
export function decodeState(bytes: Uint8Array, path?: string): unknown {
  try {
    return codec.decode(bytes);
  } catch (err) {
    throw new SnapshotFormatError(`cannot decode state: ${err instanceof Error ? err.message : String(err)}`, path, { cause: err });
  }
}
