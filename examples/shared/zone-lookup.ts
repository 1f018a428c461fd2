/**
 * The NYC TLC taxi zone lookup table (`nyc_taxi_zone_lookup.csv.gz`: LocationID, Borough, Zone,
 * service_zone; 265 rows), read synchronously while a job builds its pipeline. It is small and
 * static, so every subtask gets a copy with its function (Flink would use a broadcast variable or
 * read it in `open()`; reading it at build time also fails fast on a wrong path).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { ConfigurationError } from 'weir';

/** One taxi zone. */
export interface TaxiZone {
  readonly locationId: number;
  readonly borough: string;
  readonly zone: string;
  readonly serviceZone: string;
}

/**
 * Zone ids 264 and 265 have Borough `Unknown` (zones `NV` and `NA`): the TLC's "unknown location".
 */
export const UNKNOWN_ZONE_IDS: ReadonlySet<number> = new Set([264, 265]);

/**
 * Reads the lookup file (gzip when it ends in `.gz`) into a map by LocationID.
 * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the file is missing or lacks the columns.
 */
export function loadZoneLookup(path: string): Map<number, TaxiZone> {
  let text: string;
  try {
    const bytes = readFileSync(path);
    text = (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch (err) {
    throw new ConfigurationError(`cannot read the taxi zone lookup ${path}: ${(err as Error).message}`, { cause: err });
  }
  const rows = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string | undefined>[];
  const zones = new Map<number, TaxiZone>();
  for (const r of rows) {
    const { LocationID: id, Borough: borough, Zone: zone, service_zone: serviceZone } = r;
    if (id === undefined || borough === undefined || zone === undefined || serviceZone === undefined) {
      throw new ConfigurationError(`${path}: expected columns LocationID, Borough, Zone, service_zone`);
    }
    zones.set(Number(id), { locationId: Number(id), borough, zone, serviceZone });
  }
  return zones;
}
