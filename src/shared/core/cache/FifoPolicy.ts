import type { CacheNode } from "./CacheNode";
import type { EvictionPolicy } from "./EvictionPolicy";
import { NodeList } from "./NodeList";

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
export class FifoPolicy implements EvictionPolicy {
	readonly name = "FIFO" as const;
	private readonly list = new NodeList();

	add(node: CacheNode) {
		this.list.push(node);
	}

	touch(_node: CacheNode) {}

	remove(node: CacheNode) {
		this.list.unlink(node);
	}

	victim() {
		return this.list.head;
	}

	touches() {
		return this.list.counter.touches;
	}
}
