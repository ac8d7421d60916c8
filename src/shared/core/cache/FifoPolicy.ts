import type { CacheNode } from "./CacheNode";
import { QueuePolicy } from "./QueuePolicy";

/**
 * First in, first out: reads change nothing; the oldest arrival is evicted.
 * @example
 * ```ts
 * const fifo = new FifoPolicy();
 * fifo.add(a); fifo.add(b); fifo.touch(a);
 * fifo.victim(); // a
 * ```
 * @internal
 */
export class FifoPolicy extends QueuePolicy {
	readonly name = "FIFO" as const;

	touch(_node: CacheNode) {}
}
