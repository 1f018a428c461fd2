import test from 'ava';
import { ConfigurationError, StreamExecutionEnvironment } from '../../lib/index.js';
import type { JobGraph } from '../../lib/graph/job-graph.js';
import { RecordingSink } from '../helpers/recording-sink.js';

/** Vertex names and parallelisms, in graph order. */
const shape = (g: JobGraph) => g.vertices.map((v) => [v.name, v.parallelism]);

/** The network (non-chained) edges of a graph as `from -> to : kind`. */
const networkEdges = (g: JobGraph) => g.vertices.flatMap((v) => v.inputs.map((e) => `${e.from.name} -> ${e.to.name} : ${e.partition.kind}`));

const numbers = Array.from({ length: 100 }, (_, i) => i);

test('source → map → filter → sink at equal parallelism is one vertex named after its chain, and runs', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  const sink = new RecordingSink<number>();
  env
    .fromCollection(numbers, 'Numbers')
    .map((x) => x * 2)
    .filter((x) => x % 3 === 0)
    .sinkTo(sink, 'Out');
  const g = env.getJobGraph();
  t.deepEqual(shape(g), [['Source: Numbers -> Map -> Filter -> Sink: Out', 1]]);
  t.is(g.vertices[0]!.nodes.length, 4);
  t.true(g.vertices[0]!.isSource);
  t.deepEqual(g.vertices[0]!.inputs, []);
  t.deepEqual(g.vertices[0]!.outputs, []);
  t.true(g.nodes.flatMap((n) => n.outEdges).every((e) => e.chained && e.partition.kind === 'forward'));

  const result = await env.execute();
  const expected: number[] = [];
  for (const x of numbers) if ((x * 2) % 3 === 0) expected.push(x * 2);
  t.deepEqual(sink.records, expected, 'one subtask: order kept');
  t.is(sink.writers.length, 1, 'one sink writer: one subtask of the single vertex');
  t.deepEqual(
    result.operators.map((o) => o.name),
    ['Source: Numbers', 'Map', 'Filter', 'Sink: Out'],
  );
});

test('a parallel chain: one vertex with one subtask per parallel instance', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 3 });
  const sink = new RecordingSink<number>();
  env
    .fromSequence(1, 300)
    .map((x) => x + 1)
    .sinkTo(sink, 'Out');
  t.deepEqual(shape(env.getJobGraph()), [['Source: Sequence Source -> Map -> Sink: Out', 3]]);
  await env.execute();
  t.is(sink.writers.length, 3);
  t.deepEqual(
    sink.writers.map((w) => w.subtaskIndex).sort(),
    [0, 1, 2],
  );
  t.deepEqual(
    [...sink.records].sort((a, b) => a - b),
    Array.from({ length: 300 }, (_, i) => i + 2),
  );
});

test('keyBy breaks the chain with a hash edge; the keyed operator chains to its sink', (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env
    .fromSequence(0, 9)
    .map((x) => x)
    .keyBy((x) => x % 3)
    .reduce((a, b) => a + b)
    .sinkTo(new RecordingSink<number>(), 'Out');
  const g = env.getJobGraph();
  t.deepEqual(shape(g), [
    ['Source: Sequence Source -> Map', 2],
    ['Keyed Reduce -> Sink: Out', 2],
  ]);
  t.deepEqual(networkEdges(g), ['Map -> Keyed Reduce : hash']);
});

test('a change of parallelism breaks the chain and defaults to rebalance', (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env
    .fromCollection(numbers) // non-parallel source: parallelism 1
    .map((x) => x)
    .filter(() => true)
    .setParallelism(3)
    .sinkTo(new RecordingSink<number>(), 'Out');
  const g = env.getJobGraph();
  t.deepEqual(shape(g), [
    ['Source: Collection Source', 1],
    ['Map', 2],
    ['Filter', 3],
    ['Sink: Out', 2],
  ]);
  t.deepEqual(networkEdges(g), ['Source: Collection Source -> Map : rebalance', 'Map -> Filter : rebalance', 'Filter -> Sink: Out : rebalance']);
});

test('disableOperatorChaining: every operator is its own vertex (forward edges stay forward)', (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 1 });
  env.disableOperatorChaining();
  env
    .fromCollection(numbers, 'Numbers')
    .map((x) => x)
    .filter(() => true)
    .sinkTo(new RecordingSink<number>(), 'Out');
  const g = env.getJobGraph();
  t.deepEqual(shape(g), [
    ['Source: Numbers', 1],
    ['Map', 1],
    ['Filter', 1],
    ['Sink: Out', 1],
  ]);
  t.deepEqual(networkEdges(g), ['Source: Numbers -> Map : forward', 'Map -> Filter : forward', 'Filter -> Sink: Out : forward']);
});

