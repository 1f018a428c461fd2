import test from 'ava';
import { StreamExecutionEnvironment, type InspectionEvent } from '../../lib/index.js';

/** Runs a job and returns the sorted ids of the actors it started. */
async function startedActors(build: (env: StreamExecutionEnvironment) => void, parallelism: number): Promise<string[]> {
  const env = StreamExecutionEnvironment.create({ parallelism });
  build(env);
  const ids: string[] = [];
  await env.execute({ inspect: (e: InspectionEvent) => void (e.type === 'actor-started' && ids.push(e.ref.id)) });
  return ids.sort();
}

/** `<job>/r<region>/v<vertex>.<subtask>-<attempt>` ids, without the job prefix. */
function subtasks(ids: string[]): string[] {
  return ids.filter((id) => /\/v\d+\.\d+-\d+$/.test(id)).map((id) => id.split('/').slice(1).join('/'));
}

test('a forward chain (source → map → filter → sink) is one subtask actor per parallel instance', async (t) => {
  const ids = await startedActors((env) => {
    env.fromSequence(1, 1000).map((x) => x + 1).filter((x) => x % 2 === 0).sinkTo({ createWriter: () => ({ write() {}, flush() {}, close() {} }) });
  }, 3);
  // The job actor, its checkpoint coordinator, one failover region and, for the single chain
  // (vertex 1), three subtask actors (attempt 0).
  t.is(ids.length, 6);
  t.deepEqual(subtasks(ids), ['r0/v1.0-0', 'r0/v1.1-0', 'r0/v1.2-0']);
  t.is(ids.filter((id) => id.endsWith('/checkpoint-coordinator')).length, 1);
});

test('keyBy breaks the chain: two vertices, parallelism actors each', async (t) => {
  const ids = await startedActors((env) => {
    env.fromSequence(1, 1000).map((x) => x % 7).keyBy((x) => x).sum().sinkTo({ createWriter: () => ({ write() {}, flush() {}, close() {} }) });
  }, 2);
  t.deepEqual(subtasks(ids), ['r0/v1.0-0', 'r0/v1.1-0', 'r0/v2.0-0', 'r0/v2.1-0']);
});
