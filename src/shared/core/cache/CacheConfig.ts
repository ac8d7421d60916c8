import type { Codec } from "./Codec";
import type { CacheError } from "./CacheError";
import type { EvictionPolicyName } from "./EvictionPolicy";

/**
 * The names of the three levels, hottest first.
 * @example
 * ```ts
 * const coldest: CacheLevelName = "L3";
 * ```
 */
export type CacheLevelName = "L1" | "L2" | "L3";

/**
 * The settings of one level.
 * @example
 * ```ts
 * const l2: CacheLevelConfig = { capacity: 500, ttl: 300, policy: "LRU", compressAbove: 1024 };
 * ```
 */
export interface CacheLevelConfig {
	/** Most entries the level holds (a whole number, at least 1). */
	capacity: number;
	/** Seconds an entry lives after entering the level (positive; math.huge for never). */
	ttl: number;
	/** Which entry leaves first when the level is full. */
	policy: EvictionPolicyName;
	/**
	 * Entries of at least this many bytes (approximate, uncompressed) are stored compressed in this level;
	 * math.huge never compresses. Only values that survive a JSON round trip are compressed.
	 */
	compressAbove: number;
}

/**
 * The JSON half of HttpService, which compression uses to turn values into text.
 * @example
 * ```ts
 * const json: JsonService = HttpService;
 * ```
 */
export interface JsonService {
	JSONEncode(value: unknown): string;
	JSONDecode(text: string): unknown;
}

/**
 * Options of a CacheManager; every field is optional.
 * @example
 * ```ts
 * const config: CacheConfig = { levels: { L1: { capacity: 200 }, L3: { policy: "LFU" } }, promoteAfter: 4 };
 * ```
 */
export interface CacheConfig {
	/** Overrides per level, merged over the defaults (see DEFAULT_CACHE_LEVELS). */
	levels?: Partial<Record<CacheLevelName, Partial<CacheLevelConfig>>>;
	/**
	 * Hits within L2 or L3 after which an entry moves up one level (into L1 only when L2 stores it
	 * compressed). Default 3: it beat 2 on every bench trace (each promotion pushes the hotter level's victim
	 * down without the frequency filter).
	 */
	promoteAfter?: number;
	/**
	 * Whether read frequency decides which entry goes down a level or leaves the cache (default true); false
	 * keeps the plain cascade, where the newest entry always stays and the oldest of L3 leaves.
	 */
	admission?: boolean;
	/** Seconds, read for every TTL (default os.clock, which the headless runtime drives virtually). */
	clock?: () => number;
	/** The compressor for large entries (default LzCodec). */
	codec?: Codec;
	/** JSON encoder used before compression (default HttpService). */
	json?: JsonService;
	/** Told about every corrupt entry dropped on read (default: warn). */
	onCorrupt?: (error: CacheError) => void;
}

/**
 * The original system's levels: L1 100 entries for 60 s (hot data), L2 500 for 300 s (active data), L3
 * 1000 for 3600 s (cold data), all LRU. L1 keeps values as they are, for the fastest reads; L2 and L3
 * compress entries of 1 KiB and more.
 *
 * @example
 * ```ts
 * print(DEFAULT_CACHE_LEVELS.L2.ttl); // 300
 * ```
 */
export const DEFAULT_CACHE_LEVELS: Readonly<Record<CacheLevelName, Readonly<CacheLevelConfig>>> = {
	L1: { capacity: 100, ttl: 60, policy: "LRU", compressAbove: math.huge },
	L2: { capacity: 500, ttl: 300, policy: "LRU", compressAbove: 1024 },
	L3: { capacity: 1000, ttl: 3600, policy: "LRU", compressAbove: 1024 },
};

/**
 * The level names in order, hottest first.
 * @example
 * ```ts
 * CACHE_LEVEL_NAMES.forEach((name, index) => print(index, name)); // 0 L1, 1 L2, 2 L3
 * ```
 * @internal
 */
export const CACHE_LEVEL_NAMES: ReadonlyArray<CacheLevelName> = ["L1", "L2", "L3"];
