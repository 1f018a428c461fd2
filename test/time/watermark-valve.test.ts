import test from 'ava';
import { ConfigurationError } from '../../lib/errors.js';
import { MAX_WATERMARK, StatusWatermarkValve } from '../../lib/time/watermark-valve.js';

type Out = number | 'idle' | 'active';

/** A valve with `n` channels whose output is recorded; `take()` returns and clears what was emitted. */
function valve(n: number): { v: StatusWatermarkValve; take: () => Out[] } {
  let log: Out[] = [];
  const v = new StatusWatermarkValve(n, {
    emitWatermark: (ts) => log.push(ts),
    emitStatus: (idle) => log.push(idle ? 'idle' : 'active'),
  });
  return {
    v,
    take: () => {
      const l = log;
      log = [];
      return l;
    },
  };
}

test('MAX_WATERMARK is +Infinity', (t) => {
  t.is(MAX_WATERMARK, Number.POSITIVE_INFINITY);
});

test('output is the minimum over all channels, emitted when it increases', (t) => {
  const { v, take } = valve(3);
  v.inputWatermark(10, 0);
  t.deepEqual(take(), [], 'channels 1 and 2 are still at -Infinity');
  v.inputWatermark(5, 1);
  t.deepEqual(take(), []);
  v.inputWatermark(7, 2);
  t.deepEqual(take(), [5]); // min(10, 5, 7)
  v.inputWatermark(8, 1);
  t.deepEqual(take(), [7]); // min(10, 8, 7)
  v.inputWatermark(12, 2);
  t.deepEqual(take(), [8]); // min(10, 8, 12)
  t.is(v.outputWatermark, 8);
});

test('no output when the minimum does not advance; regressing, equal and NaN watermarks are ignored', (t) => {
  const { v, take } = valve(2);
  v.inputWatermark(10, 0);
  v.inputWatermark(5, 1);
  t.deepEqual(take(), [5]);
  v.inputWatermark(20, 0);
  t.deepEqual(take(), [], 'channel 1 still holds the minimum at 5');
  v.inputWatermark(4, 1);
  v.inputWatermark(5, 1);
  v.inputWatermark(Number.NaN, 1);
  t.deepEqual(take(), []);
  t.is(v.channelWatermark(1), 5);
  v.inputWatermark(6, 1);
  t.deepEqual(take(), [6]);
});

test('a single channel passes watermarks and status through', (t) => {
  const { v, take } = valve(1);
  v.inputWatermark(3, 0);
  v.inputWatermark(9, 0);
  v.inputStatus(true, 0);
  v.inputStatus(true, 0);
  v.inputStatus(false, 0);
  v.inputWatermark(11, 0);
  t.deepEqual(take(), [3, 9, 'idle', 'active', 11]);
});

test('idle channels do not hold the output back, and their watermarks are ignored', (t) => {
  const { v, take } = valve(3);
  v.inputWatermark(10, 0);
  v.inputWatermark(20, 1);
  t.deepEqual(take(), [], 'channel 2 at -Infinity');
  v.inputStatus(true, 2);
  t.deepEqual(take(), [10], 'min(10, 20) once channel 2 is idle; valve still active');
  t.false(v.isIdle);
  v.inputWatermark(1, 2);
  t.is(v.channelWatermark(2), Number.NEGATIVE_INFINITY, 'watermark on an idle channel is dropped');
  v.inputWatermark(30, 0);
  t.deepEqual(take(), [20]); // min(30, 20)
});

test('a re-activated channel counts only once it catches up with the output watermark', (t) => {
  const { v, take } = valve(2);
  v.inputWatermark(10, 0);
  v.inputWatermark(5, 1);
  t.deepEqual(take(), [5]);
  v.inputStatus(true, 1);
  t.deepEqual(take(), [10]);
  v.inputWatermark(15, 0);
  t.deepEqual(take(), [15]);
  v.inputStatus(false, 1); // back at 5 < 15: active but not aligned
  t.deepEqual(take(), [], 'no status output: the valve never went idle');
  t.false(v.isChannelIdle(1));
  t.false(v.isChannelAligned(1));
  v.inputWatermark(25, 0);
  t.deepEqual(take(), [25], 'channel 1 (5) does not hold the output back');
  v.inputWatermark(20, 1);
  t.deepEqual(take(), [], '20 < 25: still not aligned');
  t.false(v.isChannelAligned(1));
  v.inputWatermark(40, 0);
  t.deepEqual(take(), [40]);
  v.inputWatermark(45, 1); // 45 ≥ 40: aligned from now on
  t.true(v.isChannelAligned(1));
  t.deepEqual(take(), [], 'min(40, 45) = 40, already emitted');
  v.inputWatermark(50, 0);
  t.deepEqual(take(), [45], 'now channel 1 holds the output back');
});

test('a re-activated channel already at or ahead of the output is aligned at once', (t) => {
  const { v, take } = valve(2);
  v.inputWatermark(30, 1);
  v.inputStatus(true, 1);
  v.inputWatermark(10, 0);
  t.deepEqual(take(), [10]);
  v.inputStatus(false, 1); // 30 ≥ 10
  t.true(v.isChannelAligned(1));
  v.inputWatermark(40, 0);
  t.deepEqual(take(), [30], 'channel 1 holds the output at 30');
});

