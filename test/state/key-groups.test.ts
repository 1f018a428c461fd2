import test from 'ava';
import { ConfigurationError, InvalidKeyError } from '../../lib/errors.js';
import {
  DEFAULT_MAX_PARALLELISM,
  KeyGroupRange,
  UPPER_BOUND_MAX_PARALLELISM,
  assignKeyToParallelOperator,
  assignToKeyGroup,
  checkMaxParallelismPreconditions,
  checkParallelismPreconditions,
  computeDefaultMaxParallelism,
  computeKeyGroupForKeyHash,
  computeKeyGroupRangeForOperatorIndex,
  computeOperatorIndexForKeyGroup,
  murmurHash,
} from '../../lib/state/key-groups.js';

// ---- Independent murmurHash reference: unsigned BigInt arithmetic mod 2^32 ----

const M32 = 1n << 32n;
const u32 = (x: bigint): bigint => ((x % M32) + M32) % M32;
const mulMod = (a: bigint, b: bigint): bigint => u32(a * b);
const rotl = (x: bigint, r: bigint): bigint => u32((x << r) | (x >> (32n - r)));

/** Flink MathUtils.murmurHash(int) computed over unsigned BigInts, then made non-negative. */
function refMurmur(code: number): number {
  let h = u32(BigInt(code));
  h = mulMod(h, 0xcc9e2d51n);
  h = rotl(h, 15n);
  h = mulMod(h, 0x1b873593n);
  h = rotl(h, 13n);
  h = u32(h * 5n + 0xe6546b64n);
  h ^= 4n;
  // bitMix (fmix32)
  h ^= h >> 16n;
  h = mulMod(h, 0x85ebca6bn);
  h ^= h >> 13n;
  h = mulMod(h, 0xc2b2ae35n);
  h ^= h >> 16n;
  const signed = h >= 1n << 31n ? h - M32 : h;
  if (signed >= 0n) return Number(signed);
  return signed === -(1n << 31n) ? 0 : Number(-signed);
}

/** Java String.hashCode via BigInt polynomial (independent of key-hash.ts). */
function refStringHash(s: string): number {
  let sum = 0n;
  for (let i = 0; i < s.length; i++) sum += BigInt(s.charCodeAt(i)) * 31n ** BigInt(s.length - 1 - i);
  return Number(BigInt.asIntN(32, sum));
}

// ---- Constants ----

test('constants mirror Flink', (t) => {
  t.is(DEFAULT_MAX_PARALLELISM, 128);
  t.is(UPPER_BOUND_MAX_PARALLELISM, 32768);
});

// ---- murmurHash ----

test('murmurHash pinned values (from the BigInt reference)', (t) => {
  t.is(murmurHash(0), 593689054); // 0x2362F9DE = MurmurHash3_x86_32 of four zero bytes, seed 0
  t.is(murmurHash(1), 68075478);
  t.is(murmurHash(-1), 1982413648);
  t.is(murmurHash(2147483647), 1653689534);
  t.is(murmurHash(-2147483648), 1718298732);
  t.is(refMurmur(0), 593689054);
  t.is(refMurmur(1), 68075478);
});

test('murmurHash matches the BigInt reference over a few thousand ints', (t) => {
  const codes = [0, 1, -1, 2, -2, 2147483647, -2147483648, 2147483646, -2147483647, 97, 1231, 1237];
  for (let i = 0; i < 2000; i++) codes.push(i, -i);
  // spread over the whole int32 range with a multiplicative (Weyl) sequence
  let x = 0;
  for (let i = 0; i < 3000; i++) {
    x = (x + 0x9e3779b9) | 0;
    codes.push(x);
  }
  for (const c of codes) {
    const got = murmurHash(c);
    t.is(got, refMurmur(c), `murmurHash(${c})`);
    t.true(got >= 0 && got <= 2147483647 && Number.isInteger(got));
  }
});

// ---- key → key group ----

test('computeKeyGroupForKeyHash = murmurHash(hash) % maxParallelism', (t) => {
  for (const maxP of [1, 2, 3, 7, 10, 128, 1000, 32768]) {
    for (const h of [0, 1, -1, 123456789, -2147483648, 2147483647, 99162322]) {
      const kg = computeKeyGroupForKeyHash(h, maxP);
      t.is(kg, refMurmur(h) % maxP);
      t.true(kg >= 0 && kg < maxP);
    }
  }
});

test('assignToKeyGroup uses the Java hashCode of the key', (t) => {
  for (const s of ['', 'a', 'hello', 'Hello World', 'polygenelubricants', 'user-42', 'ünï']) {
    t.is(assignToKeyGroup(s, 128), refMurmur(refStringHash(s)) % 128, s);
  }
  t.is(assignToKeyGroup(7, 128), refMurmur(7) % 128);
  t.is(assignToKeyGroup(7n, 128), refMurmur(7) % 128); // Long.hashCode(7) = 7
  t.is(assignToKeyGroup(true, 128), refMurmur(1231) % 128);
  t.is(assignToKeyGroup(['a', 1], 128), refMurmur(31 * 97 + 1) % 128);
});

