import test from 'ava';
import { InvalidKeyError, WeirError } from '../../lib/errors.js';
import { keyHashCode, keyToMapKey } from '../../lib/state/key-hash.js';

// ---- Independent references (BigInt arithmetic, not the implementation's Math.imul formulation) ----

const int32 = (x: bigint): number => Number(BigInt.asIntN(32, x));

/** Java String.hashCode as the polynomial sum s[i] * 31^(n-1-i), reduced mod 2^32 at the end. */
function refStringHash(s: string): number {
  let sum = 0n;
  const n = s.length;
  for (let i = 0; i < n; i++) sum += BigInt(s.charCodeAt(i)) * 31n ** BigInt(n - 1 - i);
  return int32(sum);
}

/** Java Long.hashCode: (int)(v ^ (v >>> 32)) over the 64-bit two's complement. */
function refLongHash(v: bigint): number {
  const bits = BigInt.asUintN(64, v);
  return int32(bits ^ (bits >> 32n));
}

/** Java Double.hashCode via the 64-bit pattern read as a BigInt; NaN canonicalised. */
function refDoubleHash(d: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, d, true);
  const bits = Number.isNaN(d) ? 0x7ff8000000000000n : view.getBigUint64(0, true);
  return int32(bits ^ (bits >> 32n));
}

/** Flink TupleN.hashCode: result = h0; result = 31 * result + hi, computed exactly then reduced. */
function refTupleHash(hashes: number[]): number {
  if (hashes.length === 0) return 0;
  let r = BigInt(hashes[0]!);
  for (let i = 1; i < hashes.length; i++) r = BigInt.asIntN(32, 31n * r + BigInt(hashes[i]!));
  return Number(r);
}

// ---- Strings ----

test('String.hashCode known Java values', (t) => {
  t.is(keyHashCode(''), 0);
  t.is(keyHashCode('a'), 97);
  t.is(keyHashCode('hello'), 99162322);
  t.is(keyHashCode('Hello World'), -862545276);
  t.is(keyHashCode('polygenelubricants'), -2147483648);
  // Other well-known values.
  t.is(keyHashCode('flink'), 97520992);
  t.is(keyHashCode('hive'), 3202928);
});

test('String.hashCode matches the BigInt polynomial reference (incl. surrogates, long strings)', (t) => {
  const samples = [
    'x',
    'ab',
    'The quick brown fox jumps over the lazy dog',
    'ünïcödé',
    '😀 emoji (surrogate pair)',
    '\u0000\uffff',
    'a'.repeat(1000),
    'key-' + '0123456789'.repeat(50),
  ];
  for (let i = 0; i < 500; i++) samples.push(`user-${i * 7919}-${(i * 104729) % 977}`);
  for (const s of samples) t.is(keyHashCode(s), refStringHash(s), s.slice(0, 40));
});

// ---- Numbers ----

test('int32 numbers hash as Integer.hashCode (the value)', (t) => {
  for (const v of [0, 1, -1, 42, -42, 2147483647, -2147483648, 123456789]) t.is(keyHashCode(v), v);
  t.true(Object.is(keyHashCode(0), 0));
});

test('-0 hashes like 0 (it is the same key as 0, see keyToMapKey)', (t) => {
  t.true(Object.is(keyHashCode(-0), 0));
  t.is(keyHashCode([-0, 'a']), keyHashCode([0, 'a']));
});

test('safe integers outside int32 hash as Long.hashCode', (t) => {
  t.is(keyHashCode(4294967296), 1); // Long.hashCode(2^32) = 1
  t.is(keyHashCode(2147483648), -2147483648); // Long.hashCode(2^31)
  t.is(keyHashCode(-2147483649), -2147483648); // 0xFFFFFFFF_7FFFFFFF -> 0xFFFFFFFF ^ 0x7FFFFFFF
  const samples = [
    2 ** 31, -(2 ** 31) - 1, 2 ** 32, -(2 ** 32), 2 ** 32 + 5, 2 ** 40, -(2 ** 40), 1e15, -1e15,
    Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1234567890123, -987654321098,
  ];
  for (let i = 1; i < 200; i++) samples.push(i * 45035996273 + 7, -(i * 45035996273) - 3);
  for (const v of samples) t.is(keyHashCode(v), refLongHash(BigInt(v)), String(v));
});

test('fractional, unsafe, NaN and infinite numbers hash as Double.hashCode', (t) => {
  t.is(keyHashCode(1.5), 1073217536);
  t.is(keyHashCode(NaN), 2146959360); // 0x7ff80000
  t.is(keyHashCode(Infinity), 2146435072); // 0x7ff00000
  t.is(keyHashCode(-Infinity), -1048576); // 0xfff00000
  const samples = [0.1, -0.1, 0.5, -2.75, Math.PI, Math.E, 1e-300, 5e-324, 1.7976931348623157e308, 2 ** 53, 2 ** 60, -(2 ** 64), 1e21];
  for (let i = 1; i < 300; i++) samples.push(i / 7, -i * 1.0001, i * 1e17);
  // (i / 7 is an integer for multiples of 7: those are Integer keys, not Double ones)
  for (const v of samples.filter((x) => !Number.isSafeInteger(x))) t.is(keyHashCode(v), refDoubleHash(v), String(v));
});

