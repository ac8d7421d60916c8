import type { CacheLevelName } from "./CacheConfig";
import type { EvictionPolicyName } from "./EvictionPolicy";

/**
 * Figures of one level.
 * @example
 * ```ts
 * const l1: CacheLevelStats = cache.getStats().levels[0];
 * print(`${l1.name}: ${l1.entries}/${l1.capacity}, ${l1.bytes} bytes`);
 * ```
 */
export interface CacheLevelStats {
	readonly name: CacheLevelName;
	readonly policy: EvictionPolicyName;
	readonly capacity: number;
	readonly entries: number;
	/**
	 * Approximate bytes held (compressed entries count their compressed size). Each value is measured once,
	 * when it first enters a compressing level or when statistics are read, so the figure is exact for it.
	 */
	readonly bytes: number;
	/** Reads served by this level. */
	readonly hits: number;
	/** Reads that reached this level (missed every hotter one) and missed it too. */
	readonly misses: number;
	/** Entries pushed out because the level was full. */
	readonly evictions: number;
	/** Entries found expired in this level. */
	readonly expirations: number;
}

/**
 * A snapshot of a CacheManager's counters.
 *
 * @example
 * ```ts
 * const stats = cache.getStats();
 * print(`hit ratio ${stats.hits / (stats.hits + stats.misses)}, L1 holds ${stats.levels[0].bytes} bytes`);
 * ```
 */
export interface CacheStats {
	readonly levels: ReadonlyArray<CacheLevelStats>;
	readonly hits: number;
	readonly misses: number;
	/** Moves of an entry up one level after repeated hits (L3 to L2, or a compressed entry L2 to L1). */
	readonly promotions: number;
	/** Moves of an entry down one level when a hotter level was full. */
	readonly demotions: number;
	/**
	 * Entries that left the cache because it was full: dropped from the last level, or refused by the
	 * frequency filter (those are counted in `rejections` too).
	 */
	readonly evictions: number;
	/** Entries that left the cache instead of the last level's victim, because that victim was read more often. */
	readonly rejections: number;
	/** Keys the frequency sketch counts now (its memory: at most 20 per entry of capacity). */
	readonly frequencyKeys: number;
	/** Entries found past their TTL (on read or when they would have been demoted). */
	readonly expirations: number;
	/** Compressed entries that failed to decode and were dropped. */
	readonly corruptions: number;
	/** Entries currently stored compressed. */
	readonly compressedEntries: number;
	readonly entries: number;
	readonly bytes: number;
}
