/**
 * Nexmark q8, Monitor New Users: persons who entered the system and created an auction in the same
 * tumbling 10 s window — persons joined with auction sellers (`person.id = auction.seller`) per
 * window, one row per person and window however many auctions they created in it (the SQL groups
 * both sides by id and window before joining).
 *
 * Weir job: the `person` view and the auction sellers (a `flatMap` emitting `auction.seller`, a
 * number, so windows hold no auction rows), `coGroup(…).where(person.id).equalTo(seller)
 * .window(TumblingEventTimeWindows.of(10 s))`: Flink's window co-group (tagged union → keyBy →
 * window), whose function sees both sides of a key and window at once and so emits each person
 * once, where a window `join` would emit once per auction. Person ids are unique (the generator's
 * are), so the `GROUP BY id, name` side holds one person.
 *
 * Output: `{id, name, starttime}`, timestamped with the window's last millisecond (`end − 1`).
 *
 * @see nexmark-flink/src/main/resources/queries/q8.sql
 */
import { TumblingEventTimeWindows, type Collector, type DataStream } from 'weir';
import type { NexmarkEvent } from '../../../connectors/nexmark/events.js';
import { TEN_SECONDS_MS, tumbleStart, type NexmarkQuery } from './nexmark-query.js';

/** The nexmark SQL of q8 (rewritten). */
export const Q8_SQL = `-- Query 8: Monitor New Users. Persons who created an auction in the 10 s window they appeared in.
INSERT INTO nexmark_q8
SELECT P.id, P.name, P.starttime
FROM (
  SELECT id, name, window_start AS starttime, window_end AS endtime
  FROM TABLE(TUMBLE(TABLE person, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
  GROUP BY id, name, window_start, window_end
) P
JOIN (
  SELECT seller, window_start AS starttime, window_end AS endtime
  FROM TABLE(TUMBLE(TABLE auction, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
  GROUP BY seller, window_start, window_end
) A
ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime = A.endtime;`;

/** A q8 row. */
export interface NewUser {
  readonly id: number;
  readonly name: string;
  /** The window's start, epoch ms. */
  readonly starttime: number;
}

function collectSeller(e: NexmarkEvent, out: Collector<number>): void {
  if (e.type === 1) out.collect(e.auction.seller);
}

/** The person columns q8 reads (`id`, `name`, the time for the window): the window state holds only these. */
interface NewPerson {
  readonly id: number;
  readonly name: string;
  readonly dateTime: number;
}

function collectNewPerson(e: NexmarkEvent, out: Collector<NewPerson>): void {
  if (e.type === 0) out.collect({ id: e.person.id, name: e.person.name, dateTime: e.person.dateTime });
}

function newUsers(people: NewPerson[], sellers: number[], out: Collector<NewUser>): void {
  const p = people[0];
  if (p === undefined || sellers.length === 0) return;
  out.collect({ id: p.id, name: p.name, starttime: tumbleStart(p.dateTime, TEN_SECONDS_MS) });
}

/** q8: a {@link NewUser} per person of `events` who created an auction in the 10 s window of their arrival. */
export function q8(events: DataStream<NexmarkEvent>): DataStream<NewUser> {
  const sellers = events.flatMap(collectSeller).name('q8 auction sellers');
  // Projected first, as the SQL's subqueries do: the window buffers three columns per person, not
  // the whole row with its ~200-byte extra field (this is what checkpoints copy).
  return events
    .flatMap(collectNewPerson)
    .name('q8 persons (id, name)')
    .coGroup(sellers)
    .where((p) => p.id)
    .equalTo((seller) => seller)
    .window(TumblingEventTimeWindows.of(TEN_SECONDS_MS))
    .apply(newUsers)
    .name('q8 new users per window');
}

/** q8 as a {@link NexmarkQuery}. */
export const Q8: NexmarkQuery<NewUser> = { name: 'q8', title: 'Monitor New Users', sql: Q8_SQL, processingTime: false, build: q8 };
