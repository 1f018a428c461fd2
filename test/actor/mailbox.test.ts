import test from 'ava';
import { Deque } from '../../lib/actor/deque.js';
import { Mailbox, type Envelope } from '../../lib/actor/mailbox.js';

const env = (message: unknown): Envelope => ({ message, sender: undefined });

/** Takes every queued message, in the order `next()` yields them. */
function takeAll(m: Mailbox): unknown[] {
  const out: unknown[] = [];
  for (let e = m.next(); e !== undefined; e = m.next()) out.push(e.message);
  return out;
}

// ---- Lanes ----

test('the system lane is drained before the data lane, each lane FIFO', (t) => {
  const m = new Mailbox({ capacity: 100 });
  m.offerData(env('d1'));
  m.offerData(env('d2'));
  m.offerSystem(env('s1'));
  m.offerData(env('d3'));
  m.offerSystem(env('s2'));
  t.is(m.systemDepth, 2);
  t.is(m.dataDepth, 3);
  t.deepEqual(takeAll(m), ['s1', 's2', 'd1', 'd2', 'd3']);
  t.false(m.hasWork);
});

test('system mail that arrives between data messages still overtakes the remaining data', (t) => {
  const m = new Mailbox({ capacity: 100 });
  for (const d of ['d1', 'd2', 'd3']) m.offerData(env(d));
  t.is(m.next()?.message, 'd1');
  m.offerSystem(env('s'));
  t.deepEqual(takeAll(m), ['s', 'd2', 'd3']);
});

test('a suspended data lane yields only system mail and reports no work for data alone', (t) => {
  const m = new Mailbox({ capacity: 100 });
  m.offerData(env('d1'));
  m.dataSuspended = true;
  t.false(m.hasWork);
  t.is(m.next(), undefined);
  m.offerSystem(env('s1'));
  t.true(m.hasWork);
  t.is(m.next()?.message, 's1');
  t.is(m.next(), undefined);
  t.is(m.dataDepth, 1);
  m.dataSuspended = false;
  t.true(m.hasWork);
  t.is(m.next()?.message, 'd1');
});

test('the envelope keeps its sender', (t) => {
  const m = new Mailbox();
  const sender = { address: 'local', id: 'a' };
  m.offerData({ message: 1, sender });
  t.deepEqual(m.next(), { message: 1, sender });
});

// ---- Capacity ----

test('offerData returns true below capacity and false once the lane holds capacity messages (never drops)', (t) => {
  const capacity = 5;
  const m = new Mailbox({ capacity });
  const results: boolean[] = [];
  for (let i = 1; i <= capacity + 3; i++) results.push(m.offerData(env(i)));
  // After offer i the lane holds i messages: writable while i < capacity.
  const expected: boolean[] = [];
  for (let i = 1; i <= capacity + 3; i++) expected.push(i < capacity);
  t.deepEqual(results, expected);
  t.is(m.dataDepth, capacity + 3, 'messages over capacity are queued, not refused');
  t.true(m.full);
  t.deepEqual(takeAll(m), [1, 2, 3, 4, 5, 6, 7, 8]);
  t.false(m.full);
});

test('system mail does not count against the data capacity', (t) => {
  const m = new Mailbox({ capacity: 2 });
  for (let i = 0; i < 50; i++) m.offerSystem(env(i));
  t.true(m.offerData(env('d1')));
  t.false(m.offerData(env('d2')));
});

test('defaults: capacity 16, low-water mark capacity/2; the low-water mark is clamped below capacity', (t) => {
  const m = new Mailbox();
  t.is(m.capacity, 16);
  t.is(m.lowWaterMark, 8);
  t.is(new Mailbox({ capacity: 7 }).lowWaterMark, 3);
  t.is(new Mailbox({ capacity: 4, lowWaterMark: 10 }).lowWaterMark, 3);
  t.is(new Mailbox({ capacity: 4, lowWaterMark: -2 }).lowWaterMark, 0);
  t.is(new Mailbox({ capacity: 0 }).capacity, 1);
});

// ---- onWritable ----

test('onWritable fires once the data lane drains to the low-water mark, not before', (t) => {
  const m = new Mailbox({ capacity: 6, lowWaterMark: 2 });
  for (let i = 0; i < 6; i++) m.offerData(env(i));
  let fired = 0;
  let depthWhenFired = -1;
  m.onWritable(() => {
    fired++;
    depthWhenFired = m.dataDepth;
  });
  // 6 → 5 → 4 → 3: above the mark.
  for (let i = 0; i < 3; i++) {
    m.next();
    t.is(fired, 0, `not fired at depth ${m.dataDepth}`);
  }
  m.next(); // depth 2 = low-water mark
  t.is(fired, 1);
  t.is(depthWhenFired, 2);
  // One-shot: draining further does not call it again.
  takeAll(m);
  t.is(fired, 1);
});

