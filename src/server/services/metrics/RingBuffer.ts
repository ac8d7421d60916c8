/**
 * A fixed-capacity buffer that keeps the newest `capacity` items: pushing onto a full buffer overwrites
 * the oldest. Memory never grows past `capacity` slots, however long a server runs.
 *
 * @example
 * ```ts
 * const ring = new RingBuffer<number>(3);
 * for (const n of [1, 2, 3, 4]) ring.push(n);
 * ring.toArray(); // [2, 3, 4]
 * ```
 */
export class RingBuffer<T extends defined> {
	private readonly items = new Array<T>();
	/** Index (0-based) the next push writes once the buffer is full. */
	private head = 0;

	/** @param capacity - how many items are kept (a whole number, at least 1). */
	constructor(readonly capacity: number) {
		if (!typeIs(capacity, "number") || capacity < 1 || capacity % 1 !== 0) {
			error(
				`[DataService] a ring buffer's capacity must be a whole number of at least 1, got ${tostring(capacity)}`,
				0,
			);
		}
	}

	/** Adds `item`, dropping the oldest one when the buffer is full. */
	push(item: T): void {
		if (this.items.size() < this.capacity) {
			this.items.push(item);
			return;
		}
		this.items[this.head] = item;
		this.head = (this.head + 1) % this.capacity;
	}

	/** How many items are held (at most `capacity`). */
	size(): number {
		return this.items.size();
	}

	/** The newest item, or undefined when empty. */
	last(): T | undefined {
		const n = this.items.size();
		if (n === 0) return undefined;
		return n < this.capacity ? this.items[n - 1] : this.items[(this.head - 1 + this.capacity) % this.capacity];
	}

	/** The items, oldest first (a new array). */
	toArray(): Array<T> {
		const n = this.items.size();
		if (n < this.capacity) return [...this.items];
		const out = new Array<T>();
		for (let i = 0; i < n; i++) out.push(this.items[(this.head + i) % n]);
		return out;
	}
}
