import test from 'ava';
import { WatermarkStrategy, type WatermarkGenerator, type WatermarkOutput } from '../../lib/api/watermark-strategy.js';
import { ConfigurationError } from '../../lib/errors.js';
import { ManualClock, systemClock, type Clock } from '../../lib/time/clock.js';
import { NO_TIMESTAMP } from '../../lib/time/timestamps.js';
import {
  AscendingTimestampsWatermarks,
  BoundedOutOfOrdernessWatermarks,
  IdlenessTimer,
  NoWatermarksGenerator,
  WatermarksWithIdleness,
} from '../../lib/time/watermark-generators.js';

type Emitted = number | 'idle' | 'active';

/** A WatermarkOutput that records every call, in order (no de-duplication: we test the generators' raw calls). */
function recorder(): WatermarkOutput & { log: Emitted[] } {
  const log: Emitted[] = [];
  return {
    log,
    emitWatermark: (ts) => log.push(ts),
    markIdle: () => log.push('idle'),
    markActive: () => log.push('active'),
  };
}

/** Feeds `timestamps` one by one, calling onPeriodicEmit after each; returns the watermarks emitted. */
function emitsAfterEach(gen: WatermarkGenerator<unknown>, timestamps: number[]): Emitted[] {
  const out = recorder();
  for (const ts of timestamps) {
    gen.onEvent(null, ts, out);
    gen.onPeriodicEmit(out);
  }
  return out.log;
}

// ---- bounded out-of-orderness ----

test('bounded out-of-orderness emits -Infinity (not NaN) before the first event', (t) => {
  const out = recorder();
  const gen = WatermarkStrategy.forBoundedOutOfOrderness<unknown>(5).createWatermarkGenerator();
  gen.onPeriodicEmit(out);
  gen.onPeriodicEmit(out);
  t.deepEqual(out.log, [NO_TIMESTAMP, NO_TIMESTAMP]);
  t.is(out.log[0], Number.NEGATIVE_INFINITY);
});

test('bounded out-of-orderness emits max - delay - 1 and never decreases', (t) => {
  const gen = new BoundedOutOfOrdernessWatermarks<unknown>(5);
  // max: 10, 30, 30 (20 is late), 30 (25), 31, 31 (-5)  ->  max - 5 - 1
  t.deepEqual(emitsAfterEach(gen, [10, 30, 20, 25, 31, -5]), [4, 24, 24, 24, 25, 25]);
});

test('bounded out-of-orderness: several events between emits only count through their maximum', (t) => {
  const out = recorder();
  const gen = new BoundedOutOfOrdernessWatermarks<string>(100);
  for (const ts of [1_000, 1_500, 1_200]) gen.onEvent('x', ts, out);
  t.deepEqual(out.log, [], 'periodic: onEvent emits nothing');
  gen.onPeriodicEmit(out);
  t.deepEqual(out.log, [1_399]); // 1500 - 100 - 1
});

test('bounded out-of-orderness ignores NO_TIMESTAMP and NaN event timestamps', (t) => {
  const gen = new BoundedOutOfOrdernessWatermarks<unknown>(0);
  t.deepEqual(emitsAfterEach(gen, [NO_TIMESTAMP, Number.NaN, 7, Number.NaN, NO_TIMESTAMP]), [
    NO_TIMESTAMP,
    NO_TIMESTAMP,
    6,
    6,
    6,
  ]);
});

test('bounded out-of-orderness with delay 0 equals monotonous', (t) => {
  const stamps = [3, 8, 8, 9, 2, 100];
  t.deepEqual(
    emitsAfterEach(WatermarkStrategy.forBoundedOutOfOrderness<unknown>(0).createWatermarkGenerator(), stamps),
    emitsAfterEach(WatermarkStrategy.forMonotonousTimestamps<unknown>().createWatermarkGenerator(), stamps),
  );
});

// ---- monotonous ----

test('monotonous timestamps emit max - 1', (t) => {
  const gen = WatermarkStrategy.forMonotonousTimestamps<unknown>().createWatermarkGenerator();
  t.true(gen instanceof AscendingTimestampsWatermarks);
  t.deepEqual(emitsAfterEach(gen, [100, 101, 101, 250]), [99, 100, 100, 249]);
});

// ---- no watermarks, custom generators ----

