/**
 * Nexmark q3, Local Item Suggestion: who sells in Oregon, Idaho or California in category 10, and
 * which auctions — persons in OR / ID / CA joined with the auctions of category 10 they sell
 * (`auction.seller = person.id`). A regular (unwindowed) inner join: an auction may come before its
 * seller (the generator draws sellers up to `PERSON_ID_LEAD` = 10 persons ahead, and the two
 * inputs travel on different channels), so both sides wait in keyed state.
 *
 * Weir job: the `person` and `auction` views each filtered (state, category), keyed by person id
 * and seller, `connect`ed and joined by {@link LocalItemJoin}, a `KeyedCoProcessFunction` — the
 * incremental join with per-key state of nexmark's description.
 *
 * State (per seller id): the person once seen (`ValueState`, kept for good: later auctions of the
 * seller still join, as in the SQL join), and the ids of category-10 auctions that arrived before
 * their seller (`ListState<number>`, cleared when the person comes). Like the SQL join's state, it
 * is never expired: auctions of sellers outside OR / ID / CA wait for good, since no person will
 * ever arrive for them. Relies on person ids being unique (the generator's are): a person is
 * stored once and never replaced by another row of the same id.
 *
 * @see nexmark-flink/src/main/resources/queries/q3.sql
 */
import {
  KeyedCoProcessFunction,
  ListStateDescriptor,
  ValueStateDescriptor,
  type Collector,
  type DataStream,
  type KeyedProcessContext,
  type ListState,
  type ValueState,
} from 'weir';
import type { Auction, NexmarkEvent, Person } from '../../../connectors/nexmark/events.js';
import { auctions, persons, type NexmarkQuery } from './nexmark-query.js';

/** The nexmark SQL of q3 (rewritten). */
export const Q3_SQL = `-- Query 3: Local Item Suggestion. Sellers in OR, ID or CA and their auctions of category 10.
INSERT INTO nexmark_q3
SELECT P.name, P.city, P.state, A.id
FROM auction AS A
JOIN person AS P ON A.seller = P.id
WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA');`;

/** A q3 row: the seller's name, city and state, and the auction id. */
export interface LocalItem {
  readonly name: string;
  readonly city: string;
  readonly state: string;
  /** The auction's id. */
  readonly id: number;
}

/** The category q3 looks for. */
export const Q3_CATEGORY = 10;

function isLocal(p: Person): boolean {
  return p.state === 'OR' || p.state === 'ID' || p.state === 'CA';
}

function inCategory(a: Auction): boolean {
  return a.category === Q3_CATEGORY;
}

/**
 * The q3 join, keyed by person id (input 1: persons, input 2: auctions by seller): emits one
 * {@link LocalItem} per (person, auction) pair, as soon as both have arrived, whichever first.
 * Sellers drawn ahead of the last person created are why the auction side must wait.
 */
export class LocalItemJoin extends KeyedCoProcessFunction<number, Person, Auction, LocalItem> {
  private person!: ValueState<Person>;
  private waiting!: ListState<number>;

  override open(): void {
    this.person = this.getRuntimeContext().getState(new ValueStateDescriptor<Person>('q3-person'));
    this.waiting = this.getRuntimeContext().getListState(new ListStateDescriptor<number>('q3-waiting-auctions'));
  }

  override processElement1(person: Person, _ctx: KeyedProcessContext<number>, out: Collector<LocalItem>): void {
    this.person.update(person);
    const waiting = this.waiting.get();
    if (waiting.length === 0) return;
    for (const id of waiting) out.collect({ name: person.name, city: person.city, state: person.state, id });
    this.waiting.clear();
  }

  override processElement2(auction: Auction, _ctx: KeyedProcessContext<number>, out: Collector<LocalItem>): void {
    const person = this.person.value();
    if (person === null) this.waiting.add(auction.id);
    else out.collect({ name: person.name, city: person.city, state: person.state, id: auction.id });
  }
}

/** q3: {@link LocalItem} rows of `events` (see the module comment); records carry the later input's timestamp. */
export function q3(events: DataStream<NexmarkEvent>): DataStream<LocalItem> {
  const local = persons(events).filter(isLocal).name('q3 OR/ID/CA');
  const category = auctions(events).filter(inCategory).name('q3 category 10');
  return local
    .keyBy((p) => p.id)
    .connect(category.keyBy((a) => a.seller))
    .process(new LocalItemJoin())
    .name('q3 join');
}

/** q3 as a {@link NexmarkQuery}. */
export const Q3: NexmarkQuery<LocalItem> = { name: 'q3', title: 'Local Item Suggestion', sql: Q3_SQL, processingTime: false, build: q3 };