test('assignToKeyGroup agrees with key groups reported for Flink (maxParallelism 128)', (t) => {
  // Cross-check values from public code exercising Flink's KeyGroupRangeAssignment; they also
  // follow from the references above.
  t.is(assignToKeyGroup('flink', 128), 98);
  t.is(assignToKeyGroup('spark', 128), 7);
  t.is(assignToKeyGroup('hive', 128), 9);
  t.is(assignToKeyGroup('hello', 128), 35);
  t.is(assignToKeyGroup('world', 128), 66);
  t.is(assignToKeyGroup('A', 128), 104);
  t.is(assignToKeyGroup('B', 128), 17);
  t.is(assignKeyToParallelOperator('A', 128, 2), 1);
  t.is(assignKeyToParallelOperator('B', 128, 2), 0);
  t.is(assignKeyToParallelOperator('A', 128, 8), 6);
  t.is(assignKeyToParallelOperator('B', 128, 8), 1);
});

test('assignToKeyGroup / assignKeyToParallelOperator reject invalid keys', (t) => {
  for (const key of [null, undefined, {}, [{}]]) {
    const err = t.throws(() => assignToKeyGroup(key, 128), { instanceOf: InvalidKeyError });
    t.is(err?.code, 'WEIR_ERR_INVALID_KEY');
    t.throws(() => assignKeyToParallelOperator(key, 128, 4), { instanceOf: InvalidKeyError });
  }
});

test('assignKeyToParallelOperator = operator whose range contains the key group', (t) => {
  for (const [maxP, p] of [[128, 1], [128, 3], [128, 4], [128, 7], [256, 100], [1000, 999], [32768, 17]] as const) {
    const ranges = Array.from({ length: p }, (_, i) => computeKeyGroupRangeForOperatorIndex(maxP, p, i));
    for (let i = 0; i < 300; i++) {
      const key = `k${i}`;
      const kg = refMurmur(refStringHash(key)) % maxP;
      const op = assignKeyToParallelOperator(key, maxP, p);
      t.true(ranges[op]!.contains(kg));
      t.is(op, Math.floor((kg * p) / maxP));
    }
  }
});

// ---- key group → operator, operator → key-group range ----

test('pinned key-group ranges', (t) => {
  const r = (maxP: number, p: number) =>
    Array.from({ length: p }, (_, i) => {
      const kgr = computeKeyGroupRangeForOperatorIndex(maxP, p, i);
      return [kgr.startKeyGroup, kgr.endKeyGroup];
    });
  t.deepEqual(r(128, 3), [[0, 42], [43, 85], [86, 127]]);
  t.deepEqual(r(128, 4), [[0, 31], [32, 63], [64, 95], [96, 127]]);
  t.deepEqual(r(128, 1), [[0, 127]]);
  t.deepEqual(r(10, 10), Array.from({ length: 10 }, (_, i) => [i, i]));
  t.deepEqual(r(10, 3), [[0, 3], [4, 6], [7, 9]]);
});

test('ranges partition [0, maxP) contiguously and agree with computeOperatorIndexForKeyGroup', (t) => {
  const pairs: Array<[number, number]> = [];
  for (const maxP of [1, 2, 3, 5, 7, 10, 16, 100, 127, 128, 129, 256, 1000]) {
    for (let p = 1; p <= Math.min(maxP, 40); p++) pairs.push([maxP, p]);
    pairs.push([maxP, maxP]);
  }
  pairs.push([32768, 1], [32768, 3], [32768, 1000], [32768, 32767], [32768, 32768], [4096, 4095]);
  for (const [maxP, p] of pairs) {
    let expectedStart = 0;
    for (let op = 0; op < p; op++) {
      const range = computeKeyGroupRangeForOperatorIndex(maxP, p, op);
      if (range.startKeyGroup !== expectedStart) {
        t.fail(`maxP=${maxP} p=${p} op=${op}: start ${range.startKeyGroup} != ${expectedStart}`);
        return;
      }
      t.true(range.numberOfKeyGroups >= 1, `non-empty range maxP=${maxP} p=${p} op=${op}`);
      // sizes differ by at most one: floor(maxP/p) or ceil(maxP/p)
      t.true(range.numberOfKeyGroups === Math.floor(maxP / p) || range.numberOfKeyGroups === Math.ceil(maxP / p));
      for (let kg = range.startKeyGroup; kg <= range.endKeyGroup; kg++) {
        const owner = computeOperatorIndexForKeyGroup(maxP, p, kg);
        if (owner !== op) {
          t.fail(`maxP=${maxP} p=${p}: key group ${kg} is in op ${op}'s range but maps to ${owner}`);
          return;
        }
      }
      expectedStart = range.endKeyGroup + 1;
    }
    t.is(expectedStart, maxP, `ranges cover [0, ${maxP}) for p=${p}`);
  }
});