// ---- bigint / boolean ----

test('bigint hashes as Long.hashCode within signed 64-bit range', (t) => {
  t.is(keyHashCode(4294967296n), 1);
  t.is(keyHashCode(-1n), 0); // Long.hashCode(-1) = 0
  t.is(keyHashCode(0n), 0);
  t.is(keyHashCode(7n), 7);
  t.is(keyHashCode(2n ** 63n - 1n), -2147483648); // 0x7fffffff ^ 0xffffffff
  t.is(keyHashCode(-(2n ** 63n)), -2147483648); // 0x80000000 ^ 0
  for (let i = 0n; i < 200n; i++) {
    const v = i * 46116860184273879n - 2n ** 62n;
    t.is(keyHashCode(v), refLongHash(v), String(v));
  }
  // A number and a bigint of the same (Long) value hash alike.
  t.is(keyHashCode(2 ** 40), keyHashCode(2n ** 40n));
});

test('bigint outside signed 64-bit range throws InvalidKeyError', (t) => {
  for (const v of [2n ** 63n, -(2n ** 63n) - 1n, 10n ** 30n]) {
    const err = t.throws(() => keyHashCode(v), { instanceOf: InvalidKeyError });
    t.is(err?.code, 'WEIR_ERR_INVALID_KEY');
    t.regex(err?.message ?? '', /64-bit/);
    t.throws(() => keyToMapKey(v), { instanceOf: InvalidKeyError });
    t.throws(() => keyHashCode(['a', v]), { instanceOf: InvalidKeyError });
    t.throws(() => keyToMapKey(['a', v]), { instanceOf: InvalidKeyError });
  }
});

test('boolean hashes as Boolean.hashCode', (t) => {
  t.is(keyHashCode(true), 1231);
  t.is(keyHashCode(false), 1237);
});

// ---- Arrays (Flink tuples) ----

test('arrays hash as Flink TupleN.hashCode', (t) => {
  t.is(keyHashCode([]), 0);
  t.is(keyHashCode(['a']), 97); // Tuple1: f0.hashCode()
  t.is(keyHashCode(['a', 1]), 31 * 97 + 1); // Tuple2
  t.is(keyHashCode(['a', 'b', 'c']), (31 * 97 + 98) * 31 + 99);
  t.is(keyHashCode([null, 5]), 5);
  t.is(keyHashCode([undefined, undefined]), 0);
  t.is(keyHashCode([true, 'hello', 1.5]), refTupleHash([1231, 99162322, 1073217536]));
  // nested: Tuple2<Tuple2<String,Integer>, Long>
  t.is(keyHashCode([['x', 3], 4294967296]), refTupleHash([refTupleHash([120, 3]), 1]));
  // overflow wraps at int32
  const strs = Array.from({ length: 25 }, (_, i) => `field-${i}`);
  t.is(keyHashCode(strs), refTupleHash(strs.map(refStringHash)));
  const mixed: unknown[] = ['user-1', 42, 7n, false, null, [2 ** 40, 'z'], 0.25];
  t.is(
    keyHashCode(mixed),
    refTupleHash([refStringHash('user-1'), 42, 7, 1237, 0, refTupleHash([refLongHash(2n ** 40n), 122]), refDoubleHash(0.25)]),
  );
});

// ---- Invalid keys ----

test('unsupported keys throw InvalidKeyError with WEIR_ERR_INVALID_KEY', (t) => {
  const bad: unknown[] = [null, undefined, {}, { a: 1 }, new Date(0), new Map(), Symbol('s'), () => 1, new Uint8Array(2), Object.create(null)];
  for (const key of bad) {
    for (const fn of [keyHashCode, keyToMapKey]) {
      const err = t.throws(() => fn(key), { instanceOf: InvalidKeyError });
      t.true(err instanceof WeirError);
      t.is(err?.code, 'WEIR_ERR_INVALID_KEY');
      t.regex(err?.message ?? '', /supported key types are string, number, bigint/);
    }
  }
  t.regex(t.throws(() => keyHashCode(null))?.message ?? '', /type null/);
  t.regex(t.throws(() => keyHashCode({}))?.message ?? '', /type object \(Object\)/);
  t.regex(t.throws(() => keyHashCode(new Date(0)))?.message ?? '', /Date/);
  t.regex(t.throws(() => keyHashCode(Symbol('s')))?.message ?? '', /type symbol/);
  t.regex(t.throws(() => keyHashCode(undefined))?.message ?? '', /type undefined/);
  // objects nested in arrays are rejected too
  t.throws(() => keyHashCode(['a', { b: 1 }]), { instanceOf: InvalidKeyError });
  t.throws(() => keyToMapKey(['a', [{ b: 1 }]]), { instanceOf: InvalidKeyError });
});

