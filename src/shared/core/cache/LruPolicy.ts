import type { CacheNode } from "./CacheNode";
import { QueuePolicy } from "./QueuePolicy";

/**
 * Least recently used: a read moves the node to the tail; the head is evicted.
 * @example
 * ```ts
 * const lru = new LruPolicy();
 * lru.add(a); lru.add(b); lru.touch(a);
 * lru.victim(); // b
 * ```
 * @internal
 */
export class LruPolicy extends QueuePolicy {
	readonly name = "LRU" as const;

	touch(node: CacheNode) {
		if (this.tail !== node) {
			this.remove(node);
			this.add(node);
		}
	}
}