test('computeOperatorIndexForKeyGroup = floor(kg * p / maxP)', (t) => {
  t.is(computeOperatorIndexForKeyGroup(128, 3, 0), 0);
  t.is(computeOperatorIndexForKeyGroup(128, 3, 42), 0);
  t.is(computeOperatorIndexForKeyGroup(128, 3, 43), 1);
  t.is(computeOperatorIndexForKeyGroup(128, 3, 127), 2);
  t.is(computeOperatorIndexForKeyGroup(32768, 32768, 32767), 32767);
  t.is(computeOperatorIndexForKeyGroup(32768, 32767, 32767), 32766);
});

// ---- KeyGroupRange ----

test('KeyGroupRange helpers', (t) => {
  const r = new KeyGroupRange(3, 7);
  t.is(r.numberOfKeyGroups, 5);
  t.true(r.contains(3));
  t.true(r.contains(7));
  t.false(r.contains(2));
  t.false(r.contains(8));
  t.deepEqual([...r], [3, 4, 5, 6, 7]);
  t.is(r.getKeyGroupId(2), 5);
  t.true(r.intersection(KeyGroupRange.of(6, 20)).equals(KeyGroupRange.of(6, 7)));
  t.is(r.intersection(KeyGroupRange.of(8, 9)), KeyGroupRange.EMPTY);
  t.is(KeyGroupRange.EMPTY.numberOfKeyGroups, 0);
  t.deepEqual([...KeyGroupRange.EMPTY], []);
  t.false(KeyGroupRange.EMPTY.contains(0));
  t.is(String(r), 'KeyGroupRange{startKeyGroup=3, endKeyGroup=7}');
  t.throws(() => new KeyGroupRange(-1, 3), { instanceOf: ConfigurationError });
  t.throws(() => new KeyGroupRange(5, 4), { instanceOf: ConfigurationError });
  t.throws(() => new KeyGroupRange(1.5, 4), { instanceOf: ConfigurationError });
});

// ---- default max parallelism ----

test('computeDefaultMaxParallelism', (t) => {
  t.is(computeDefaultMaxParallelism(1), 128);
  t.is(computeDefaultMaxParallelism(85), 128); // 85 + 42 = 127 -> 128
  t.is(computeDefaultMaxParallelism(86), 256); // 86 + 43 = 129 -> 256
  t.is(computeDefaultMaxParallelism(100), 256); // 150 -> 256
  t.is(computeDefaultMaxParallelism(1000), 2048); // 1500 -> 2048
  t.is(computeDefaultMaxParallelism(30000), 32768); // 45000 -> 65536, capped
  t.is(computeDefaultMaxParallelism(32768), 32768);
  t.throws(() => computeDefaultMaxParallelism(0), { instanceOf: ConfigurationError });
  t.throws(() => computeDefaultMaxParallelism(32769), { instanceOf: ConfigurationError });
});

// ---- validation ----

test('parallelism validation throws ConfigurationError naming the values', (t) => {
  t.notThrows(() => checkParallelismPreconditions(1));
  t.notThrows(() => checkParallelismPreconditions(32768));
  for (const bad of [0, -1, 32769, 1.5, NaN, Infinity]) {
    const err = t.throws(() => checkParallelismPreconditions(bad), { instanceOf: ConfigurationError });
    t.is(err?.code, 'WEIR_ERR_CONFIG');
    t.true(err?.message.includes(String(bad)));
  }
  t.notThrows(() => checkMaxParallelismPreconditions(128, 128));
  t.notThrows(() => checkMaxParallelismPreconditions(32768, 1));
  t.throws(() => checkMaxParallelismPreconditions(0, 1), { instanceOf: ConfigurationError, message: /max parallelism.*: 0/ });
  t.throws(() => checkMaxParallelismPreconditions(32769, 1), { instanceOf: ConfigurationError, message: /32769/ });
  t.throws(() => checkMaxParallelismPreconditions(128, 0), { instanceOf: ConfigurationError, message: /: 0/ });
  const err = t.throws(() => checkMaxParallelismPreconditions(16, 17), { instanceOf: ConfigurationError });
  t.regex(err?.message ?? '', /17/);
  t.regex(err?.message ?? '', /16/);

  t.throws(() => computeKeyGroupRangeForOperatorIndex(16, 17, 0), { instanceOf: ConfigurationError });
  t.throws(() => computeKeyGroupRangeForOperatorIndex(0, 1, 0), { instanceOf: ConfigurationError });
  t.throws(() => computeKeyGroupRangeForOperatorIndex(128, 4, 4), { instanceOf: ConfigurationError, message: /operator index 4/ });
  t.throws(() => computeKeyGroupRangeForOperatorIndex(128, 4, -1), { instanceOf: ConfigurationError });
});
