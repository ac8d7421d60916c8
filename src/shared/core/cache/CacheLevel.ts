import type { CacheLevelConfig, CacheLevelName } from "./CacheConfig";
import type { EvictionPolicy } from "./EvictionPolicy";
import { QueuePolicy } from "./QueuePolicy";

/**
 * One level of the cache: its settings, its eviction policy and its running counts. CacheManager links
 * nodes into the policy and keeps `size` and `bytes` itself (in line: on the VM a call costs more than the
 * bookkeeping it would hide).
 * @example
 * ```ts
 * const l1 = new CacheLevel(0, "L1", DEFAULT_CACHE_LEVELS.L1, new LruPolicy());
 * if (!l1.isFull()) l1.policy.add(node);
 * ```
 * @internal
 */
export class CacheLevel {
	size = 0;
	bytes = 0;
	/** Hits in this level; for L1, of the entries that left it (the others hold theirs in `node.hits`). */
	hits = 0;
	/** Entries pushed out of this level when it was full (demoted or, from the last level, dropped). */
	evictions = 0;
	/** Entries found expired in this level. */
	expirations = 0;

	/**
	 * The level's queue when it shares its list with the next colder level's queue: its oldest node moves
	 * down with `passHead`, writing no link.
	 */
	readonly passesDown?: QueuePolicy;

	constructor(
		readonly index: number,
		readonly name: CacheLevelName,
		readonly config: Readonly<CacheLevelConfig>,
		readonly policy: EvictionPolicy,
	) {
		if (policy instanceof QueuePolicy && policy.colder !== undefined) this.passesDown = policy;
	}

	isFull() {
		return this.size >= this.config.capacity;
	}
}
