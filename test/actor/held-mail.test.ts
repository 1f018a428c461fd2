/**
 * Mail held for actors not deployed yet (ActorSystem.holdMailFor, what a task slot does for its
 * subtasks): delivered in order once the actor is spawned; dead letters beyond MAX_HELD_ENVELOPES
 * held at once (forged frames must not grow memory without bound); held mail of an actor that is
 * never spawned becomes dead letters after the hold time.
 */
import test from 'ava';
import { Actor, ActorSystem } from '../../lib/index.js';
import { MAX_HELD_ENVELOPES } from '../../lib/actor/actor-system.js';
import { InProcessNetwork } from '../../lib/transport/in-process-transport.js';
import { waitFor } from '../helpers/wait-for.js';

class Collector extends Actor<number> {
  constructor(private readonly got: number[]) {
    super();
  }
  receive(n: number): void {
    this.got.push(n);
  }
}

function pair(holdMs: number): { a: ActorSystem; b: ActorSystem; deadLetters: string[] } {
  const network = new InProcessNetwork();
  const a = new ActorSystem({ address: 'a' });
  const b = new ActorSystem({ address: 'b' });
  a.attachTransport(network.connect('a'), '*');
  b.attachTransport(network.connect('b'), '*');
  b.holdMailFor('tasks/', holdMs);
  const deadLetters: string[] = [];
  b.events.subscribe((e) => {
    if (e.type === 'dead-letter') deadLetters.push(e.reason);
  });
  return { a, b, deadLetters };
}

test('held mail is delivered in order on spawn; beyond the bound it is dead letters', async (t) => {
  const { a, b, deadLetters } = pair(60_000);
  const extra = 10;
  for (let i = 0; i < MAX_HELD_ENVELOPES + extra; i++) a.tellSystem({ address: 'b', id: 'tasks/x' }, i);
  await waitFor('the dead letters beyond the bound', () => Promise.resolve(deadLetters.length >= extra ? true : undefined));
  const got: number[] = [];
  b.spawn({ create: () => new Collector(got) }, 'tasks/x');
  await waitFor('the held mail', () => Promise.resolve(got.length >= MAX_HELD_ENVELOPES ? true : undefined));
  t.is(got.length, MAX_HELD_ENVELOPES);
  t.true(got.every((n, i) => n === i), 'in order, the first ones');
  t.is(deadLetters.length, extra);
  t.regex(deadLetters[0]!, /envelopes are already held/);
  // Room again: mail for another actor not deployed yet is held.
  a.tellSystem({ address: 'b', id: 'tasks/y' }, 7);
  const gotY: number[] = [];
  await new Promise((r) => setTimeout(r, 20));
  b.spawn({ create: () => new Collector(gotY) }, 'tasks/y');
  await waitFor('the mail for tasks/y', () => Promise.resolve(gotY.length === 1 ? true : undefined));
  t.deepEqual(gotY, [7]);
  await a.terminate();
  await b.terminate();
});

test('mail held for an actor that never comes is dead letters after the hold time', async (t) => {
  const { a, b, deadLetters } = pair(100);
  a.tellSystem({ address: 'b', id: 'tasks/never' }, 1);
  a.tellSystem({ address: 'b', id: 'tasks/never' }, 2);
  await waitFor('expiry', () => Promise.resolve(deadLetters.length === 2 ? true : undefined));
  t.true(deadLetters.every((r) => /mail held 100 ms/.test(r)));
  await a.terminate();
  await b.terminate();
});
