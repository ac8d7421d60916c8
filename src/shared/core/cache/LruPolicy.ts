import type { CacheNode } from "./CacheNode";
import type { EvictionPolicy } from "./EvictionPolicy";
import { NodeList } from "./NodeList";

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
export class LruPolicy implements EvictionPolicy {
	readonly name = "LRU" as const;
	private readonly list = new NodeList();

	add(node: CacheNode) {
		this.list.push(node);
	}

	touch(node: CacheNode) {
		if (this.list.tail !== node) {
			this.list.unlink(node);
			this.list.push(node);
		}
	}

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