test('noWatermarks never emits and keeps record timestamps (no assigner)', (t) => {
  const strategy = WatermarkStrategy.noWatermarks<number>();
  t.is(strategy.timestampAssigner, undefined);
  t.is(strategy.idleTimeoutMs, undefined);
  const gen = strategy.createWatermarkGenerator();
  t.true(gen instanceof NoWatermarksGenerator);
  t.deepEqual(emitsAfterEach(gen as WatermarkGenerator<unknown>, [1, 2, 3]), []);
});

test('forGenerator passes the context clock to the supplier; the default context uses the system clock', (t) => {
  const seen: Clock[] = [];
  const strategy = WatermarkStrategy.forGenerator<unknown>((ctx) => {
    seen.push(ctx.clock);
    return new NoWatermarksGenerator();
  });
  const clock = new ManualClock(5);
  strategy.createWatermarkGenerator({ clock });
  strategy.createWatermarkGenerator();
  t.is(seen[0], clock);
  t.is(seen[1], systemClock);
});

test('forGenerator creates a fresh generator per call (one per subtask)', (t) => {
  const strategy = WatermarkStrategy.forBoundedOutOfOrderness<unknown>(0);
  const a = strategy.createWatermarkGenerator();
  const b = strategy.createWatermarkGenerator();
  t.not(a, b);
  t.deepEqual(emitsAfterEach(a, [50]), [49]);
  t.deepEqual(emitsAfterEach(b, [10]), [9], 'b did not see a’s event');
});

// ---- with… methods ----

test('withTimestampAssigner returns a new strategy and keeps generator and idleness', (t) => {
  const base = WatermarkStrategy.forBoundedOutOfOrderness<{ at: number }>(10).withIdleness(1_000);
  const withAssigner = base.withTimestampAssigner((e) => e.at);
  t.is(base.timestampAssigner, undefined, 'original unchanged');
  t.is(withAssigner.timestampAssigner?.({ at: 42 }, NO_TIMESTAMP), 42);
  t.is(withAssigner.idleTimeoutMs, 1_000);
  const gen = withAssigner.createWatermarkGenerator({ clock: new ManualClock() });
  t.true(gen instanceof WatermarksWithIdleness);
  const out = recorder();
  gen.onEvent({ at: 100 }, 100, out);
  gen.onPeriodicEmit(out);
  t.deepEqual(out.log, [89]);
});

test('noWatermarks().withTimestampAssigner still works as before (assigner sees the previous timestamp)', (t) => {
  const strategy = WatermarkStrategy.noWatermarks<string>().withTimestampAssigner((s, prev) => (s === 'keep' ? prev : s.length));
  t.is(strategy.timestampAssigner?.('abcd', 7), 4);
  t.is(strategy.timestampAssigner?.('keep', 7), 7);
  t.deepEqual(emitsAfterEach(strategy.createWatermarkGenerator() as WatermarkGenerator<unknown>, [1, 2]), []);
});

test('withIdleness keeps the assigner; calling it again replaces the timeout', (t) => {
  const assigner = (n: number): number => n;
  const s1 = WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner(assigner).withIdleness(500);
  const s2 = s1.withIdleness(2_000);
  t.is(s1.timestampAssigner, assigner);
  t.is(s2.timestampAssigner, assigner);
  t.is(s1.idleTimeoutMs, 500);
  t.is(s2.idleTimeoutMs, 2_000);
});

// ---- validation ----

test('negative, NaN and infinite out-of-orderness are ConfigurationErrors', (t) => {
  for (const bad of [-1, -0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    const err = t.throws(() => WatermarkStrategy.forBoundedOutOfOrderness(bad), { instanceOf: ConfigurationError });
    t.is(err?.code, 'WEIR_ERR_CONFIG');
    t.throws(() => new BoundedOutOfOrdernessWatermarks(bad), { instanceOf: ConfigurationError });
  }
});

test('idle timeout must be positive and finite (ConfigurationError)', (t) => {
  const strategy = WatermarkStrategy.forMonotonousTimestamps();
  for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    const err = t.throws(() => strategy.withIdleness(bad), { instanceOf: ConfigurationError });
    t.is(err?.code, 'WEIR_ERR_CONFIG');
    t.throws(() => new WatermarksWithIdleness(new NoWatermarksGenerator(), bad, new ManualClock()), { instanceOf: ConfigurationError });
  }
});

// ---- idleness ----

/**
 * Drives `gen` on a ManualClock: periodic emits every `periodMs` up to `untilMs`, and each event at its
 * processing time (events before an emit at the same time). Returns [time, what] pairs.
 */
