/**
 * Field aggregations of a keyed stream as Flink's SumAggregator and ComparableAggregator, built as
 * reduce functions:
 * - `sum(field)`: the first record of the key with `field` replaced by the running sum;
 * - `min(field)` / `max(field)`: the first record with `field` replaced by the running min / max
 *   (other fields are NOT those of the min record — use minBy for that, as in Flink);
 * - `minBy(field, first = true)` / `maxBy(field, first = true)`: the whole record holding the
 *   min / max; on ties the first seen (or, with `first = false`, the latest).
 * `field` is a property name for objects or an index for arrays (Flink's tuple positions); for a
 * stream of plain numbers pass no field (or 0). Records are copied, never mutated.
 */
import { ConfigurationError } from '../errors.js';

export type FieldRef = string | number | undefined;

function get(record: unknown, field: FieldRef): unknown {
  if (field === undefined || (typeof record !== 'object' && field === 0)) return record;
  if (record === null || typeof record !== 'object') throw new ConfigurationError(`cannot read field '${String(field)}' of a ${record === null ? 'null' : typeof record} record`);
  return (record as Record<string | number, unknown>)[field];
}

function set<T>(record: T, field: FieldRef, value: unknown): T {
  if (field === undefined || (typeof record !== 'object' && field === 0)) return value as T;
  if (Array.isArray(record)) {
    const copy = record.slice();
    copy[field as number] = value;
    return copy as T;
  }
  return { ...(record as object), [field]: value } as T;
}

function compare(a: unknown, b: unknown, field: FieldRef): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new ConfigurationError(`field '${String(field)}' is not comparable: ${typeof a} vs ${typeof b}`);
}

export function sumReducer<T>(field: FieldRef): (a: T, b: T) => T {
  return (acc, v) => {
    const x = get(acc, field);
    const y = get(v, field);
    if (typeof x === 'bigint' && typeof y === 'bigint') return set(acc, field, x + y);
    if (typeof x !== 'number' || typeof y !== 'number') throw new ConfigurationError(`sum('${String(field)}') needs numeric fields, got ${typeof x} and ${typeof y}`);
    return set(acc, field, x + y);
  };
}

export function minMaxReducer<T>(field: FieldRef, kind: 'min' | 'max'): (a: T, b: T) => T {
  return (acc, v) => {
    const c = compare(get(acc, field), get(v, field), field);
    const replace = kind === 'min' ? c > 0 : c < 0;
    return replace ? set(acc, field, get(v, field)) : acc;
  };
}

export function minMaxByReducer<T>(field: FieldRef, kind: 'min' | 'max', first: boolean): (a: T, b: T) => T {
  return (acc, v) => {
    const c = compare(get(acc, field), get(v, field), field);
    if (c === 0) return first ? acc : v;
    const accWins = kind === 'min' ? c < 0 : c > 0;
    return accWins ? acc : v;
  };
}
