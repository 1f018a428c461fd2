/**
 * Storage locations (lib/checkpoint/storage-location.ts): paths keep `node:path` semantics, and
 * `jetstream://` URIs are joined, made relative and compared by key, never through `node:path`
 * (which would collapse the `//`).
 */
import test from 'ava';
import { join, relative, resolve } from 'node:path';
import { ConfigurationError } from '../../lib/errors.js';
import {
  absoluteLocation,
  baseNameOf,
  isAbsoluteLocation,
  isWithinLocation,
  parentLocation,
  parseStorageLocation,
  relativeLocation,
  resolveLocation,
  resolveReference,
} from '../../lib/checkpoint/storage-location.js';

test('paths resolve, relate and contain as node:path does', (t) => {
  t.is(resolveLocation('chk', 'job-1', 'chk-3'), resolve('chk', 'job-1', 'chk-3'));
  t.is(resolveLocation('/data/chk'), '/data/chk');
  t.is(resolveLocation('file:///data/chk', 'job-1'), '/data/chk/job-1');
  t.is(relativeLocation('/data/chk/job/chk-3', '/data/chk/job/shared/op/1-3.part'), relative('/data/chk/job/chk-3', '/data/chk/job/shared/op/1-3.part'));
  t.is(resolveReference('/data/chk/job/chk-3', '../shared/op/1-3.part'), join('/data/chk/job/chk-3', '../shared/op/1-3.part'));
  t.true(isWithinLocation('/data/chk/job', '/data/chk/job/chk-3/_metadata'));
  t.false(isWithinLocation('/data/chk/job', '/data/chk/other/chk-3'));
  t.is(parentLocation('/data/chk/job/chk-3/_metadata'), '/data/chk/job/chk-3');
  t.is(absoluteLocation('savepoints'), resolve('savepoints'));
});

test('jetstream:// locations join by key, keep the scheme and normalize . and ..', (t) => {
  t.deepEqual(parseStorageLocation('jetstream://weir-chk/prod/'), { kind: 'jetstream', bucket: 'weir-chk', key: 'prod' });
  t.deepEqual(parseStorageLocation('jetstream://weir-chk'), { kind: 'jetstream', bucket: 'weir-chk', key: '' });
  t.is(resolveLocation('jetstream://b', 'job-1', 'chk-3'), 'jetstream://b/job-1/chk-3');
  t.is(resolveLocation('jetstream://b/p/', 'job-1'), 'jetstream://b/p/job-1');
  t.is(resolveLocation('jetstream://b/p/job/chk-3', '../shared/op/1-3.part'), 'jetstream://b/p/job/shared/op/1-3.part');
  t.is(relativeLocation('jetstream://b/p/job/chk-3', 'jetstream://b/p/job/shared/op/1-3.part'), '../shared/op/1-3.part');
  t.is(relativeLocation('jetstream://b/p/job/chk-3', 'jetstream://b/p/job/chk-3/op/1.part'), 'op/1.part');
  t.is(resolveReference('jetstream://b/job/chk-3', 'op/1.part'), 'jetstream://b/job/chk-3/op/1.part');
  t.is(parentLocation('jetstream://b/job/chk-3/_metadata'), 'jetstream://b/job/chk-3');
  t.is(parentLocation('jetstream://b/job'), 'jetstream://b');
  t.is(baseNameOf('jetstream://b/job/chk-3'), 'chk-3');
  t.true(isAbsoluteLocation('jetstream://b/x'));
  t.is(absoluteLocation('jetstream://b/x'), 'jetstream://b/x');
});

test('a part in another storage, or another bucket, stays absolute in _metadata', (t) => {
  t.is(relativeLocation('jetstream://b/job/chk-3', '/data/chk/old/shared/op/1-1.part'), '/data/chk/old/shared/op/1-1.part');
  t.is(relativeLocation('/data/chk/job/chk-3', 'jetstream://b/old/1.part'), 'jetstream://b/old/1.part');
  t.is(relativeLocation('jetstream://a/job/chk-3', 'jetstream://b/job/1.part'), 'jetstream://b/job/1.part');
  t.is(resolveReference('jetstream://b/job/chk-3', '/data/x.part'), '/data/x.part');
});

test('ownership of objects: same bucket, under the key prefix', (t) => {
  t.true(isWithinLocation('jetstream://b/p/job-1', 'jetstream://b/p/job-1/chk-3/_metadata'));
  t.false(isWithinLocation('jetstream://b/p/job-1', 'jetstream://b/p/job-10/chk-3/_metadata'));
  t.false(isWithinLocation('jetstream://b/p/job-1', 'jetstream://c/p/job-1/chk-3'));
  t.true(isWithinLocation('jetstream://b', 'jetstream://b/anything'));
  t.false(isWithinLocation('/data/job-1', 'jetstream://b/job-1/x'));
});

test('bad locations are configuration errors naming them', (t) => {
  t.throws(() => parseStorageLocation('s3://bucket/x'), { instanceOf: ConfigurationError, message: /unsupported checkpoint storage 's3:\/\/bucket\/x'/ });
  t.throws(() => parseStorageLocation('jetstream://bad.bucket/x'), { instanceOf: ConfigurationError, message: /invalid JetStream object store bucket 'bad.bucket'/ });
  t.throws(() => resolveLocation('jetstream://b/p', '../../x'), { instanceOf: ConfigurationError, message: /climbs above its bucket/ });
  t.throws(() => parseStorageLocation('jetstream://b/with space'), { instanceOf: ConfigurationError });
  t.throws(() => parseStorageLocation(''), { instanceOf: ConfigurationError });
});