test('onWritable runs at once when the lane is already at or below the low-water mark', (t) => {
  const m = new Mailbox({ capacity: 4, lowWaterMark: 2 });
  m.offerData(env(1));
  m.offerData(env(2));
  let fired = false;
  m.onWritable(() => {
    fired = true;
  });
  t.true(fired);
});

test('every waiting sender is released, in registration order', (t) => {
  const m = new Mailbox({ capacity: 3, lowWaterMark: 1 });
  for (let i = 0; i < 3; i++) m.offerData(env(i));
  const order: string[] = [];
  m.onWritable(() => order.push('a'));
  m.onWritable(() => order.push('b'));
  m.onWritable(() => order.push('c'));
  m.next();
  t.deepEqual(order, []);
  m.next();
  t.deepEqual(order, ['a', 'b', 'c']);
});

test('system mail does not release data-lane waiters', (t) => {
  const m = new Mailbox({ capacity: 2, lowWaterMark: 0 });
  m.offerData(env('d1'));
  m.offerData(env('d2'));
  m.offerSystem(env('s'));
  let fired = false;
  m.onWritable(() => {
    fired = true;
  });
  t.is(m.next()?.message, 's');
  t.false(fired);
  m.next();
  t.false(fired);
  m.next();
  t.true(fired);
});

test('drain() returns system then data mail and releases waiting senders', (t) => {
  const m = new Mailbox({ capacity: 2 });
  m.offerData(env('d1'));
  m.offerData(env('d2'));
  m.offerData(env('d3'));
  m.offerSystem(env('s1'));
  let fired = false;
  m.onWritable(() => {
    fired = true;
  });
  t.false(fired);
  t.deepEqual(
    m.drain().map((e) => e.message),
    ['s1', 'd1', 'd2', 'd3'],
  );
  t.true(fired);
  t.false(m.hasWork);
  t.is(m.dataDepth, 0);
  t.is(m.systemDepth, 0);
});

// ---- Deque ----

test('Deque is FIFO across growth and wrap-around (checked against an array model)', (t) => {
  const d = new Deque<number>(4); // rounded up to 16
  const model: number[] = [];
  let next = 0;
  // Pushes and shifts in an irregular pattern so the head wraps before each growth.
  const pattern = [10, 8, 20, 5, 40, 30, 3, 100, 90, 1, 257, 200];
  for (let step = 0; step < pattern.length; step++) {
    const n = pattern[step]!;
    if (step % 2 === 0) {
      for (let i = 0; i < n; i++) {
        d.push(next);
        model.push(next);
        next++;
      }
    } else {
      for (let i = 0; i < n; i++) t.is(d.shift(), model.shift());
    }
    t.is(d.length, model.length);
    t.is(d.peek(), model[0]);
  }
  const rest: (number | undefined)[] = [];
  for (let v = d.shift(); v !== undefined; v = d.shift()) rest.push(v);
  t.deepEqual(rest, model);
  t.is(d.length, 0);
  t.is(d.shift(), undefined);
  t.is(d.peek(), undefined);
});

test('Deque grows from a full wrapped buffer without losing order', (t) => {
  const d = new Deque<string>(16);
  for (let i = 0; i < 16; i++) d.push(`a${i}`);
  for (let i = 0; i < 10; i++) t.is(d.shift(), `a${i}`);
  // Head is at 10; fill to exactly 16 (wrapping), then push one more to force growth.
  for (let i = 0; i < 11; i++) d.push(`b${i}`);
  t.is(d.length, 17);
  const expected = [...Array.from({ length: 6 }, (_, i) => `a${i + 10}`), ...Array.from({ length: 11 }, (_, i) => `b${i}`)];
  const got: string[] = [];
  for (let v = d.shift(); v !== undefined; v = d.shift()) got.push(v);
  t.deepEqual(got, expected);
});

test('Deque.clear empties it and it is reusable', (t) => {
  const d = new Deque<number>();
  for (let i = 0; i < 40; i++) d.push(i);
  d.shift();
  d.clear();
  t.is(d.length, 0);
  t.is(d.shift(), undefined);
  d.push(7);
  d.push(8);
  t.is(d.shift(), 7);
  t.is(d.shift(), 8);
});
