/**
 * A binary min-heap of timers ordered by timestamp, ties in insertion order, so timers fire in
 * timestamp order deterministically (Flink's HeapPriorityQueue of TimerHeapInternalTimer).
 */
export interface HeapTimer {
  timestamp: number;
  /** Insertion sequence, the tie-breaker. */
  seq: number;
}

export class TimerHeap<T extends HeapTimer> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l]!, a[m]!)) m = l;
        if (r < a.length && before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }

  /** All items, in no particular order (for snapshots). */
  toArray(): T[] {
    return this.items.slice();
  }
}

function before(a: HeapTimer, b: HeapTimer): boolean {
  return a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.seq < b.seq);
}
