import test from 'ava';
import { WeirError } from '../../lib/errors.js';
import { ManualClock } from '../../lib/time/clock.js';
import { ByteWriter } from '../../lib/transport/byte-writer.js';
import { CHUNK_CHARS, COLUMN_BLOCK_TAG, decodeColumnBlock, encodeColumnBlock, MIN_COLUMN_ROWS } from '../../lib/transport/column-codec.js';
import { assembleFrame, decodeFrame, encodeEnvelope, encodeFrame, FrameBuilder, type Frame } from '../../lib/transport/frame-codec.js';
import { OutboundChannel, type ChannelLimits, type OutboundHost } from '../../lib/transport/outbound-channel.js';
import { emptyStats } from '../../lib/transport/framed-transport.js';
import type { TransportEnvelope } from '../../lib/transport/transport.js';
import { makeBatch } from '../helpers/record-stream.js';

const env = (body: unknown, lane: 'data' | 'system' = 'data'): TransportEnvelope => ({ to: { address: 'b', id: 'x' }, from: { address: 'a', id: 'src' }, lane, body });
const TAG_HEAD = Buffer.from([0xda, (COLUMN_BLOCK_TAG >>> 24) & 0xff, (COLUMN_BLOCK_TAG >>> 16) & 0xff, (COLUMN_BLOCK_TAG >>> 8) & 0xff, COLUMN_BLOCK_TAG & 0xff]);
const usesBlocks = (bytes: Uint8Array): boolean => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(TAG_HEAD);
const roundTrip = (body: unknown): unknown => decodeFrame(encodeFrame({ from: 'a', epoch: 'e', seq: 1, first: 1, envs: [env(body)] })).envs[0]!.body;
const rows = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

test('record batches, scalar arrays and array bodies round-trip as column blocks with every value exact', (t) => {
  const odd = ['', 'a', 'é', '中文', '😀 emoji', 'tab\tnul\0', 'x'.repeat(CHUNK_CHARS + 5), 'y'.repeat(70_000)];
  const bodies: unknown[] = [
    makeBatch('p', 1, 1024),
    { t: 'rb', ch: 3, v: rows(100, (i) => ({ u8: i, u16: 300 + i, i32: -i, big: 2 ** 40 + i, f: i / 3, s: odd[i % odd.length]!, b: i % 3 === 0 })), ts: rows(100, (i) => (i === 5 ? -Infinity : 1_700_000_000_000 + i)) },
    { specials: [0, -0, NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, 0.1, Number.MAX_VALUE, Number.MIN_VALUE, -1, 255, 256, 65535, 65536, 1e300] },
    { strings: rows(5000, (i) => odd[i % odd.length]! + i), flags: rows(20, (i) => i % 2 === 0) },
    rows(40, (i) => ({ id: i, name: `n${i}` })), // the body itself
    rows(20, (i) => `s${i}`),
    { v: rows(16, (i) => ({ '0': i, '1': 'one', 'quote"back\\slash': i, 'line\u2028sep\n': 'x', constructor: 'c', toString: 1 })) },
  ];
  for (const body of bodies) {
    t.true(usesBlocks(encodeEnvelope(env(body))));
    t.deepEqual(roundTrip(body), body);
  }
  const withNegZero = roundTrip({ v: rows(20, (i) => (i === 7 ? -0 : i)) }) as { v: number[] };
  t.true(Object.is(withNegZero.v[7], -0));
});

