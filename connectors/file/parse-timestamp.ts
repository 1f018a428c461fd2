import { ConfigurationError } from '../../lib/errors.js';

/**
 * How {@link parseTimestamp} reads a cell.
 *
 * Naive date-times (no `Z` or offset) are read in `timeZone`; without it they are read as UTC
 * ("wall-clock as UTC"): `2023-01-01 00:00:00` becomes `Date.UTC(2023, 0, 1)`.
 */
export interface TimestampOptions {
  /**
   * Unit of numeric cells (epoch numbers): `'s'` seconds or `'ms'` milliseconds. No default: a
   * numeric cell without `unit` is an error, because guessing seconds vs milliseconds silently
   * shifts times by a factor of 1000. Fractions are allowed and rounded to the nearest ms.
   */
  readonly unit?: 's' | 'ms';
  /**
   * IANA zone of naive date-times, e.g. `'America/New_York'`. Converted DST-correctly with `Intl`:
   * an ambiguous wall time (the repeated hour when clocks go back) is read as the earlier instant;
   * a wall time in the gap (clocks go forward) is shifted forward by the gap, as `java.time` does
   * (`02:30` on a spring-forward night becomes `03:30` daylight time). Default: UTC.
   * Ignored for ISO strings with `Z` or an offset and for epoch numbers.
   */
  readonly timeZone?: string;
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(?:\s*(Z|[+-]\d{2}(?::?\d{2})?))?$/i;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Result of {@link parseTimestamp}: epoch ms, or why the text is not a timestamp. */
export type TimestampResult = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly reason: string };

/**
 * Parses `text` as epoch milliseconds. Accepted shapes: `YYYY-MM-DD HH:MM:SS`, ISO 8601
 * (`YYYY-MM-DDTHH:MM[:SS[.fraction]]` with optional `Z` or `±HH[:MM]`), `YYYY-MM-DD` (midnight), and
 * epoch numbers when `options.unit` is set. Surrounding whitespace is ignored.
 *
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `options.timeZone` is not a known IANA zone.
 */
export function parseTimestamp(text: string, options: TimestampOptions = {}): TimestampResult {
  const s = text.trim();
  if (NUMBER.test(s)) {
    if (options.unit === undefined) {
      return { ok: false, reason: `got '${text}', an epoch number: pass { unit: 's' } or { unit: 'ms' } to read epoch numbers` };
    }
    return { ok: true, ms: Math.round(Number(s) * (options.unit === 's' ? 1000 : 1)) };
  }
  const m = DATE_TIME.exec(s);
  if (m === null) {
    return { ok: false, reason: `expected a timestamp (YYYY-MM-DD HH:MM:SS, ISO 8601 or epoch number), got '${text}'` };
  }
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(sec);
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, Number(frac.padEnd(3, '0').slice(0, 3)));
  // Date.UTC rolls over out-of-range parts (Feb 30 → Mar 2); a round trip rejects them.
  const check = new Date(wall);
  if (
    check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day ||
    check.getUTCHours() !== hour || check.getUTCMinutes() !== minute || check.getUTCSeconds() !== second
  ) {
    return { ok: false, reason: `expected a valid date-time, got '${text}'` };
  }
  if (zone !== undefined) return { ok: true, ms: wall - zoneSuffixOffsetMs(zone) };
  if (options.timeZone === undefined) return { ok: true, ms: wall };
  return { ok: true, ms: wallClockToEpochMs(wall, options.timeZone) };
}

function zoneSuffixOffsetMs(zone: string): number {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * MINUTE_MS;
}

/**
 * Converts a wall-clock time in `timeZone` (given as the epoch ms it would have in UTC) to the real
 * epoch ms, choosing the earlier instant when ambiguous and shifting forward across a gap.
 *
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `timeZone` is unknown.
 */
export function wallClockToEpochMs(wallMs: number, timeZone: string): number {
  const zone = zoneFor(timeZone);
  // The offsets a day before and after bracket any transition near this wall time.
  const before = zone.offsetAt(wallMs - DAY_MS);
  const after = zone.offsetAt(wallMs + DAY_MS);
  let best: number | undefined;
  for (const offset of before === after ? [before] : [before, after]) {
    const t = wallMs - offset;
    if (zone.offsetAt(t) === offset && (best === undefined || t < best)) best = t;
  }
  return best ?? wallMs - before;
}

/**
 * The offset of `timeZone` from UTC at instant `epochMs`, in ms (e.g. −18,000,000 for New York in
 * winter).
 *
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `timeZone` is unknown.
 */
export function zoneOffsetMs(timeZone: string, epochMs: number): number {
  return zoneFor(timeZone).offsetAt(epochMs);
}

// Offsets are cached per 15-minute bucket of UTC time: every modern zone changes offset on a
// quarter-hour, so one bucket never straddles a transition (pre-1900 local-mean-time zones may).
const BUCKET_MS = 15 * MINUTE_MS;
const MAX_CACHED = 50_000;

class Zone {
  private readonly format: Intl.DateTimeFormat;
  private readonly cache = new Map<number, number>();

  constructor(readonly name: string) {
    try {
      this.format = new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch (err) {
      throw new ConfigurationError(`unknown time zone '${name}' (expected an IANA name such as 'America/New_York')`, { cause: err });
    }
  }

  offsetAt(epochMs: number): number {
    const bucket = Math.floor(epochMs / BUCKET_MS);
    const cached = this.cache.get(bucket);
    if (cached !== undefined) return cached;
    const at = bucket * BUCKET_MS;
    const fields: Record<string, number> = {};
    let bc = false;
    for (const part of this.format.formatToParts(at)) {
      if (part.type === 'era') bc = part.value === 'BC' || part.value === 'B';
      else if (part.type !== 'literal') fields[part.type] = Number(part.value);
    }
    const year = bc ? 1 - (fields['year'] ?? 0) : (fields['year'] ?? 0);
    const local = Date.UTC(0, (fields['month'] ?? 1) - 1, fields['day'] ?? 1, fields['hour'] ?? 0, fields['minute'] ?? 0, fields['second'] ?? 0);
    const localMs = new Date(local).setUTCFullYear(year);
    const offset = localMs - at;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(bucket, offset);
    return offset;
  }
}

const zones = new Map<string, Zone>();

function zoneFor(name: string): Zone {
  let zone = zones.get(name);
  if (zone === undefined) {
    zone = new Zone(name);
    zones.set(name, zone);
  }
  return zone;
}
