/**
 * The SinkOperator's part of the sink contract, with sinks that log every call: when writers
 * flush and prepare, when committers commit and abort, what goes into operator state.
 */
import test from 'ava';
import {
  END_OF_INPUT_CHECKPOINT_ID,
  type Committer,
  type CommitterAbortContext,
  type PrecommittingSinkWriter,
  type Sink,
  type SinkWriter,
  type SinkWriterContext,
  type TwoPhaseCommittingSink,
} from '../../connectors/sink.js';
import { SINK_WRITER_STATE } from '../../lib/operators/sink-operator.js';
import { SinkSubtask } from './sink-harness.js';

/** A two-phase-commit sink whose "transactions" are lists of records; logs every call. */
class LoggingSink implements TwoPhaseCommittingSink<number, { cp: number; records: number[] }> {
  readonly log: string[] = [];
  /** Committed transactions, in commit order (a commit of one already committed is a no-op: idempotent). */
  readonly committed: { cp: number; records: number[] }[] = [];
  restoredState: readonly unknown[] | undefined = undefined;

  createWriter(ctx: SinkWriterContext): PrecommittingSinkWriter<number, { cp: number; records: number[] }> {
    this.restoredState = ctx.restoredState;
    const log = this.log;
    let open: number[] = [];
    let written = 0;
    return {
      write(v) {
        open.push(v);
        written++;
      },
      flush(end) {
        log.push(`flush(${end})`);
      },
      prepareCommit(cp) {
        log.push(`prepare(${cp === END_OF_INPUT_CHECKPOINT_ID ? 'EOI' : cp})`);
        const out = open.length === 0 ? [] : [{ cp, records: open }];
        open = [];
        return out;
      },
      snapshotState(cp) {
        log.push(`writer-state(${cp})`);
        return [{ written }];
      },
      close() {
        log.push('writer-close');
      },
    };
  }

  createCommitter(): Committer<{ cp: number; records: number[] }> {
    const { log, committed } = this;
    return {
      commit(cs) {
        log.push(`commit(${cs.map((c) => (c.cp === END_OF_INPUT_CHECKPOINT_ID ? 'EOI' : c.cp)).join(',')})`);
        for (const c of cs) if (!committed.some((d) => d.cp === c.cp && d.records.join() === c.records.join())) committed.push(c);
        return Promise.resolve();
      },
      abort(ctx: CommitterAbortContext) {
        log.push(`abort(${String(ctx.restoredCheckpointId)})`);
        return Promise.resolve();
      },
      close() {
        log.push('committer-close');
      },
    };
  }
}

test('two-phase commit: prepare at each barrier, commit ≤ id on completion, none on close', async (t) => {
  const sink = new LoggingSink();
  const s = await SinkSubtask.start(sink);
  t.deepEqual(sink.log, ['abort(undefined)'], 'a fresh start aborts what an earlier run left');
  await s.write(1, 2);
  await s.snapshot(1);
  await s.write(3);
  const cp2 = await s.snapshot(2);
  t.deepEqual(sink.log.splice(0), ['abort(undefined)', 'flush(false)', 'prepare(1)', 'writer-state(1)', 'flush(false)', 'prepare(2)', 'writer-state(2)']);
  t.deepEqual(cp2.list[SINK_WRITER_STATE.name], [{ written: 3 }]);
  await s.complete(2); // a late notification covers the earlier checkpoint too
  t.deepEqual(sink.log.splice(0), ['commit(1,2)']);
  await s.complete(2);
  t.deepEqual(sink.log.splice(0), [], 'nothing pending: no commit call');
  await s.write(4);
  await s.snapshot(3);
  await s.close(); // failure: checkpoint 3 never completes
  t.deepEqual(sink.log.splice(0), ['flush(false)', 'prepare(3)', 'writer-state(3)', 'writer-close', 'committer-close']);
  t.deepEqual(sink.committed.map((c) => c.records), [[1, 2], [3]]);
});

test('restore: committables of the checkpoint are committed before abort, then the writer gets its state', async (t) => {
  const sink = new LoggingSink();
  const s = await SinkSubtask.start(sink);
  await s.write(1);
  await s.snapshot(1);
  await s.write(2);
  const cp2 = await s.snapshot(2);
  await s.close();
  sink.log.length = 0;
  const r = await SinkSubtask.start(sink, { restore: { snapshot: cp2, checkpointId: 2 } });
  t.deepEqual(sink.log.splice(0), ['commit(1,2)', 'abort(2)']);
  t.deepEqual(sink.restoredState, [{ written: 2 }]);
  const cp3 = await r.snapshot(3);
  t.deepEqual(cp3.list['weir.sink.committables'], [], 'restored committables are not kept after their commit');
  await r.close();
});

test('end of input: without checkpointing prepare and commit at once; with it, only the final checkpoint commits', async (t) => {
  const batch = new LoggingSink();
  const b = await SinkSubtask.start(batch, { checkpointing: false });
  await b.write(1, 2);
  await b.endInput();
  await b.close();
  t.deepEqual(batch.log, ['abort(undefined)', 'flush(true)', 'prepare(EOI)', 'commit(EOI)', 'writer-close', 'committer-close']);

  const streaming = new LoggingSink();
  const s = await SinkSubtask.start(streaming, { checkpointing: true });
  await s.write(1, 2);
  await s.endInput();
  t.deepEqual(streaming.log.splice(0), ['abort(undefined)', 'flush(true)']);
  await s.snapshot(7);
  await s.complete(7);
  await s.close();
  t.deepEqual(streaming.log, ['prepare(7)', 'writer-state(7)', 'commit(7)', 'writer-close', 'committer-close'], 'no second flush after end of input');
});

test('a plain (at-least-once) sink is flushed at each barrier and keeps working as before', async (t) => {
  const log: string[] = [];
  const records: number[] = [];
  const sink: Sink<number> = {
    createWriter: (): SinkWriter<number> => ({
      write: (v) => void records.push(v),
      flush: (end) => void log.push(`flush(${end})`),
      close: () => void log.push('close'),
    }),
  };
  const s = await SinkSubtask.start(sink);
  await s.write(1, 2);
  const cp1 = await s.snapshot(1);
  await s.complete(1);
  await s.endInput();
  await s.close();
  t.deepEqual(records, [1, 2]);
  t.deepEqual(log, ['flush(false)', 'flush(true)', 'close']);
  t.deepEqual(cp1.list[SINK_WRITER_STATE.name], []);
});
