/**
 * One holder at a time per key, in arrival order: a player's loads, updates, transfers and release run one
 * after another, so a transfer never sees a half-applied update. Reentrant: the thread holding a key may
 * take it again (a load claims the player's inbox through the write pipeline while holding the player).
 *
 * @example
 * ```ts
 * const mutex = new KeyedMutex();
 * mutex.run("123", () => applyChange());
 * ```
 */
export class KeyedMutex {
	private readonly holders = new Map<string, { owner: thread; depth: number; queue: Array<thread> }>();

	/** Runs `fn` holding `key`; yields until earlier holders finish. Rethrows `fn`'s error after releasing. */
	run<R>(key: string, fn: () => R): R {
		return this.runAll([key], fn);
	}

	/** Holds every key of `keys` (sorted, so two holders of the same pair never deadlock). */
	runAll<R>(keys: ReadonlyArray<string>, fn: () => R): R {
		const sorted = [...keys].sort((a, b) => a < b);
		for (const key of sorted) this.acquire(key);
		const [ok, result] = pcall(fn);
		for (const key of sorted) this.release(key);
		// Level 0: a string error keeps its own text, without this file's position in front of it.
		if (!ok) error(result, 0);
		return result;
	}

	private acquire(key: string): void {
		const me = coroutine.running();
		const holder = this.holders.get(key);
		if (holder === undefined) {
			this.holders.set(key, { owner: me, depth: 1, queue: [] });
			return;
		}
		if (holder.owner === me) {
			holder.depth += 1;
			return;
		}
		holder.queue.push(me);
		coroutine.yield();
		// Handed over by release: this thread is now the owner.
	}

	private release(key: string): void {
		const holder = this.holders.get(key);
		if (holder === undefined) return;
		holder.depth -= 1;
		if (holder.depth > 0) return;
		const waiter = holder.queue.shift();
		if (waiter === undefined) {
			this.holders.delete(key);
			return;
		}
		holder.owner = waiter;
		holder.depth = 1;
		task.defer(waiter);
	}
}
