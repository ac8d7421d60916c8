import type { CacheNode } from "./CacheNode";
import type { EvictionPolicy, EvictionPolicyName } from "./EvictionPolicy";
import { NodeList } from "./NodeList";

/**
 * A policy that keeps its nodes in one queue: arrivals join the tail and the head is evicted. Subclasses
 * decide what a read does (FIFO: nothing; LRU: the node goes back to the tail).
 * @example
 * ```ts
 * class FifoPolicy extends QueuePolicy { readonly name = "FIFO" as const; touch() {} }
 * ```
 * @internal
 */
export abstract class QueuePolicy implements EvictionPolicy {
	abstract readonly name: EvictionPolicyName;
	/** The queue, oldest first; CacheManager moves an L1 hit in it directly (see its `get`). */
	readonly list = new NodeList();

	add(node: CacheNode) {
		this.list.push(node);
	}

	abstract touch(node: CacheNode): void;

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
