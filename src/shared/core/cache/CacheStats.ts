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
	/** Approximate bytes held (compressed entries count their compressed size). */
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
	/** Moves of an entry up one level after repeated hits. */
	readonly promotions: number;
	/** Moves of an entry down one level when a hotter level was full. */
	readonly demotions: number;
	/** Entries dropped from the last level because it was full. */
	readonly evictions: number;
	/** Entries found past their TTL (on read or when they would have been demoted). */
	readonly expirations: number;
	/** Compressed entries that failed to decode and were dropped. */
	readonly corruptions: number;
	/** Entries currently stored compressed. */
	readonly compressedEntries: number;
	readonly entries: number;
	readonly bytes: number;
}