test('arrays that do not qualify stay cbor-x and still round-trip', (t) => {
  const rec = (i: number): Record<string, unknown> => ({ a: i, b: `s${i}` });
  class Point {
    constructor(readonly x: number) {}
  }
  const cases: unknown[] = [
    { v: rows(MIN_COLUMN_ROWS - 1, rec) }, // too short
    { v: [...rows(30, rec), { b: 'x', a: 1 }] }, // other key order at the end
    { v: [...rows(30, rec), { a: 1, b: 'x', c: 2 }] }, // an extra key
    { v: [...rows(30, rec), { a: 1 }] }, // a missing key
    { v: [...rows(30, rec), { a: 'one', b: 'x' }] }, // a type change in a column
    { v: rows(30, (i) => ({ a: i, b: null })) }, // nulls
    { v: rows(30, (i) => ({ a: i, nested: { x: i } })) }, // nested objects
    { v: rows(30, (i) => [i, `s${i}`]) }, // tuples
    { v: rows(30, (i) => new Point(i)) }, // class instances (cbor-x encodes them as maps)
    { v: [...rows(30, (i) => i), 'x'] }, // mixed scalars
    { v: rows(30, (i) => BigInt(i)) },
    { v: rows(30, () => ({})) }, // no keys
    new Map([[1, rows(30, rec)]]),
    5,
    'text',
  ];
  for (const body of cases) {
    t.false(usesBlocks(encodeEnvelope(env(body))), JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))?.slice(0, 60));
    const back = roundTrip(body);
    if (body instanceof Map) t.deepEqual(back, body);
    else t.deepEqual(JSON.stringify(back, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)), JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
  }
  // A body with one qualifying and one failing array: only the first becomes a block.
  const mixed = { good: rows(30, rec), bad: rows(30, (i) => (i === 29 ? { a: 1 } : rec(i))) };
  t.true(usesBlocks(encodeEnvelope(env(mixed))));
  t.deepEqual(roundTrip(mixed), mixed);
  // __proto__ keys never reach generated code.
  const proto = JSON.parse(`{"v":[${rows(20, (i) => `{"__proto__":${i},"a":1}`).join(',')}]}`) as unknown;
  t.false(usesBlocks(encodeEnvelope(env(proto))));
});

test('a block that does not qualify is rolled back; the writer grows around blocks', (t) => {
  const w = new ByteWriter(16);
  w.bytes(Uint8Array.of(1, 2, 3));
  t.false(encodeColumnBlock([...rows(40, (i) => ({ a: i })), { a: 'x' }], w));
  t.is(w.pos, 3);
  t.true(encodeColumnBlock(rows(40, (i) => ({ a: i, s: `v${i}` })), w)); // grows from 16 bytes
  t.deepEqual([...w.buf.subarray(0, 3)], [1, 2, 3]);
  t.deepEqual(decodeColumnBlock(w.buf.subarray(3, w.pos)), rows(40, (i) => ({ a: i, s: `v${i}` })));
});

test('damaged column blocks throw WEIR_ERR_DECODE, never anything else (truncations and every single-byte change)', (t) => {
  const w = new ByteWriter(1024);
  t.true(encodeColumnBlock(rows(24, (i) => ({ n: i * 1000, f: i / 7, s: i % 5 === 0 ? 'é€' : `s${i}`, b: i % 2 === 0 })), w));
  const good = Uint8Array.from(w.buf.subarray(0, w.pos));
  const check = (bytes: Uint8Array): void => {
    try {
      decodeColumnBlock(bytes);
    } catch (err) {
      if (!(err instanceof WeirError) || err.code !== 'WEIR_ERR_DECODE') t.fail(`threw ${String(err)}`);
    }
  };
  for (let n = 0; n < good.byteLength; n++) check(good.subarray(0, n));
  for (let i = 0; i < good.byteLength; i++) {
    for (const x of [0x00, 0xff, good[i]! ^ 0x01, good[i]! ^ 0x80]) {
      const bad = Uint8Array.from(good);
      bad[i] = x;
      check(bad);
    }
  }
  const err = t.throws(() => decodeColumnBlock(Uint8Array.of(1, 0, 0xff, 0xff, 0xff, 0xff)), { instanceOf: WeirError });
  t.is(err?.code, 'WEIR_ERR_DECODE');
  // Inside a frame the error names the frame and its size.
  const frame = encodeFrame({ from: 'a', epoch: 'e', seq: 1, first: 1, envs: [env(makeBatch('p', 1, 50))] });
  const at = Buffer.from(frame).indexOf(TAG_HEAD) + 10; // tag (5) and byte-string head (5)
  const broken = Uint8Array.from(frame);
  broken[at] = 9; // block version
  const e2 = t.throws(() => decodeFrame(broken), { instanceOf: WeirError });
  t.is(e2?.code, 'WEIR_ERR_DECODE');
  t.regex(e2?.message ?? '', new RegExp(`frame 1 from 'a'.*\\(${frame.byteLength} bytes\\)`));
});