test('when all channels are idle the maximum watermark is flushed, then status idle', (t) => {
  const { v, take } = valve(2);
  v.inputWatermark(10, 0);
  v.inputWatermark(30, 1);
  t.deepEqual(take(), [10]);
  v.inputStatus(true, 1);
  t.deepEqual(take(), [], 'channel 0 still active at 10');
  v.inputStatus(true, 0);
  t.deepEqual(take(), [30, 'idle'], 'flush max(10, 30), then idle');
  t.true(v.isIdle);
  v.inputWatermark(50, 0);
  t.deepEqual(take(), [], 'watermarks are ignored while idle');
  v.inputStatus(false, 0); // 10 < 30: not aligned
  t.deepEqual(take(), ['active']);
  t.false(v.isChannelAligned(0));
  v.inputWatermark(35, 0);
  t.deepEqual(take(), [35], 'caught up (35 ≥ 30); channel 1 is idle');
});

test('all idle without a higher watermark emits only the idle status', (t) => {
  const { v, take } = valve(2);
  v.inputWatermark(10, 0);
  v.inputWatermark(20, 1);
  t.deepEqual(take(), [10]);
  v.inputStatus(true, 0);
  t.deepEqual(take(), [20]);
  v.inputStatus(true, 1);
  t.deepEqual(take(), ['idle'], 'max is 20, already emitted');
  v.inputStatus(false, 1);
  v.inputStatus(false, 0);
  t.deepEqual(take(), ['active'], 'active emitted once, on the first channel back');
});

test('all channels idle before any watermark: no watermark, just idle', (t) => {
  const { v, take } = valve(2);
  v.inputStatus(true, 0);
  v.inputStatus(true, 1);
  t.deepEqual(take(), ['idle']);
  t.is(v.outputWatermark, Number.NEGATIVE_INFINITY);
});

test('end of input on every channel gives +Infinity', (t) => {
  const { v, take } = valve(3);
  v.inputWatermark(10, 0);
  v.inputWatermark(20, 1);
  v.inputWatermark(15, 2);
  t.deepEqual(take(), [10]);
  v.endOfInput(0);
  t.deepEqual(take(), [15]); // min(+Inf, 20, 15)
  v.endOfInput(2);
  t.deepEqual(take(), [20]);
  v.endOfInput(1);
  t.deepEqual(take(), [MAX_WATERMARK]);
  v.inputWatermark(99, 1);
  v.endOfInput(1);
  t.deepEqual(take(), [], 'nothing after the maximal watermark');
  t.is(v.outputWatermark, Number.POSITIVE_INFINITY);
});

test('end of input on an idle channel re-activates it first (as Flink’s source output does)', (t) => {
  const { v, take } = valve(2);
  v.inputStatus(true, 0);
  v.inputStatus(true, 1);
  t.deepEqual(take(), ['idle']);
  v.endOfInput(0);
  // Channel 1 is idle, so only the finished channel 0 counts: event time is over for this valve.
  t.deepEqual(take(), ['active', MAX_WATERMARK]);
  v.endOfInput(1);
  t.deepEqual(take(), []);
});

test('channel indexes and channel counts are validated (ConfigurationError)', (t) => {
  for (const n of [0, -1, 1.5, Number.NaN]) {
    const err = t.throws(() => valve(n), { instanceOf: ConfigurationError });
    t.is(err?.code, 'WEIR_ERR_CONFIG');
  }
  const { v } = valve(2);
  for (const ch of [-1, 2, 0.5]) {
    t.throws(() => v.inputWatermark(1, ch), { instanceOf: ConfigurationError });
    t.throws(() => v.inputStatus(true, ch), { instanceOf: ConfigurationError });
  }
  t.is(v.numChannels, 2);
});

// The two documented differences from Flink's class (see the module docstring): Weir recomputes after
// every status change, so it emits these watermarks at once where Flink would emit them later.

test('re-activating a channel ahead of the output emits at once when no other channel is aligned', (t) => {
  const { v, take } = valve(3);
  v.inputWatermark(48, 0);
  v.inputWatermark(40, 1);
  v.inputWatermark(4, 2);
  t.deepEqual(take(), [4]);
  v.inputStatus(true, 0);
  v.inputStatus(true, 2);
  t.deepEqual(take(), [40]); // only channel 1 aligned
  v.inputStatus(false, 2); // 4 < 40: active, not aligned
  v.inputStatus(true, 1); // aligned set now empty; channel 2 keeps the valve active
  t.deepEqual(take(), []);
  v.inputStatus(false, 0); // 48 ≥ 40: aligned, and the only aligned channel
  t.deepEqual(take(), [48], 'Flink would wait for channel 0’s next watermark');
});

test('the all-idle flush happens even when the last channel to go idle was lagging', (t) => {
  const { v, take } = valve(3);
  v.inputWatermark(28, 0);
  v.inputStatus(true, 1);
  v.inputStatus(true, 0);
  v.inputWatermark(30, 2);
  t.deepEqual(take(), [30]);
  v.inputStatus(false, 0); // 28 < 30: not aligned
  v.inputStatus(false, 1); // -Infinity < 30: not aligned
  v.inputWatermark(34, 0); // caught up: aligned, min(34, 30) = 30
  v.inputStatus(true, 0);
  v.inputStatus(true, 2);
  t.deepEqual(take(), []);
  v.inputStatus(true, 1); // all idle: flush max(34, -Infinity, 30)
  t.deepEqual(take(), [34, 'idle'], 'Flink skips this flush: channel 1 did not hold the output watermark');
});
