import type { ServiceStatistics } from "./DataServiceTypes";

/**
 * At most `maxConcurrentOperations` DataService operations run at once (the original
 * `maxConcurrentOperations`); later ones wait their turn in arrival order. A slot is held only while an
 * operation works: waits for a durable save or for a trade offer's answer happen outside it.
 *
 * @example
 * ```ts
 * const result = gate.run(() => work()); // yields for a slot first
 * ```
 */
export class OperationGate {
	private running = 0;
	private readonly waiting = new Array<thread>();

	constructor(
		private readonly limit: number,
		private readonly stats: ServiceStatistics,
	) {}

	/** Runs `fn` holding a slot; rethrows its error after giving the slot back. */
	run<R>(fn: () => R): R {
		this.enter();
		const [ok, result] = pcall(fn);
		this.leave();
		if (!ok) throw result;
		return result;
	}

	private enter(): void {
		if (this.running < this.limit) {
			this.running += 1;
			this.stats.peakConcurrentOperations = math.max(this.stats.peakConcurrentOperations, this.running);
			return;
		}
		this.waiting.push(coroutine.running());
		coroutine.yield();
	}

	private leave(): void {
		const waiter = this.waiting.shift();
		if (waiter !== undefined) task.defer(waiter);
		else this.running -= 1;
	}
}