test('FrameBuilder frames decode alone, never alias each other, and re-assemble from their envelope region', (t) => {
  const b = new FrameBuilder();
  const header = (seq: number): Omit<Frame, 'envs'> => ({ from: 'a', epoch: 'e1', seq, first: 1 });
  const built: { frame: Uint8Array; envs: Uint8Array; expect: TransportEnvelope[] }[] = [];
  for (let seq = 1; seq <= 6; seq++) {
    // Alternate large frames (the buffer is handed over) and small ones (copied out, buffer reused).
    const expect = seq % 2 === 0 ? [env(makeBatch('p', seq * 1000, 1024)), env({ small: seq }, 'system')] : [env({ small: seq }), env(rows(3, (i) => i + seq))];
    for (const e of expect) b.append(e);
    t.is(b.count, expect.length);
    built.push({ ...b.finish(header(seq)), expect });
    t.is(b.count, 0);
  }
  built.forEach(({ frame, envs, expect }, i) => {
    t.deepEqual(decodeFrame(frame), { ...header(i + 1), envs: expect });
    t.deepEqual(decodeFrame(assembleFrame({ ...header(i + 1), first: i + 1 }, [envs], expect.length)).envs, expect);
  });
  // An envelope taken back out moves intact to another frame.
  b.append(env({ keep: 1 }));
  const len = b.append(env(makeBatch('q', 1, 100)));
  const moved = b.takeLast(len);
  t.deepEqual(decodeFrame(b.finish(header(7)).frame).envs, [env({ keep: 1 })]);
  b.appendEncoded(moved);
  t.deepEqual(decodeFrame(b.finish(header(8)).frame).envs, [env(makeBatch('q', 1, 100))]);
  // An encode error leaves the frame as it was.
  b.append(env({ ok: true }));
  t.throws(() => b.append(env({ f: () => 1 })), { instanceOf: WeirError });
  t.deepEqual(decodeFrame(b.finish(header(9)).frame).envs, [env({ ok: true })]);
});

function channel(limits: Partial<ChannelLimits>, clock = new ManualClock()): { ch: OutboundChannel; frames: Uint8Array[] } {
  const frames: Uint8Array[] = [];
  const host: OutboundHost = { localAddress: 'a', clock, counters: emptyStats(), postFrame: (_peer, bytes) => frames.push(bytes), scheduleFlush: () => undefined };
  const full: ChannelLimits = { maxFrameBytes: 64 * 1024, maxFrameEnvelopes: 4096, maxMessageBytes: 1024 * 1024, creditBytes: 64 * 1024 * 1024, retransmitMs: undefined, maxRetransmitMs: 8000, ...limits };
  return { ch: new OutboundChannel('b', host, full), frames };
}

test('an outbound channel frames envelopes of mixed sizes in order within the frame limits', (t) => {
  const { ch, frames } = channel({ maxFrameBytes: 64 * 1024, maxFrameEnvelopes: 5 });
  const sent: TransportEnvelope[] = [];
  const sizes = [10, 10, 300, 10, 1024, 1024, 10, 10, 10, 10, 10, 10, 200, 900, 10];
  sizes.forEach((n, i) => {
    const e = env(n >= 100 ? makeBatch(`p${i}`, i * 10_000, n) : { i });
    sent.push(e);
    ch.enqueue(e);
  });
  ch.flush();
  const got = frames.map((f) => decodeFrame(f));
  t.deepEqual(got.flatMap((f) => f.envs), sent);
  t.deepEqual(got.map((f) => f.seq), got.map((_f, i) => i + 1));
  for (const f of got) t.true(f.envs.length <= 5);
  for (const [i, bytes] of frames.entries()) if (got[i]!.envs.length > 1) t.true(bytes.byteLength <= 64 * 1024 + 512, `frame ${i + 1}: ${bytes.byteLength} bytes`);
});

test('an outbound channel retransmits unacknowledged frames with the current first seq, byte for byte the same envelopes', (t) => {
  const clock = new ManualClock();
  const { ch, frames } = channel({ retransmitMs: 100 }, clock);
  const batches = [env(makeBatch('p', 1, 1024)), env(makeBatch('p', 2000, 1024)), env({ tail: 1 })];
  for (const e of batches) ch.enqueue(e);
  ch.flush();
  const first = frames.length;
  t.true(first >= 2);
  clock.advance(100);
  const again = frames.slice(first).map((f) => decodeFrame(f));
  t.deepEqual(again.flatMap((f) => f.envs), batches);
  t.deepEqual(again.map((f) => f.first), again.map(() => 1));
  t.deepEqual(frames.slice(0, first).map((f) => decodeFrame(f).envs), again.map((f) => f.envs));
});
