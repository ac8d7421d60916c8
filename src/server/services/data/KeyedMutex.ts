/**
 * One holder at a time per key, in arrival order: a player's loads, updates, transfers and release run one
 * after another, so a transfer never sees a half-applied update.
 *
 * @example
 * ```ts
 * const mutex = new KeyedMutex();
 * mutex.run("123", () => applyChange());
 * ```
 */
export class KeyedMutex {
	private readonly queues = new Map<string, Array<thread>>();

	/** Runs `fn` holding `key`; yields until earlier holders finish. Rethrows `fn`'s error after releasing. */
	run<R>(key: string, fn: () => R): R {
		this.acquire(key);
		const [ok, result] = pcall(fn);
		this.release(key);
		if (!ok) throw result;
		return result;
	}

	/** Holds every key of `keys` (sorted, so two holders of the same pair never deadlock). */
	runAll<R>(keys: ReadonlyArray<string>, fn: () => R): R {
		const sorted = [...keys].sort((a, b) => a < b);
		for (const key of sorted) this.acquire(key);
		const [ok, result] = pcall(fn);
		for (const key of sorted) this.release(key);
		if (!ok) throw result;
		return result;
	}

	/** True while someone holds `key`. */
	isHeld(key: string): boolean {
		return this.queues.has(key);
	}

	private acquire(key: string): void {
		const queue = this.queues.get(key);
		if (queue === undefined) {
			this.queues.set(key, []);
			return;
		}
		queue.push(coroutine.running());
		coroutine.yield();
	}

	private release(key: string): void {
		const queue = this.queues.get(key);
		if (queue === undefined) return;
		const waiter = queue.shift();
		if (waiter === undefined) this.queues.delete(key);
		else task.defer(waiter);
	}
}