test('startNewChain: the operator heads a new chain that its successors join', (t) => {
  const env = StreamExecutionEnvironment.create();
  env
    .fromCollection(numbers, 'Numbers')
    .map((x) => x)
    .filter(() => true)
    .startNewChain()
    .map((x) => x)
    .sinkTo(new RecordingSink<number>(), 'Out');
  t.deepEqual(shape(env.getJobGraph()), [
    ['Source: Numbers -> Map', 1],
    ['Filter -> Map -> Sink: Out', 1],
  ]);
});

test('disableChaining: the operator chains to neither its input nor its successors', (t) => {
  const env = StreamExecutionEnvironment.create();
  env
    .fromCollection(numbers, 'Numbers')
    .map((x) => x)
    .disableChaining()
    .filter(() => true)
    .sinkTo(new RecordingSink<number>(), 'Out');
  t.deepEqual(shape(env.getJobGraph()), [
    ['Source: Numbers', 1],
    ['Map', 1],
    ['Filter -> Sink: Out', 1],
  ]);
});

test('names set with name() appear in the chain name', (t) => {
  const env = StreamExecutionEnvironment.create();
  env
    .fromCollection(numbers, 'Numbers')
    .map((x) => x)
    .name('Parse')
    .filter(() => true)
    .name('Valid only')
    .sinkTo(new RecordingSink<number>(), 'Out');
  t.deepEqual(shape(env.getJobGraph()), [['Source: Numbers -> Parse -> Valid only -> Sink: Out', 1]]);
});

test('forward between different parallelisms throws ConfigurationError at compile time', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  env
    .fromSequence(0, 9)
    .map((x) => x)
    .forward()
    .map((x) => x)
    .setParallelism(3)
    .sinkTo(new RecordingSink<number>());
  const err = t.throws(() => env.getJobGraph(), { instanceOf: ConfigurationError });
  t.is(err?.code, 'WEIR_ERR_CONFIG');
  t.regex(err?.message ?? '', /forward/);
  await t.throwsAsync(env.execute(), { instanceOf: ConfigurationError });
});

test('explicit partitionings between equal parallelisms break the chain with that kind', (t) => {
  for (const kind of ['rebalance', 'rescale', 'shuffle', 'broadcast', 'global'] as const) {
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    env.fromSequence(0, 9)[kind]().map((x) => x).sinkTo(new RecordingSink<number>(), 'Out');
    const g = env.getJobGraph();
    t.deepEqual(shape(g), [
      ['Source: Sequence Source', 2],
      ['Map -> Sink: Out', 2],
    ], kind);
    t.deepEqual(networkEdges(g), [`Source: Sequence Source -> Map : ${kind}`]);
  }
});

test('union gives the next operator a vertex with two network inputs; the job merges both streams', async (t) => {
  const env = StreamExecutionEnvironment.create({ parallelism: 2 });
  const sink = new RecordingSink<number>();
  const a = env.fromCollection([1, 2, 3], 'A');
  const b = env.fromSequence(100, 104);
  a.union(b)
    .map((x) => x * 10)
    .sinkTo(sink, 'Out');
  const g = env.getJobGraph();
  const mapVertex = g.vertices.find((v) => v.name === 'Map -> Sink: Out');
  t.truthy(mapVertex);
  t.is(mapVertex!.inputs.length, 2);
  t.deepEqual(mapVertex!.inputs.map((e) => [e.from.name, e.partition.kind]), [
    ['Source: A', 'rebalance'],
    ['Source: Sequence Source', 'forward'],
  ]);
  t.is(g.vertices.length, 3);
  await env.execute();
  t.deepEqual(
    [...sink.records].sort((x, y) => x - y),
    [10, 20, 30, 1000, 1010, 1020, 1030, 1040],
  );
});

test('fan-out: two forward consumers of one operator both chain to it', (t) => {
  const env = StreamExecutionEnvironment.create();
  const main = env.fromCollection(numbers, 'Numbers').map((x) => x);
  main.sinkTo(new RecordingSink<number>(), 'A');
  main.filter(() => true).sinkTo(new RecordingSink<number>(), 'B');
  const g = env.getJobGraph();
  t.is(g.vertices.length, 1, 'fan-out of forward edges stays in one chain');
  t.deepEqual(g.vertices[0]!.nodes.map((n) => n.name).sort(), ['Filter', 'Map', 'Sink: A', 'Sink: B', 'Source: Numbers']);
});

test('a job without sinks cannot be compiled', (t) => {
  const env = StreamExecutionEnvironment.create();
  env.fromCollection(numbers).map((x) => x);
  t.throws(() => env.getJobGraph(), { instanceOf: ConfigurationError });
});

test('the same pipeline built twice gives the same graph (names, uids, edges)', (t) => {
  const build = () => {
    const env = StreamExecutionEnvironment.create({ parallelism: 2 });
    env
      .fromSequence(0, 9)
      .map((x) => x)
      .keyBy((x) => x % 2)
      .reduce((a, b) => a + b)
      .sinkTo(new RecordingSink<number>(), 'Out');
    const g = env.getJobGraph();
    return { shape: shape(g), uids: g.nodes.map((n) => n.uid), edges: networkEdges(g) };
  };
  t.deepEqual(build(), build());
});
