import type { LfuBucket } from "./LfuPolicy";

/**
 * One cached entry. Nodes are intrusive: the eviction policy links them through `prev`/`next` (and
 * `bucket` for LFU), so moving or evicting an entry never searches a level.
 * @example
 * ```ts
 * const node: CacheNode = { key: "a", raw: 1, rawBytes: -1, plain: true, bytes: 0, level: 0, expiresAt: 60,
 * 	hotUntil: 60, deadline: math.huge, hits: 0, seen: 0 };
 * ```
 * @internal
 */
export interface CacheNode {
	readonly key: string;
	/** The value as given, when the entry is stored uncompressed. */
	raw?: defined;
	/** The compressed JSON text, when the entry is stored compressed. */
	payload?: buffer;
	/**
	 * Approximate size of the value uncompressed, in bytes; -1 until measured. A value is measured once, off
	 * the set path: when it first enters a level that compresses, or when statistics are read.
	 */
	rawBytes: number;
	/**
	 * Whether compression may be tried: the value survives a JSON round trip unchanged, and no earlier try
	 * found that compression fails to shrink it. Meaningful once rawBytes is measured.
	 */
	plain: boolean;
	/**
	 * Approximate bytes this entry adds to its level's count now: rawBytes, the payload's length when
	 * compressed, or 0 while unmeasured.
	 */
	bytes: number;
	/** Index of the level holding the entry (0 = L1). */
	level: number;
	/** Clock reading at which the entry expires in its current level. */
	expiresAt: number;
	/**
	 * Clock reading until which `get` may answer from `raw` on its fast path: `expiresAt` while the entry sits
	 * uncompressed in an L1 whose policy does not reorder on reads, else -math.huge (every read then takes
	 * the full path). One comparison stands for the level, the form and the expiry checks.
	 */
	hotUntil: number;
	/** Clock reading past which the entry may never live, from a per-entry TTL (math.huge if none). */
	readonly deadline: number;
	/**
	 * Hits since the entry entered its current level: counts toward promotion, and toward the frequency
	 * sketch, which receives them when the entry leaves the level (so a hit never touches the sketch).
	 */
	hits: number;
	/** `hits` when the entry last passed the head of an LRU level (CLOCK's mark: read since, if lower). */
	seen: number;
	readonly tags?: ReadonlyArray<string>;
	prev?: CacheNode;
	next?: CacheNode;
	bucket?: LfuBucket;
}
