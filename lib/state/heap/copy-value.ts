/**
 * Deep copy of a state value for the heap backend's copy-on-write (Flink's `TypeSerializer.copy`
 * in `CopyOnWriteStateMap`): after a snapshot's synchronous phase, the first access to an entry
 * that is an object hands out (and keeps) a copy, so the snapshot's object stays as at the barrier.
 *
 * Copies arrays, plain objects and class instances (own enumerable properties, same prototype, so
 * methods keep working), Maps, Sets, Dates, typed arrays, DataViews and ArrayBuffers; primitives are
 * returned as is. State must be plain data without cycles (as the snapshot codec requires).
 */
export function copyStateValue<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  return copyObject(v as object, 0) as T;
}

/** Deepest nesting copied; deeper means a cycle (state must be acyclic plain data). */
const MAX_DEPTH = 1000;

function copyAny(v: unknown, depth: number): unknown {
  return typeof v !== 'object' || v === null ? v : copyObject(v, depth + 1);
}

function copyObject(v: object, depth: number): object {
  if (depth > MAX_DEPTH) throw new RangeError('state value nested deeper than 1000 levels (a cycle?): state must be acyclic plain data');
  if (Array.isArray(v)) {
    const n = v.length;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = copyAny(v[i], depth);
    return out;
  }
  if (v instanceof Map) {
    const out = new Map<unknown, unknown>();
    for (const [k, x] of v) out.set(copyAny(k, depth), copyAny(x, depth));
    return out;
  }
  if (v instanceof Set) {
    const out = new Set<unknown>();
    for (const x of v) out.add(copyAny(x, depth));
    return out;
  }
  if (v instanceof Date) return new Date(v.getTime());
  if (ArrayBuffer.isView(v)) {
    if (v instanceof DataView) return new DataView(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
    return (v as unknown as { slice(): object }).slice();
  }
  if (v instanceof ArrayBuffer) return v.slice(0);
  const proto: unknown = Object.getPrototypeOf(v);
  const out: Record<string, unknown> = proto === Object.prototype ? {} : (Object.create(proto as object | null) as Record<string, unknown>);
  const src = v as Record<string, unknown>;
  for (const k of Object.keys(src)) out[k] = copyAny(src[k], depth);
  return out;
}
