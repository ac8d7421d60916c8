import type { CacheLevelConfig, CacheLevelName } from "./CacheConfig";
import type { CacheNode } from "./CacheNode";
import type { EvictionPolicy } from "./EvictionPolicy";

/**
 * One level of the cache: its settings, its eviction policy and its running counts.
 * @example
 * ```ts
 * const l1 = new CacheLevel(0, "L1", DEFAULT_CACHE_LEVELS.L1, new LruPolicy());
 * if (!l1.isFull()) l1.insert(node);
 * ```
 * @internal
 */
export class CacheLevel {
	size = 0;
	bytes = 0;
	hits = 0;
	/** Entries pushed out of this level when it was full (demoted or, from the last level, dropped). */
	evictions = 0;
	/** Entries found expired in this level. */
	expirations = 0;

	constructor(
		readonly index: number,
		readonly name: CacheLevelName,
		readonly config: Readonly<CacheLevelConfig>,
		readonly policy: EvictionPolicy,
	) {}

	/** Links `node` into the level; the caller has made room and set its expiry. */
	insert(node: CacheNode) {
		node.level = this.index;
		node.hits = 0;
		this.policy.add(node);
		this.size += 1;
		this.bytes += node.bytes;
	}

	/** Unlinks `node`, which is in this level. */
	remove(node: CacheNode) {
		this.policy.remove(node);
		this.size -= 1;
		this.bytes -= node.bytes;
	}

	isFull() {
		return this.size >= this.config.capacity;
	}
}
