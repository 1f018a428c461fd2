import test from 'ava';
import { SnapshotFormatError } from '../../lib/errors.js';
import { keyToMapKey } from '../../lib/state/key-hash.js';
import { decodeKey, encodeKey, latin1Bytes, latin1String, prefixEnd, rowKeyGroup, rowPrefix, rowStateId, skipKey, splitKeys } from '../../lib/state/level/key-codec.js';
import { appendList, decodeList, encodeList, encodeListElement } from '../../lib/state/level/value-codec.js';
import { KEYS, rng } from './level-model.js';

const samples = [
  ...KEYS.map(keyToMapKey),
  'x'.repeat(200), // a 2-byte length
  '\u00ff\u0080', // latin1, above ASCII
  'a\ud83d\ude00b', // surrogate pair
  0, 1, -1, 2147483647, -2147483648, 2147483648, -2147483649, Number.MAX_SAFE_INTEGER, Infinity, -Infinity, 1e-300,
  0n, -1n, 2n ** 63n - 1n, -(2n ** 63n),
];

test('keys round-trip and are self-delimiting', (t) => {
  for (const k of samples) {
    const enc = encodeKey(k);
    t.is(skipKey(enc + 'tail', 0), enc.length, `length of ${String(k)}`);
    const back = decodeKey(enc, 0);
    if (typeof k === 'number' && Number.isNaN(k)) t.true(Number.isNaN(back as number));
    else t.is(back, k);
    for (let i = 0; i < enc.length; i++) t.true(enc.charCodeAt(i) <= 0xff, 'latin1 only');
  }
});

test('distinct keys encode distinctly, and equal keys equally', (t) => {
  const seen = new Map<string, unknown>();
  for (const k of samples) {
    const enc = encodeKey(k);
    const prev = seen.get(enc);
    if (prev !== undefined) t.true(Object.is(prev, k) || (Number.isNaN(prev) && Number.isNaN(k)), `collision of ${String(prev)} and ${String(k)}`);
    seen.set(enc, k);
  }
  t.not(encodeKey(1), encodeKey('1'));
  t.not(encodeKey(1), encodeKey(1n));
  t.not(encodeKey(true), encodeKey(1));
  t.is(encodeKey(Number.NaN), encodeKey(0 / 0));
});

test('a concatenation of keys splits back', (t) => {
  const r = rng(7);
  const picked = Array.from({ length: 50 }, () => samples[Math.floor(r() * samples.length)]!);
  const encs = picked.map(encodeKey);
  t.deepEqual(splitKeys(encs.join('')), encs);
});

test('row prefixes order by state id then key group, and prefixEnd bounds them', (t) => {
  const p = rowPrefix(3, 300);
  t.is(rowStateId(p), 3);
  t.is(rowKeyGroup(p), 300);
  t.true(Buffer.compare(latin1Bytes(rowPrefix(3, 299)), latin1Bytes(p)) < 0);
  t.true(Buffer.compare(latin1Bytes(p), latin1Bytes(rowPrefix(4, 0))) < 0);
  t.true(Buffer.compare(latin1Bytes(p + encodeKey('zzz')), latin1Bytes(prefixEnd(p))) < 0);
  // A prefix ending in 0xFF: the bound drops it and increments the byte before.
  const end = latin1Bytes(prefixEnd(rowPrefix(3, 255)));
  t.true(Buffer.compare(latin1Bytes(rowPrefix(3, 255) + '\u00ff\u00ff'), end) < 0);
  t.true(Buffer.compare(end, latin1Bytes(rowPrefix(3, 256))) <= 0);
  t.is(latin1String(latin1Bytes(p + '\u00ff')), p + '\u00ff');
});

test('malformed keys throw SnapshotFormatError', (t) => {
  t.throws(() => skipKey('\u0009', 0), { instanceOf: SnapshotFormatError });
  t.throws(() => skipKey('\u0003\u0001', 0), { instanceOf: SnapshotFormatError, code: 'WEIR_ERR_SNAPSHOT_FORMAT' });
  t.throws(() => splitKeys(encodeKey('abc').slice(0, 3)), { instanceOf: SnapshotFormatError });
});

test('list rows frame elements so they append without decoding', (t) => {
  const values = [1, 'two', { three: [3] }, null, 'x'.repeat(300), new Map([[1, 2]])];
  const whole = encodeList(values);
  let appended: Uint8Array | undefined;
  for (const v of values) appended = appendList(appended, encodeListElement(v));
  t.deepEqual(Buffer.from(appended!), Buffer.from(whole));
  t.deepEqual(decodeList(whole), values);
  t.throws(() => decodeList(whole.subarray(0, whole.byteLength - 1)), { instanceOf: SnapshotFormatError });
});