function drive(
  gen: WatermarkGenerator<unknown>,
  clock: ManualClock,
  periodMs: number,
  untilMs: number,
  events: { at: number; ts: number }[],
): [number, Emitted][] {
  const log: [number, Emitted][] = [];
  const out: WatermarkOutput = {
    emitWatermark: (ts) => log.push([clock.now(), ts]),
    markIdle: () => log.push([clock.now(), 'idle']),
    markActive: () => log.push([clock.now(), 'active']),
  };
  const schedule = (at: number, fn: () => void): void => void clock.setTimeout(fn, at - clock.now());
  for (const e of events) schedule(e.at, () => gen.onEvent(null, e.ts, out));
  for (let at = periodMs; at <= untilMs; at += periodMs) schedule(at, () => gen.onPeriodicEmit(out));
  clock.setTime(untilMs);
  return log;
}

test('idleness: marked idle after the timeout without events, active again on the next event', (t) => {
  const clock = new ManualClock(0);
  const gen = WatermarkStrategy.forBoundedOutOfOrderness<unknown>(0).withIdleness(1_000).createWatermarkGenerator({ clock });
  // Event at 0 (ts 50). Emits every 200 ms:
  //  200: activity since last check -> reset; watermark 49
  //  400: first quiet check -> countdown starts at 400; watermark 49
  //  600..1400: elapsed 200..1000, not > 1000; watermark 49
  //  1600: elapsed 1200 > 1000 -> markIdle (inner generator not asked)
  //  1800: still idle, nothing (markIdle only once)
  //  1900: event (ts 60) -> markActive
  //  2000: activity -> reset; watermark 59
  const log = drive(gen, clock, 200, 2_000, [
    { at: 0, ts: 50 },
    { at: 1_900, ts: 60 },
  ]);
  t.deepEqual(log, [
    [200, 49],
    [400, 49],
    [600, 49],
    [800, 49],
    [1_000, 49],
    [1_200, 49],
    [1_400, 49],
    [1_600, 'idle'],
    [1_900, 'active'],
    [2_000, 59],
  ]);
  // Flink's documented bounds: later than timeout after the last event, at most timeout + 3 periods.
  t.true(1_600 > 0 + 1_000 && 1_600 <= 0 + 1_000 + 3 * 200);
});

test('idleness: events keep the output active however slow the emits', (t) => {
  const clock = new ManualClock(0);
  const gen = WatermarkStrategy.forMonotonousTimestamps<unknown>().withIdleness(300).createWatermarkGenerator({ clock });
  // An event every 250 ms: a countdown (started at a quiet emit) never reaches 300 ms before the next event.
  const events = [0, 250, 500, 750, 1_000, 1_250].map((at) => ({ at, ts: at }));
  const log = drive(gen, clock, 100, 1_300, events);
  t.false(log.some(([, what]) => what === 'idle'));
  t.deepEqual(log.at(-1), [1_300, 1_249]);
});

test('idleness: a punctuated watermark emitted on the re-activating event follows markActive', (t) => {
  const clock = new ManualClock(0);
  const punctuated: WatermarkGenerator<unknown> = {
    onEvent: (_e, ts, out) => out.emitWatermark(ts),
    onPeriodicEmit: () => {},
  };
  const gen = WatermarkStrategy.forGenerator(() => punctuated).withIdleness(100).createWatermarkGenerator({ clock });
  // No events: 50 resets nothing (no activity ever), starts countdown at 50; 100: 50 not > 100; 150: 100 not > 100;
  // 200: 150 > 100 -> idle. Event at 230 -> active, then its watermark 7.
  const log = drive(gen, clock, 50, 250, [{ at: 230, ts: 7 }]);
  t.deepEqual(log, [
    [200, 'idle'],
    [230, 'active'],
    [230, 7],
  ]);
});

test('IdlenessTimer reads the clock only on quiet checks and resets on activity', (t) => {
  let reads = 0;
  const manual = new ManualClock(1_000);
  const clock: Clock = { now: () => (reads++, manual.now()), setTimeout: (cb, ms) => manual.setTimeout(cb, ms) };
  const timer = new IdlenessTimer(clock, 10);
  for (let i = 0; i < 1_000; i++) timer.activity();
  t.false(timer.checkIfIdle(), 'activity since the last check');
  t.is(reads, 0);
  t.false(timer.checkIfIdle(), 'first quiet check starts the countdown');
  t.is(reads, 1);
  manual.advance(10);
  t.false(timer.checkIfIdle(), 'exactly the timeout is not idle');
  manual.advance(1);
  t.true(timer.checkIfIdle());
  timer.activity();
  t.false(timer.checkIfIdle(), 'reset by activity');
});
