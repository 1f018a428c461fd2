import test from 'ava';
import { Encoder } from 'cbor-x';
import { WeirError } from '../../lib/errors.js';
import { assembleFrame, decodeControl, decodeFrame, encodeControl, encodeEnvelope, encodeFrame, WIRE_VERSION, type Frame } from '../../lib/transport/frame-codec.js';
import { RateLimitedLog } from '../../lib/transport/rate-limited-log.js';
import type { TransportEnvelope } from '../../lib/transport/transport.js';
import { makeBatch } from '../helpers/record-stream.js';

const env = (id: string, body: unknown, lane: 'data' | 'system' = 'data'): TransportEnvelope => ({ to: { address: 'b', id }, from: { address: 'a', id: 'src' }, lane, body });

test('a frame of envelopes with different record shapes round-trips through a fresh decoder', (t) => {
  const envs = [
    env('x', makeBatch('p', 1, 1024)),
    env('y', [{ zz: 1 }, { q: 2, p: 1 }, new Map([[1, 2]]), new Set([3]), 5n, new Uint8Array([1, 2]), new Date(5)], 'system'),
    env('x', { a: [{ p: 8, q: 9 }], b: 'rec' }),
    env('x', makeBatch('p', 1025, 3)),
  ];
  const frame: Frame = { from: 'a', epoch: 'e1', seq: 7, first: 3, envs };
  // Encode twice with the same module encoder: each output must stand alone.
  encodeFrame(frame);
  t.deepEqual(decodeFrame(encodeFrame(frame)), frame);
  const empty: Frame = { from: 'a', epoch: 'e1', seq: 1, first: 2, envs: [] };
  t.deepEqual(decodeFrame(encodeFrame(empty)), empty);
});

test('array headers for 0, 23, 24, 255, 256 and 70 000 envelopes', (t) => {
  for (const n of [0, 23, 24, 255, 256, 70_000]) {
    const parts = Array.from({ length: n }, (_, i) => encodeEnvelope(env('x', i)));
    const f = decodeFrame(assembleFrame({ from: 'a', epoch: 'e', seq: 1, first: 1 }, parts));
    t.is(f.envs.length, n);
    if (n > 0) t.is(f.envs[n - 1]!.body, n - 1);
  }
});

test('assembled frames own their ArrayBuffer (safe to transfer)', (t) => {
  const f = encodeFrame({ from: 'a', epoch: 'e', seq: 1, first: 1, envs: [env('x', 1)] });
  t.is(f.byteOffset, 0);
  t.is(f.buffer.byteLength, f.byteLength);
});

test('an envelope cbor cannot encode throws WEIR_ERR_ENCODE naming the target', (t) => {
  const err = t.throws(() => encodeEnvelope(env('x', { f: () => 1 })), { instanceOf: WeirError });
  t.is(err?.code, 'WEIR_ERR_ENCODE');
  t.regex(err?.message ?? '', /x@b/);
});

test('garbage, truncated frames and cbor values that are not frames throw WEIR_ERR_DECODE with the byte length', (t) => {
  const good = encodeFrame({ from: 'a', epoch: 'e', seq: 1, first: 1, envs: [env('x', makeBatch('p', 1, 10))] });
  const plain = new Encoder({ useRecords: false, mapsAsObjects: true });
  const bad: Uint8Array[] = [
    new Uint8Array(0),
    Uint8Array.of(0xff, 0xff),
    good.subarray(0, good.byteLength - 1),
    good.subarray(0, 30),
    plain.encode(42),
    plain.encode({ from: 'a', epoch: 'e', seq: 0, first: 1, envs: [] }), // seq 0
    plain.encode({ from: 'a', epoch: 'e', seq: 1, first: 3, envs: [] }), // first past seq + 1
    plain.encode({ from: 'a', epoch: 'e', seq: 1.5, first: 1, envs: [] }),
    plain.encode({ wire: WIRE_VERSION, from: 'a', epoch: 'e', seq: 1, first: 1, envs: [{ to: { address: 'b' }, lane: 'data', body: 1 }] }),
    plain.encode({ wire: WIRE_VERSION, from: 'a', epoch: 'e', seq: 1, first: 1, envs: [{ to: { address: 'b', id: 'x' }, lane: 'other', body: 1 }] }),
    plain.encode({ from: 7, epoch: 'e', seq: 1, first: 1, envs: [] }),
  ];
  for (const b of bad) {
    const err = t.throws(() => decodeFrame(b), { instanceOf: WeirError });
    t.is(err?.code, 'WEIR_ERR_DECODE');
    t.regex(err?.message ?? '', new RegExp(`\\(${b.byteLength} bytes`));
  }
});

test('a frame of another wire format (a process of another Weir version) is refused, naming the versions', (t) => {
  const plain = new Encoder({ useRecords: false, mapsAsObjects: true });
  for (const [b, wire] of [
    [plain.encode({ from: 'old', epoch: 'e', seq: 1, first: 1, envs: [] }), 1],
    [plain.encode({ wire: WIRE_VERSION + 1, from: 'new', epoch: 'e', seq: 1, first: 1, envs: [] }), WIRE_VERSION + 1],
  ] as const) {
    const err = t.throws(() => decodeFrame(b), { instanceOf: WeirError });
    t.is(err?.code, 'WEIR_ERR_DECODE');
    t.regex(err?.message ?? '', new RegExp(`is of wire format ${wire}, this process reads ${WIRE_VERSION}: every process of a cluster must run the same Weir version`));
  }
});

test('control messages round-trip; invalid ones throw WEIR_ERR_DECODE', (t) => {
  const c = { from: 'b', epoch: 'e', ack: 9, credit: 7, window: 4096 };
  t.deepEqual(decodeControl(encodeControl(c)), c);
  for (const bad of [{ ...c, credit: 10 }, { ...c, window: 0 }, { ...c, ack: -1 }, { ...c, epoch: 3 }]) {
    const err = t.throws(() => decodeControl(encodeControl(bad as typeof c)), { instanceOf: WeirError });
    t.is(err?.code, 'WEIR_ERR_DECODE');
  }
});

test('RateLimitedLog writes one line per interval per reason and counts the ones it dropped', (t) => {
  let now = 0;
  const lines: string[] = [];
  const log = new RateLimitedLog({ now: () => now, write: (l) => lines.push(l) });
  for (let i = 0; i < 5; i++) log.log('r1', () => `one ${i}`);
  log.log('r2', () => 'two');
  now = 999;
  log.log('r1', () => 'still suppressed');
  now = 1_000;
  log.log('r1', () => 'again');
  t.deepEqual(lines, ['weir: one 0', 'weir: two', 'weir: again (5 more dropped since the last line)']);
});
