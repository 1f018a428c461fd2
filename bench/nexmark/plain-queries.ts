/**
 * The physical limit of a query on this machine: a hand-written plain-JS loop over the same
 * generated events (event n = 0 … N − 1 of the run's config), the query's computation inline, and
 * the same result checksum as the Weir run's null sink ({@link ResultChecksum}), so the two must be
 * equal. One thread, no checkpoints, no operators, no batches: what is left is generating events
 * and the query's own work.
 *
 * Events come from `generate(params, n)`, the body of the public `generateEvent(config, n)` and the
 * very function the source's reader calls, without `generateEvent`'s per-call argument check and
 * parameter lookup (10–15% of a generated event here): with `generateEvent` the plain loop ran
 * slower than Weir's q0, which is no ceiling.
 *
 * Also {@link generatorOnly}: the loop generating events and doing nothing with them but counting
 * types (the cost of the source alone).
 */
import { resolveNexmarkConfig, type Bid, type NexmarkConfig } from '../../connectors/nexmark/index.js';
import { generate } from '../../connectors/nexmark/generate-event.js';
import { generatorParams } from '../../connectors/nexmark/generator-params.js';
import { ResultChecksum, type ChecksumFigures } from './checksum.js';

/** A plain loop over events `0 … events − 1` of `config`'s stream. */
export type PlainQuery = (config: NexmarkConfig, events: number) => ChecksumFigures;

/** q0, pass-through: every bid row as it is. */
function plainQ0(config: NexmarkConfig, events: number): ChecksumFigures {
  const p = generatorParams(config);
  const c = new ResultChecksum();
  for (let n = 0; n < events; n++) {
    const e = generate(p, n);
    if (e.type === 2) c.add(e.bid);
  }
  return c.figures();
}

/** q1, currency conversion: `{auction, bidder, price: 0.908 × price, dateTime, extra}` of every bid. */
function plainQ1(config: NexmarkConfig, events: number): ChecksumFigures {
  const p = generatorParams(config);
  const c = new ResultChecksum();
  for (let n = 0; n < events; n++) {
    const e = generate(p, n);
    if (e.type !== 2) continue;
    const b = e.bid;
    // 0.908 × price as the double nearest the exact decimal: one rounding (price × 908 is exact).
    c.add({ auction: b.auction, bidder: b.bidder, price: (b.price * 908) / 1000, dateTime: b.dateTime, extra: b.extra });
  }
  return c.figures();
}

/** q2, selection: `{auction, price}` of the bids whose auction id is a multiple of 123. */
function plainQ2(config: NexmarkConfig, events: number): ChecksumFigures {
  const p = generatorParams(config);
  const c = new ResultChecksum();
  for (let n = 0; n < events; n++) {
    const e = generate(p, n);
    if (e.type === 2 && e.bid.auction % 123 === 0) c.add({ auction: e.bid.auction, price: e.bid.price });
  }
  return c.figures();
}

/**
 * q7, highest bid: per tumbling 10 s window `[start, start + 10 s)` of bid event time, every bid
 * at the window's highest price. Events come in event-time order (out-of-order groups off), so a
 * window is complete when the first bid of a later one comes: emit it then, and the last at the end.
 */
function plainQ7(config: NexmarkConfig, events: number): ChecksumFigures {
  const p = generatorParams(config);
  const c = new ResultChecksum();
  let windowStart = Number.NaN;
  let max = Number.NEGATIVE_INFINITY;
  let atMax: Bid[] = [];
  for (let n = 0; n < events; n++) {
    const e = generate(p, n);
    if (e.type !== 2) continue;
    const b = e.bid;
    const start = b.dateTime - (b.dateTime % 10_000);
    if (start !== windowStart) {
      if (start < windowStart) throw new Error(`plain q7: bid of window ${start} after window ${windowStart} (events out of order)`);
      for (const x of atMax) c.add(x);
      windowStart = start;
      max = b.price;
      atMax = [b];
    } else if (b.price > max) {
      max = b.price;
      atMax = [b];
    } else if (b.price === max) atMax.push(b);
  }
  for (const x of atMax) c.add(x);
  return c.figures();
}

/** Plain loops by query name. */
export const PLAIN_QUERIES: Readonly<Record<string, PlainQuery>> = {
  q0: plainQ0,
  q1: plainQ1,
  q2: plainQ2,
  q7: plainQ7,
};

/** Counts of each event type: the source's work alone, with a checksum of the types so the loop is not dead. */
export function generatorOnly(config: NexmarkConfig, events: number): ChecksumFigures {
  const p = generatorParams(config);
  let persons = 0;
  let auctions = 0;
  let bids = 0;
  let bidPriceSum = 0;
  for (let n = 0; n < events; n++) {
    const e = generate(p, n);
    if (e.type === 2) {
      bids++;
      bidPriceSum = (bidPriceSum + (e.bid as Bid).price) >>> 0;
    } else if (e.type === 1) auctions++;
    else persons++;
  }
  return { count: persons + auctions + bids, sumA: bidPriceSum, sumB: (persons * 7 + auctions * 3) >>> 0 };
}

/** The resolved generator config of a throughput run: bounded, unpaced, seeded, `eventRate` events per second of event time. */
export function throughputConfig(events: number, seed: number, eventRate: number): NexmarkConfig {
  return resolveNexmarkConfig({ maxEvents: events, seed, firstEventRate: eventRate });
}