test('cyclic arrays throw InvalidKeyError instead of overflowing the stack', (t) => {
  const a: unknown[] = ['x'];
  a.push(a);
  t.throws(() => keyHashCode(a), { instanceOf: InvalidKeyError, message: /nested deeper/ });
  t.throws(() => keyToMapKey(a), { instanceOf: InvalidKeyError, message: /nested deeper/ });
});

// ---- keyToMapKey ----

test('keyToMapKey: primitives map to themselves, -0 to 0', (t) => {
  t.is(keyToMapKey('abc'), 'abc');
  t.is(keyToMapKey(''), '');
  t.is(keyToMapKey(1), 1);
  t.is(keyToMapKey(1.5), 1.5);
  t.is(keyToMapKey(7n), 7n);
  t.is(keyToMapKey(true), true);
  t.true(Object.is(keyToMapKey(-0), 0));
  t.is(keyToMapKey(-0), keyToMapKey(0));
  t.true(Number.isNaN(keyToMapKey(NaN)));
});

test('keyToMapKey: distinct types stay distinct', (t) => {
  t.not(keyToMapKey('1'), keyToMapKey(1));
  t.not(keyToMapKey(1), keyToMapKey(1n));
  t.not(keyToMapKey('true'), keyToMapKey(true));
  t.not(keyToMapKey(['a', 1]), keyToMapKey(['a', '1']));
  t.not(keyToMapKey([1]), keyToMapKey([1n]));
  t.not(keyToMapKey([true]), keyToMapKey(['true']));
  t.not(keyToMapKey([null]), keyToMapKey(['null']));
  t.not(keyToMapKey([]), keyToMapKey(''));
  t.not(keyToMapKey([]), keyToMapKey([null]));
  t.not(keyToMapKey([['a']]), keyToMapKey(['a']));
  t.not(keyToMapKey([['a', 'b']]), keyToMapKey([['a'], 'b']));
});

test('keyToMapKey: equal arrays give equal keys; -0, null/undefined normalised', (t) => {
  t.is(keyToMapKey(['a', 1, 2n, true, [3.5, 'b']]), keyToMapKey(['a', 1, 2n, true, [3.5, 'b']]));
  t.is(keyToMapKey([-0, 'x']), keyToMapKey([0, 'x']));
  t.is(keyToMapKey([null, 1]), keyToMapKey([undefined, 1]));
  t.is(keyToMapKey([NaN]), keyToMapKey([NaN]));
  t.is(keyToMapKey([2n ** 63n - 1n, -(2n ** 63n)]), keyToMapKey([9223372036854775807n, -9223372036854775808n]));
  t.is(typeof keyToMapKey(['a']), 'string');
});

test('keyToMapKey: array keys cannot collide with strings, even ones mimicking the encoding', (t) => {
  const arrays: unknown[][] = [[], ['a'], ['a', 'b'], ['a:b'], ['s1:a'], [1], ['1'], [[]], [null], ['', ''], ['a;n1'], ['\u0000[']];
  const arrayKeys = arrays.map(keyToMapKey);
  t.is(new Set(arrayKeys).size, arrays.length, 'distinct arrays give distinct keys');
  for (const k of arrayKeys) {
    t.is(typeof k, 'string');
    // A user string equal to an array's encoding maps elsewhere.
    t.not(keyToMapKey(k), k);
    t.false(arrayKeys.includes(keyToMapKey(k)));
  }
  // Strings starting with NUL stay distinct from each other and from arrays.
  t.not(keyToMapKey('\u0000a'), keyToMapKey('\u0000b'));
  t.not(keyToMapKey('\u0000'), keyToMapKey(''));
  // Strings whose encodings could be confused if not length-prefixed.
  t.not(keyToMapKey(['ab', 'c']), keyToMapKey(['a', 'bc']));
  t.not(keyToMapKey(['a]', 'b']), keyToMapKey(['a', ']b']));
});

test('keyToMapKey agrees with keyHashCode: equal map keys imply equal hashes', (t) => {
  const keys: unknown[] = [
    'a', '1', 1, -0, 0, 1n, 0n, true, false, NaN, 2 ** 40, 2n ** 40n, 1.5,
    [], ['a'], ['a', 1], ['a', '1'], [-0], [0], [null], [undefined], [['a']], [1, [2, [3n]]],
  ];
  const byMapKey = new Map<unknown, number>();
  for (const k of keys) {
    const mk = keyToMapKey(k);
    const h = keyHashCode(k);
    const prev = byMapKey.get(mk);
    if (prev !== undefined) t.is(prev, h, `hash mismatch for equal map keys of ${String(k)}`);
    byMapKey.set(mk, h);
  }
  // -0/0, [-0]/[0] and [null]/[undefined] collapse; everything else is distinct.
  t.is(byMapKey.size, keys.length - 3);
});
