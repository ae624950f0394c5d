// A binary max-heap of job indices ordered by a priority key (higher first),
// ties broken by index (lower first: the given order). O(log n) push/pop, so
// picking the next job never scans the waiting list.

export class JobHeap {
  private readonly items: number[] = [];

  constructor(private readonly key: Float64Array) {}

  get size(): number {
    return this.items.length;
  }

  /** The best index without removing it. */
  peek(): number | undefined {
    return this.items[0];
  }

  push(index: number): void {
    const items = this.items;
    items.push(index);
    let child = items.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.before(index, items[parent] as number)) break;
      items[child] = items[parent] as number;
      child = parent;
    }
    items[child] = index;
  }

  pop(): number | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let parent = 0;
    const size = items.length;
    for (;;) {
      const left = 2 * parent + 1;
      if (left >= size) break;
      const right = left + 1;
      const best = right < size && this.before(items[right] as number, items[left] as number) ? right : left;
      if (!this.before(items[best] as number, last)) break;
      items[parent] = items[best] as number;
      parent = best;
    }
    items[parent] = last;
    return top;
  }

  /** Does job `a` go before job `b`? */
  private before(a: number, b: number): boolean {
    const ka = this.key[a] as number;
    const kb = this.key[b] as number;
    return ka > kb || (ka === kb && a < b);
  }
}
