/**
 * @internal A FIFO queue with O(1) `push` and `shift` (an array and a head
 * index, compacted as it drains): what mpsc and the Semaphore keep values and
 * waiters in. `Array.prototype.shift` is O(n) once an array leaves V8's fast
 * small-array path.
 */
export class Queue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(v: T): void {
    this.items.push(v);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    const items = this.items;
    if (this.head >= items.length) return undefined;
    const v = items[this.head];
    items[this.head++] = undefined;
    if (this.head === items.length) {
      items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
    return v;
  }

  /** Remove one entry (a cancelled waiter); false when it is not queued. */
  remove(v: T): boolean {
    const i = this.items.indexOf(v, this.head);
    if (i < 0) return false;
    this.items.splice(i, 1);
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    }
    return true;
  }

  /** Take every entry, oldest first, leaving the queue empty. */
  drain(): T[] {
    const out = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return out;
  }
}
