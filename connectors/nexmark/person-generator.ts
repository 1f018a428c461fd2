/**
 * Person events (nexmark's `PersonGenerator.nextPerson`): id = the person of this event id, a name
 * from nexmark's first and last names, a random e-mail address (`xxxxxx@xxxx.com`), a credit
 * card number (four groups of four digits), a city and a state drawn independently from nexmark's
 * lists, and `extra` padding to `avgPersonByteSize` on average.
 *
 * Size accounting as nexmark's: 8 bytes for the id plus the lengths of the five strings.
 *
 * @see com.github.nexmark.flink.generator.model.PersonGenerator
 */
import type { Person } from './events.js';
import { lastBase0PersonId, type GeneratorParams } from './generator-params.js';
import { FIRST_PERSON_ID } from './nexmark-config.js';
import type { EventRandom } from './nexmark-random.js';
import { FULL_NAMES, LAST_NAMES, nextExtra, nextString, US_CITIES, US_STATES } from './nexmark-strings.js';

const NUM_FIRST = FULL_NAMES.length / LAST_NAMES.length;
const NUM_LAST = LAST_NAMES.length;

/** The person of event id `id` with event time `timestamp` (epoch ms); `rng` is seeded for `id`. */
export function nextPerson(p: GeneratorParams, id: number, rng: EventRandom, timestamp: number): Person {
  const personId = lastBase0PersonId(p, id) + FIRST_PERSON_ID;
  const first = rng.nextInt(NUM_FIRST);
  const name = FULL_NAMES[first * NUM_LAST + rng.nextInt(NUM_LAST)]!;
  const emailAddress = `${nextString(rng, 7)}@${nextString(rng, 5)}.com`;
  const creditCard = `${digits4(rng)} ${digits4(rng)} ${digits4(rng)} ${digits4(rng)}`;
  const city = US_CITIES[rng.nextInt(US_CITIES.length)]!;
  const state = US_STATES[rng.nextInt(US_STATES.length)]!;
  const currentSize = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
  const extra = nextExtra(rng, currentSize, p.config.avgPersonByteSize);
  return { id: personId, name, emailAddress, creditCard, city, state, dateTime: timestamp, extra };
}

/** Four random decimal digits, zero-padded (nexmark: `String.format("%04d", random.nextInt(10000))`). */
function digits4(rng: EventRandom): string {
  const n = rng.nextInt(10000);
  return n >= 1000 ? String(n) : String(n).padStart(4, '0');
}
