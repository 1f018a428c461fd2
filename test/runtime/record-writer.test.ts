/**
 * RecordWriter's in-band watermarks: a watermark travels inside the channel's next batch at its
 * place between the records (or alone when no record follows before the flush), a watermark with
 * no record since the previous one replaces it, and a receiver that replays the messages in order
 * sees exactly the sequence of records and watermarks the writer was given, per channel.
 */
import 'reflect-metadata';
import test from 'ava';
import { Actor } from '../../lib/actor/actor.js';
import { ActorSystem } from '../../lib/actor/actor-system.js';
import { RecordWriter } from '../../lib/runtime/record-writer.js';
import type { RecordBatch, Watermark } from '../../lib/runtime/messages.js';

class Recorder extends Actor<RecordBatch | Watermark> {
  constructor(private readonly got: (RecordBatch | Watermark)[]) {
    super();
  }
  receive(msg: RecordBatch | Watermark): void {
    this.got.push(msg);
  }
}

/** The per-channel event sequence a receiver reconstructs: `r:<value>` and `w:<watermark>`. */
function replay(msgs: readonly (RecordBatch | Watermark)[]): string[] {
  const out: string[] = [];
  for (const m of msgs) {
    if (m.t === 'wm') {
      out.push(`w:${m.ts}`);
      continue;
    }
    const wm = m.wm ?? [];
    let k = 0;
    for (let i = 0; i <= m.v.length; i++) {
      while (k < wm.length && wm[k] === i) {
        out.push(`w:${wm[k + 1]}`);
        k += 2;
      }
      if (i < m.v.length) out.push(`r:${String(m.v[i])}`);
    }
  }
  return out;
}

async function run(events: readonly (['r', number] | ['w', number] | ['flush'])[], channels: number, batchSize: number): Promise<{ sent: (RecordBatch | Watermark)[][]; expected: string[][] }> {
  const system = new ActorSystem();
  const sent: (RecordBatch | Watermark)[][] = Array.from({ length: channels }, () => []);
  const targets = sent.map((got, ch) => system.spawn({ create: () => new Recorder(got) }, `target-${ch}`));
  const writer = new RecordWriter(system, { address: system.address, id: 'writer' }, targets, targets.map((_, ch) => ch), { broadcast: false, select: (v) => (v as number) % channels }, () => {}, batchSize);
  // What each channel must see: its records, and every watermark, in the written order, except
  // a watermark followed by another with no record or flush between (the later one replaces it).
  const expected: string[][] = Array.from({ length: channels }, () => []);
  const replaceable: boolean[] = expected.map(() => false);
  for (const e of events) {
    if (e[0] === 'r') {
      writer.processElement(e[1], e[1]);
      expected[e[1] % channels]!.push(`r:${e[1]}`);
      replaceable[e[1] % channels] = false;
    } else if (e[0] === 'w') {
      writer.processWatermark(e[1]);
      expected.forEach((x, ch) => {
        if (replaceable[ch]) x.pop();
        x.push(`w:${e[1]}`);
        replaceable[ch] = true;
      });
    } else {
      writer.flush();
      replaceable.fill(false);
    }
  }
  writer.flush();
  await new Promise((r) => setTimeout(r, 20));
  await system.terminate();
  return { sent, expected };
}

test('per-event watermarks ride inside the batches: order kept per channel, far fewer messages', async (t) => {
  const events: (['r', number] | ['w', number] | ['flush'])[] = [];
  for (let i = 0; i < 1000; i++) {
    events.push(['r', i], ['w', i * 10]);
    if (i % 300 === 299) events.push(['flush']);
  }
  const { sent, expected } = await run(events, 4, 128);
  for (let ch = 0; ch < 4; ch++) t.deepEqual(replay(sent[ch]!), expected[ch]!, `channel ${ch}`);
  const messages = sent.reduce((n, s) => n + s.length, 0);
  t.true(messages <= 4 * (4 + Math.ceil(250 / 128) + 1), `${messages} messages for 1000 records and 1000 watermarks on 4 channels`);
});

test('a watermark with no record after it is sent alone at the flush, only the latest', async (t) => {
  const { sent } = await run([['r', 0], ['w', 5], ['w', 7], ['flush'], ['w', 9], ['w', 11]], 2, 1024);
  t.deepEqual(sent[0], [{ t: 'rb', ch: 0, v: [0], ts: [0], wm: [1, 7] }, { t: 'wm', ch: 0, ts: 11 }]);
  t.deepEqual(sent[1], [{ t: 'wm', ch: 1, ts: 7 }, { t: 'wm', ch: 1, ts: 11 }]);
});
