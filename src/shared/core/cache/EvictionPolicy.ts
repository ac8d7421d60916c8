import type { CacheNode } from "./CacheNode";

/**
 * The eviction policies a level can use: least recently used, least frequently used, first in first out.
 * @example
 * ```ts
 * const policy: EvictionPolicyName = "LFU";
 * new CacheManager({ levels: { L3: { policy } } });
 * ```
 */
export type EvictionPolicyName = "LRU" | "LFU" | "FIFO";

/**
 * How a level orders its entries for eviction. Every method is O(1).
 * @example
 * ```ts
 * const policy: EvictionPolicy = createEvictionPolicy("LRU", "L1.policy");
 * const next = policy.victim();
 * ```
 * @internal
 */
export interface EvictionPolicy {
	readonly name: EvictionPolicyName;
	/** A node entered the level. */
	add(node: CacheNode): void;
	/** A node in the level was read. */
	touch(node: CacheNode): void;
	/** A node left the level. */
	remove(node: CacheNode): void;
	/** The node to evict next, without removing it; undefined when the level is empty. */
	victim(): CacheNode | undefined;
	/** Nodes (and LFU buckets) whose links were written, since creation. */
	touches(): number;
}
