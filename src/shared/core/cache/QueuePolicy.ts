import type { CacheNode } from "./CacheNode";
import type { EvictionPolicy, EvictionPolicyName } from "./EvictionPolicy";
import { NodeList } from "./NodeList";

/**
 * A policy that keeps its nodes in one queue: arrivals join the tail and the head is evicted. It is the
 * queue itself (add, remove and victim are NodeList's). Subclasses decide what a read does (FIFO: nothing;
 * LRU: the node goes back to the tail).
 * @example
 * ```ts
 * class FifoPolicy extends QueuePolicy { readonly name = "FIFO" as const; touch() {} }
 * ```
 * @internal
 */
export abstract class QueuePolicy extends NodeList implements EvictionPolicy {
	abstract readonly name: EvictionPolicyName;

	abstract touch(node: CacheNode): void;
}
