import { ConfigurationError } from '../errors.js';

/**
 * Names a side output of an operator, as Flink's `OutputTag<T>`: records emitted with
 * `ctx.output(tag, value)` (or a source's dead-letter tag) are read with
 * `stream.getSideOutput(tag)`. Two tags are the same side output when their ids are equal.
 *
 * @example const late = new OutputTag<Trip>('late-trips');
 * @see org.apache.flink.util.OutputTag
 */
export class OutputTag<T> {
  /** Phantom field so `OutputTag<A>` and `OutputTag<B>` are distinct types. */
  declare readonly __type?: T;

  /**
   * @param id non-empty name, unique within a job.
   * @throws ConfigurationError (`WEIR_ERR_CONFIG`) when `id` is empty.
   */
  constructor(readonly id: string) {
    if (!id) throw new ConfigurationError('OutputTag id must be a non-empty string');
  }
}
