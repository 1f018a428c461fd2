/**
 * State descriptors name a piece of keyed state and its kind, as Flink's `StateDescriptor`s. The
 * name is unique per operator; the same descriptor asked twice returns the same state.
 *
 * @see org.apache.flink.api.common.state.ValueStateDescriptor and siblings.
 */
import type { ReduceFunction } from '../api/functions.js';
import type { AggregateFunction } from '../window/window-functions.js';
import { ConfigurationError } from '../errors.js';
import { StateTtlConfig } from './state-ttl-config.js';

/** The kinds of keyed state. */
export type StateKind = 'value' | 'list' | 'map' | 'reducing' | 'aggregating';

export abstract class StateDescriptor<T> {
  abstract readonly kind: StateKind;
  declare readonly __type?: T;
  private ttl: StateTtlConfig | undefined = undefined;

  /** @param name non-empty, unique within the operator. */
  constructor(readonly name: string) {
    if (!name) throw new ConfigurationError('state descriptor name must be non-empty');
  }

  /**
   * Gives the state a time-to-live (Flink's `StateDescriptor.enableTimeToLive`): entries not
   * written (or, with `OnReadAndWrite`, read) for `config.ttl` ms of processing time expire. Call
   * it before the state is first asked for; the state's TTL setting must stay the same across
   * restores (enabling or disabling TTL on a restored state fails with `RestoreError`).
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `config` is not a {@link StateTtlConfig}.
   */
  enableTimeToLive(config: StateTtlConfig): void {
    if (!(config instanceof StateTtlConfig)) throw new ConfigurationError(`state '${this.name}': enableTimeToLive needs a StateTtlConfig (use StateTtlConfig.newBuilder(ttlMs).build())`);
    this.ttl = config;
  }

  /** The TTL configuration, or `undefined` when the state does not expire (Flink `getTtlConfig`). */
  get ttlConfig(): StateTtlConfig | undefined {
    return this.ttl;
  }
}

/**
 * A single value per key. `defaultValue` is what `value()` returns when nothing is stored
 * (Flink deprecated it; `null` is the default, as in Flink).
 */
export class ValueStateDescriptor<T> extends StateDescriptor<T> {
  readonly kind = 'value' as const;
  constructor(name: string, readonly defaultValue: T | null = null) {
    super(name);
  }
}

/** A list of values per key. */
export class ListStateDescriptor<T> extends StateDescriptor<T> {
  readonly kind = 'list' as const;
}

/** A map per key; map keys follow the same rules as stream keys (primitives or arrays of them). */
export class MapStateDescriptor<K, V> extends StateDescriptor<[K, V]> {
  readonly kind = 'map' as const;
}

/** A value per key that `add` folds with a reduce function. */
export class ReducingStateDescriptor<T> extends StateDescriptor<T> {
  readonly kind = 'reducing' as const;
  constructor(name: string, readonly reduceFunction: ReduceFunction<T>) {
    super(name);
  }
}

/**
 * A value per key that `add` folds with an {@link AggregateFunction} (accumulator `ACC`, result
 * `OUT` from `getResult`), as Flink's `AggregatingStateDescriptor`. The function must be synchronous.
 */
export class AggregatingStateDescriptor<IN, ACC, OUT> extends StateDescriptor<ACC> {
  readonly kind = 'aggregating' as const;
  declare readonly __in?: IN;
  declare readonly __out?: OUT;
  constructor(name: string, readonly aggregateFunction: AggregateFunction<IN, ACC, OUT>) {
    super(name);
  }
}
