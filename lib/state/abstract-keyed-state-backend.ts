/**
 * What every keyed-state backend shares: the typed state getters of Flink's `KeyedStateBackend`
 * (`getState`, `getListState`, …) all come down to one `getOrCreate(descriptor)` per backend, which
 * creates the state on first use (with TTL decorators when the descriptor has a TTL config) and
 * returns the same object afterwards.
 */
import { ConfigurationError } from '../errors.js';
import type { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ReducingStateDescriptor, StateDescriptor, ValueStateDescriptor } from './descriptors.js';
import type { AnyKeyedState } from './keyed-state-backend.js';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './keyed-state.js';

const KINDS = new Set(['value', 'list', 'map', 'reducing', 'aggregating']);

export abstract class AbstractKeyedStateBackend {
  /**
   * The state object of `d`, created on first use.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when the name is in use for another kind or TTL setting.
   * @throws RestoreError (`WEIR_ERR_RESTORE`) when restored state of that name has another kind or TTL setting.
   */
  protected abstract getOrCreate(d: StateDescriptor<unknown>): AnyKeyedState;

  /** @throws as {@link getOrCreate}. */
  getState<T>(d: ValueStateDescriptor<T>): ValueState<T> {
    return this.getOrCreate(d) as ValueState<T>;
  }

  /** @throws as {@link getOrCreate}. */
  getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
    return this.getOrCreate(d) as ListState<T>;
  }

  /** @throws as {@link getOrCreate}. */
  getMapState<K, V>(d: MapStateDescriptor<K, V>): MapState<K, V> {
    return this.getOrCreate(d as StateDescriptor<unknown>) as MapState<K, V>;
  }

  /** @throws as {@link getOrCreate}. */
  getReducingState<T>(d: ReducingStateDescriptor<T>): ReducingState<T> {
    return this.getOrCreate(d) as ReducingState<T>;
  }

  /**
   * Aggregating state (Flink's `getAggregatingState`): `add` folds inputs into the key's
   * accumulator, `get` returns `getResult(acc)` or `null` when the key has none.
   * @throws as {@link getOrCreate}.
   */
  getAggregatingState<IN, ACC, OUT>(d: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT> {
    return this.getOrCreate(d as StateDescriptor<unknown>) as AggregatingState<IN, OUT>;
  }

  /**
   * The state object for any descriptor kind.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) for an unknown kind; otherwise as {@link getOrCreate}.
   */
  getStateByDescriptor(d: StateDescriptor<unknown>): AnyKeyedState {
    if (!KINDS.has(d.kind)) throw new ConfigurationError(`unsupported state descriptor kind '${String(d.kind)}' for '${d.name}'`);
    return this.getOrCreate(d);
  }
}
