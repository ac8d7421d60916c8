import { HttpService } from "@rbxts/services";
import { CACHE_LEVEL_NAMES, DEFAULT_CACHE_LEVELS } from "./cache/CacheConfig";
import type { CacheConfig, CacheLevelConfig, CacheLevelName, JsonService } from "./cache/CacheConfig";
import { CacheError } from "./cache/CacheError";
import { CacheLevel } from "./cache/CacheLevel";
import type { CacheNode } from "./cache/CacheNode";
import type { CacheStats } from "./cache/CacheStats";
import type { Codec } from "./cache/Codec";
import type { EvictionPolicy } from "./cache/EvictionPolicy";
import { createEvictionPolicy } from "./cache/createEvictionPolicy";
import { FrequencySketch } from "./cache/FrequencySketch";
import { LzCodec } from "./cache/LzCodec";
import { measureValue } from "./cache/measureValue";
import { TagIndex } from "./cache/TagIndex";

// The cache's public names, so the realm index re-exports them from one module.
export { CacheError } from "./cache/CacheError";
export type { CacheErrorKind } from "./cache/CacheError";
export { DEFAULT_CACHE_LEVELS } from "./cache/CacheConfig";
export type { CacheConfig, CacheLevelConfig, CacheLevelName, JsonService } from "./cache/CacheConfig";
export type { CacheStats, CacheLevelStats } from "./cache/CacheStats";
export type { EvictionPolicyName } from "./cache/EvictionPolicy";
export type { Codec } from "./cache/Codec";
export { LzCodec } from "./cache/LzCodec";

/**
 * Options of one `set`.
 * @example
 * ```ts
 * const options: CacheSetOptions = { tags: ["player:123"], ttl: 30 };
 * cache.set("profile:123", profile, options);
 * ```
 */
export interface CacheSetOptions {
	/** Tags for `invalidateTag`, e.g. `["player:123"]`. */
	tags?: ReadonlyArray<string>;
	/** Seconds after which the entry expires wherever it is, even if its level's TTL is longer. */
	ttl?: number;
}

const CONFIG_OPTIONS = new Set(["levels", "promoteAfter", "admission", "clock", "codec", "json", "onCorrupt"]);

/** Hits in L2 or L3 that move an entry up a level, unless configured (see CacheConfig.promoteAfter). */
const DEFAULT_PROMOTE_AFTER = 3;

/** Increments between two halvings of the frequency counts, per entry of capacity (TinyLFU: 10 to 20). */
const SAMPLE_PER_ENTRY = 20;

function fail(kind: "InvalidConfig" | "InvalidArgument", message: string): never {
	throw new CacheError(kind, message);
}

function isPositive(value: unknown): value is number {
	return typeIs(value, "number") && value > 0 && value === value;
}

function resolveLevel(name: CacheLevelName, override: unknown): CacheLevelConfig {
	const defaults = DEFAULT_CACHE_LEVELS[name];
	if (override !== undefined && !typeIs(override, "table")) fail("InvalidConfig", `${name} must be a table`);
	const given = (override ?? {}) as Partial<Record<string, unknown>>;
	for (const [option] of pairs(given)) {
		if (option !== "capacity" && option !== "ttl" && option !== "policy" && option !== "compressAbove") {
			fail("InvalidConfig", `${name} has no option ${tostring(option)}`);
		}
	}
	const capacity = given.capacity ?? defaults.capacity;
	if (!typeIs(capacity, "number") || capacity < 1 || capacity % 1 !== 0 || capacity === math.huge) {
		fail("InvalidConfig", `${name}.capacity must be a whole number of at least 1, got ${tostring(capacity)}`);
	}
	const ttl = given.ttl ?? defaults.ttl;
	if (!isPositive(ttl))
		fail("InvalidConfig", `${name}.ttl must be a positive number of seconds, got ${tostring(ttl)}`);
	const compressAbove = given.compressAbove ?? defaults.compressAbove;
	if (!typeIs(compressAbove, "number") || compressAbove < 0 || compressAbove !== compressAbove) {
		fail(
			"InvalidConfig",
			`${name}.compressAbove must be a number of bytes, at least 0, got ${tostring(compressAbove)}`,
		);
	}
	const policy = given.policy ?? defaults.policy;
	// Validated by createEvictionPolicy, which names the same option in its error.
	return {
		capacity,
		ttl,
		compressAbove,
		policy: policy as CacheLevelConfig["policy"],
	};
}

/**
 * A three-level in-memory cache (L1 hot, L2 active, L3 cold) with O(1) get, set and eviction (amortized for
 * LRU levels, which keep recency the way CLOCK does: a read marks the entry instead of moving it, and the
 * eviction sends a marked entry to the back once; see LruPolicy).
 *
 * - `set` writes into L1. A full level pushes its policy's victim (LRU, LFU or FIFO, per level) down one
 *   level (a demotion); the last level drops it (an eviction). Expired victims are dropped, not demoted.
 * - Frequency decides who goes down and who leaves once the cache is full (W-TinyLFU's admission, with L1
 *   as its window): every read is counted per key in an aged frequency sketch. An entry pushed out of L1
 *   takes the place of a lower level's victim only if it was read at least as often recently; otherwise
 *   it skips the level, and at the last level it leaves the cache instead of the victim (a rejection). So
 *   a scan of keys read once passes through L1 without flushing the keys read often. Ties with reads
 *   counted go to the entry already there; entries never read keep the seed's order (newest stays). While
 *   a lower level has room, each level's policy alone decides. `admission: false` turns the filter off.
 * - A read of an entry in L2 or L3 counts a hit for that level; after `promoteAfter` hits there (default 3)
 *   the entry moves up one level, swapping places with the hotter level's victim: from L3 into L2, and from
 *   L2 into L1 only when L2 stores it compressed. L1 is the window new entries pass through; a plain value
 *   in L2 is read there almost as fast, and keeping hot keys out of L1 leaves it to the newcomers the
 *   frequency filter has yet to judge (bench: +0.02 to +0.06 of one LRU's hit ratio on every trace).
 * - Values are kept by reference and measured once, off the `set` path: when they first enter a level that
 *   compresses, or when `getStats` is called; the byte counts are then exact sums of those measures.
 * - An entry expires `ttl` seconds after it entered its current level (L1 60 s, L2 300 s, L3 3600 s by
 *   default), or at its own `ttl` from `set`, whichever is first; the clock is injected (default os.clock).
 *   An expired entry is never returned.
 * - Levels with a `compressAbove` threshold (L2 and L3: 1 KiB by default) store large JSON-compatible
 *   values as compressed JSON; a damaged entry is dropped, reported through `onCorrupt`, and never returned.
 *   Below the threshold, values are kept as they are, by reference: treat cached values as read-only.
 * - `invalidateTag` removes every entry carrying a tag, in time proportional to those entries.
 *
 * Misuse (bad options, a nil value, a non-string key) throws a {@link CacheError}.
 *
 * @example
 * ```ts
 * const cache = new CacheManager<Profile>({ levels: { L3: { policy: "LFU" } } });
 * cache.set(`profile:${player.UserId}`, profile, { tags: [`player:${player.UserId}`] });
 * const cached = cache.get(`profile:${player.UserId}`);
 * cache.invalidateTag(`player:${player.UserId}`); // on leave
 * ```
 */
export class CacheManager<V extends defined = defined> {
	private readonly levels: Array<CacheLevel>;
	private readonly nodes = new Map<string, CacheNode>();
	private readonly tags = new TagIndex();
	/** L1, read on the hot path of `get` without indexing `levels`. */
	private readonly l1: CacheLevel;
	/** Whether L1's policy reorders on a read (LFU); LRU (CLOCK) and FIFO learn of reads from `node.hits`. */
	private readonly l1Touches: boolean;
	private readonly sketch: FrequencySketch;
	private readonly admission: boolean;
	private readonly promoteAfter: number;
	private readonly clock: () => number;
	private readonly codec: Codec;
	private readonly json: JsonService;
	private readonly onCorrupt: (error: CacheError) => void;
	/** Corrupt entries found during an operation, reported once the cache is consistent again. */
	private pendingReports = new Array<CacheError>();
	private entryCount = 0;
	/** Sets since getStats last measured every value: while 0, no entry awaits measuring. */
	private unmeasured = 0;
	private measurements = 0;
	private missCount = 0;
	private rejections = 0;
	private promotions = 0;
	private demotions = 0;
	private evictions = 0;
	private expirations = 0;
	private corruptions = 0;
	private compressedEntries = 0;

	/**
	 * @param config options merged over the defaults; see {@link CacheConfig}
	 * @throws CacheError `InvalidConfig` naming the option, for a capacity that is not a whole number of at
	 * least 1, a TTL that is not positive, an unknown policy or level, or a bad `promoteAfter`
	 */
	constructor(config: CacheConfig = {}) {
		if (!typeIs(config, "table")) fail("InvalidConfig", "config must be a table");
		for (const [option] of pairs(config as Record<string, unknown>)) {
			if (!CONFIG_OPTIONS.has(option as string))
				fail("InvalidConfig", `config has no option ${tostring(option)}`);
		}
		for (const option of ["clock", "onCorrupt"] as const) {
			const given = config[option];
			if (given !== undefined && !typeIs(given, "function")) {
				fail("InvalidConfig", `${option} must be a function, got ${typeOf(given)}`);
			}
		}
		const levelOverrides = (config.levels ?? {}) as Partial<Record<string, unknown>>;
		if (!typeIs(levelOverrides, "table")) fail("InvalidConfig", "levels must be a table");
		for (const [name] of pairs(levelOverrides)) {
			if (name !== "L1" && name !== "L2" && name !== "L3") {
				fail("InvalidConfig", `levels has no level ${tostring(name)}; the levels are L1, L2 and L3`);
			}
		}
		const configs = CACHE_LEVEL_NAMES.map((name) => resolveLevel(name, levelOverrides[name]));
		// Built coldest first, so that each level's queue can share the list of the colder one.
		const policies = new Array<EvictionPolicy>();
		for (let index = configs.size() - 1; index >= 0; index--) {
			const name = CACHE_LEVEL_NAMES[index];
			policies[index] = createEvictionPolicy(configs[index].policy, `${name}.policy`, policies[index + 1]);
		}
		this.levels = configs.map((levelConfig, index) => {
			return new CacheLevel(index, CACHE_LEVEL_NAMES[index], levelConfig, policies[index]);
		});
		const promoteAfter = config.promoteAfter ?? DEFAULT_PROMOTE_AFTER;
		if (!typeIs(promoteAfter, "number") || promoteAfter < 1 || promoteAfter % 1 !== 0) {
			fail("InvalidConfig", `promoteAfter must be a whole number of at least 1, got ${tostring(promoteAfter)}`);
		}
		this.promoteAfter = promoteAfter;
		const admission = config.admission ?? true;
		if (!typeIs(admission, "boolean"))
			fail("InvalidConfig", `admission must be a boolean, got ${typeOf(admission)}`);
		this.admission = admission;
		this.l1 = this.levels[0];
		this.l1Touches = this.l1.policy.name === "LFU";
		let capacity = 0;
		for (const level of this.levels) capacity += level.config.capacity;
		this.sketch = new FrequencySketch(capacity * SAMPLE_PER_ENTRY);
		this.clock = config.clock ?? os.clock;
		this.codec = config.codec ?? new LzCodec();
		this.json = config.json ?? HttpService;
		this.onCorrupt = config.onCorrupt ?? ((err) => warn(tostring(err)));
	}

	/**
	 * Caches `value` under `key` in L1, replacing any entry with that key.
	 * @param key a string key
	 * @param value any non-nil value; kept by reference unless a level compresses it
	 * @param options tags and a per-entry TTL
	 * @throws CacheError `InvalidArgument` for a non-string key, a nil value, a bad TTL or a non-string tag
	 * @example
	 * ```ts
	 * cache.set("profile:1", profile, { tags: ["player:1"], ttl: 120 });
	 * ```
	 */
	set(key: string, value: V, options?: CacheSetOptions) {
		if (!typeIs(key, "string")) fail("InvalidArgument", `key must be a string, got ${typeOf(key)}`);
		if (value === undefined) fail("InvalidArgument", `value for ${key} is nil; use delete to remove an entry`);
		let deadline = math.huge;
		let tags: ReadonlyArray<string> | undefined;
		if (options !== undefined) {
			if (!typeIs(options, "table")) fail("InvalidArgument", `options for ${key} must be a table`);
			if (options.tags !== undefined && !typeIs(options.tags, "table")) {
				fail("InvalidArgument", `tags for ${key} must be an array of strings`);
			}
			if (options.ttl !== undefined) {
				if (!isPositive(options.ttl)) {
					fail(
						"InvalidArgument",
						`ttl for ${key} must be a positive number of seconds, got ${tostring(options.ttl)}`,
					);
				}
				deadline = this.clock() + options.ttl;
			}
			if (options.tags !== undefined) {
				for (const tag of options.tags) {
					if (!typeIs(tag, "string")) fail("InvalidArgument", `tags for ${key} must be strings`);
				}
				if (options.tags.size() > 0) tags = [...options.tags];
			}
		}
		const old = this.nodes.get(key);
		if (old) this.drop(old, this.levels[old.level]);
		// Every field is written here, so the node's table is allocated once at its final size.
		const node: CacheNode = {
			key,
			raw: value,
			payload: undefined,
			rawBytes: -1,
			plain: false,
			bytes: 0,
			level: 0,
			expiresAt: 0,
			hotUntil: -math.huge,
			deadline,
			hits: 0,
			seen: 0,
			tags,
			prev: undefined,
			next: undefined,
			bucket: undefined,
		};
		this.nodes.set(key, node);
		this.entryCount += 1;
		this.unmeasured += 1;
		if (tags) this.tags.add(key, tags);
		const now = this.clock();
		const l1 = this.l1;
		// L1's victim is chosen before the newcomer joins, and stays linked while it finds its place below:
		// with queue levels it then moves down without a link written (QueuePolicy.passHead).
		let out: CacheNode | undefined;
		if (l1.size >= l1.config.capacity) {
			out = l1.policy.victim()!;
			l1.evictions += 1;
		}
		const l1Config = l1.config;
		if (l1Config.compressAbove === math.huge) {
			// place() written out for an L1 that does not compress (the default): the node is new, so its level,
			// hits and bytes are already those of a fresh L1 entry.
			const expiry = now + l1Config.ttl;
			node.expiresAt = expiry < deadline ? expiry : deadline;
			if (!this.l1Touches) node.hotUntil = node.expiresAt;
			l1.policy.add(node);
			l1.size += 1;
		} else this.place(node, l1, now);
		if (out !== undefined) this.descend(out, 1, now);
		if (this.pendingReports.size() > 0) this.flushReports();
	}

	/**
	 * Reads the entry under `key`, counting a hit or a miss. Expired and corrupt entries are removed and
	 * read as a miss.
	 * @param key the key given to `set`
	 * @returns the cached value, or undefined
	 * @example
	 * ```ts
	 * const profile = cache.get("profile:1") ?? loadProfile(1);
	 * ```
	 */
	get(key: string): V | undefined {
		const node = this.nodes.get(key);
		// The hot path, an unexpired uncompressed L1 hit (node.hotUntil says which entries qualify): a lookup,
		// a clock read and one count. No promotion is possible from L1; node.hits is all the rest needs: L1's
		// hit statistics and the frequency sketch receive it when the entry leaves L1 (getStats adds the
		// entries still there), and LRU's CLOCK reads it as the entry's mark. An L1 under LFU, which reorders
		// on a read, takes the full path below.
		if (node !== undefined && this.clock() < node.hotUntil) {
			node.hits += 1;
			return node.raw as V;
		}
		if (!node) {
			this.missCount += 1;
			this.sketch.increment(key);
			return undefined;
		}
		const now = this.clock();
		const level = this.levels[node.level];
		if (now >= node.expiresAt) {
			level.expirations += 1;
			this.expirations += 1;
			this.drop(node, level);
			this.missCount += 1;
			this.sketch.increment(key);
			return undefined;
		}
		let value = node.raw;
		if (value === undefined) {
			value = this.decode(node);
			if (value === undefined) {
				this.drop(node, level);
				this.missCount += 1;
				this.sketch.increment(key);
				this.flushReports();
				return undefined;
			}
		}
		// L1 counts its hits in node.hits alone (see the hot path above).
		if (node.level > 0) level.hits += 1;
		node.hits += 1;
		level.policy.touch(node);
		// L1 is the window that new entries pass through: an entry moves up into it only when L2 stores it
		// compressed (so that it is not decoded on every read). A plain value is read from L2 almost as fast,
		// and keeping it there leaves L1's room to the newcomers the frequency filter has yet to judge.
		if (node.level > 1 || (node.level === 1 && node.payload !== undefined)) {
			if (node.hits >= this.promoteAfter) {
				this.promote(node, level, value, now);
				this.flushReports();
			}
		}
		return value as V;
	}

	/**
	 * Whether an unexpired entry is cached under `key`; counts nothing and changes no order.
	 * @example
	 * ```ts
	 * if (!cache.has("profile:1")) prefetch(1);
	 * ```
	 */
	has(key: string) {
		const node = this.nodes.get(key);
		return node !== undefined && this.clock() < node.expiresAt;
	}

	/**
	 * Removes the entry under `key`.
	 * @returns whether there was one
	 * @example
	 * ```ts
	 * cache.delete("profile:1");
	 * ```
	 */
	delete(key: string) {
		const node = this.nodes.get(key);
		if (!node) return false;
		this.drop(node, this.levels[node.level]);
		return true;
	}

	/**
	 * Removes every entry tagged `tag`, in time proportional to those entries.
	 * @returns how many entries were removed
	 * @example
	 * ```ts
	 * Players.PlayerRemoving.Connect((player) => cache.invalidateTag(`player:${player.UserId}`));
	 * ```
	 */
	invalidateTag(tag: string) {
		if (!typeIs(tag, "string")) fail("InvalidArgument", `tag must be a string, got ${typeOf(tag)}`);
		let removed = 0;
		for (const key of this.tags.take(tag)) {
			if (this.delete(key)) removed += 1;
		}
		return removed;
	}

	/**
	 * Removes every entry; the statistics keep counting.
	 * @example
	 * ```ts
	 * cache.clear();
	 * ```
	 */
	clear() {
		for (const [, node] of this.nodes) this.unlink(node, this.levels[node.level]);
		this.nodes.clear();
		this.tags.clear();
		this.entryCount = 0;
		this.compressedEntries = 0;
	}

	/**
	 * Removes every expired entry now, instead of when it is next read or pushed out. This visits every
	 * entry, so call it from a periodic task (e.g. once a minute), not per request.
	 * @returns how many entries were removed
	 * @example
	 * ```ts
	 * task.spawn(() => {
	 * 	for (;;) {
	 * 		task.wait(60);
	 * 		cache.purgeExpired();
	 * 	}
	 * });
	 * ```
	 */
	purgeExpired() {
		const now = this.clock();
		let removed = 0;
		for (const [, node] of this.nodes) {
			if (now >= node.expiresAt) {
				const level = this.levels[node.level];
				level.expirations += 1;
				this.expirations += 1;
				this.drop(node, level);
				removed += 1;
			}
		}
		return removed;
	}

	/**
	 * How many entries are cached (expired ones not yet seen included).
	 * @example
	 * ```ts
	 * print(`${cache.size()} entries cached`);
	 * ```
	 */
	size() {
		return this.entryCount;
	}

	/**
	 * The counters since construction, and the entries and approximate bytes per level now.
	 * @example
	 * ```ts
	 * const { hits, misses } = cache.getStats();
	 * ```
	 */
	getStats(): CacheStats {
		if (this.unmeasured > 0) {
			// Values set since the last call and still in levels that do not compress: measured now, once.
			for (const [, node] of this.nodes) {
				if (node.rawBytes < 0) {
					this.measure(node);
					node.bytes = node.rawBytes;
					this.levels[node.level].bytes += node.bytes;
				}
			}
			this.unmeasured = 0;
		}
		// L1's hits of the entries still there are in their nodes (the hot path counts nothing else).
		let l1Live = 0;
		for (const [, node] of this.nodes) {
			if (node.level === 0) l1Live += node.hits;
		}
		let hits = l1Live;
		for (const level of this.levels) hits += level.hits;
		let reached = hits + this.missCount;
		let bytes = 0;
		const levels = this.levels.map((level) => {
			const levelHits = level.index === 0 ? level.hits + l1Live : level.hits;
			reached -= levelHits;
			bytes += level.bytes;
			return {
				name: level.name,
				policy: level.policy.name,
				capacity: level.config.capacity,
				entries: level.size,
				bytes: level.bytes,
				hits: levelHits,
				misses: reached,
				evictions: level.evictions,
				expirations: level.expirations,
			};
		});
		return {
			levels,
			hits,
			misses: this.missCount,
			promotions: this.promotions,
			demotions: this.demotions,
			evictions: this.evictions,
			rejections: this.rejections,
			frequencyKeys: this.sketch.size(),
			expirations: this.expirations,
			corruptions: this.corruptions,
			compressedEntries: this.compressedEntries,
			entries: this.entryCount,
			bytes,
		};
	}

	/**
	 * Which level holds `key` ("L1", "L2", "L3"), or undefined; counts nothing.
	 * @example
	 * ```ts
	 * print(cache.levelOf("profile:1")); // L2
	 * ```
	 */
	levelOf(key: string): CacheLevelName | undefined {
		const node = this.nodes.get(key);
		return node ? this.levels[node.level].name : undefined;
	}

	/**
	 * Nodes whose links the eviction policies have written since construction: the specs' measure that
	 * get, set and eviction cost the same on a level of 100 entries and one of 10,000.
	 * @internal
	 */
	_nodeTouches() {
		let total = 0;
		for (const level of this.levels) total += level.policy.touches();
		return total;
	}

	/**
	 * Values measured (walked to estimate their bytes) since construction: the specs' proof that `set` and
	 * `get` never walk a value and that each value is measured once.
	 * @internal
	 */
	_measurements() {
		return this.measurements;
	}

	/**
	 * Finds a place for `node`, the victim of level `index - 1` (still linked there, and counted), in level
	 * `index` or below. When every level below is full, so that some entry must leave the cache, frequency
	 * decides (W-TinyLFU's admission): a full level keeps its victim when the victim was read more often than
	 * `node`, and `node` tries the next level; otherwise `node` takes the victim's place and the victim goes
	 * down in turn. While a level below has room, each level's own policy alone decides (the victim goes
	 * down). Whatever passes the last level, or expired, leaves the cache. At most one node moves per level.
	 */
	private descend(node: CacheNode, index: number, now: number) {
		const count = this.levels.size();
		let from = this.levels[index - 1];
		let crowded = this.admission;
		for (let i = index; crowded && i < count; i++) {
			const below = this.levels[i];
			crowded = below.size >= below.config.capacity;
		}
		for (;;) {
			if (now >= node.expiresAt) {
				this.unlink(node, from);
				from.expirations += 1;
				this.expirations += 1;
				this.forget(node);
				return;
			}
			if (index >= count) {
				this.unlink(node, from);
				this.evictions += 1;
				this.forget(node);
				return;
			}
			const level = this.levels[index];
			if (level.size < level.config.capacity) {
				this.demotions += 1;
				this.move(node, from, level, now);
				return;
			}
			const victim = level.policy.victim()!;
			if (now >= victim.expiresAt) {
				this.unlink(victim, level);
				level.expirations += 1;
				this.expirations += 1;
				this.forget(victim);
				this.demotions += 1;
				this.move(node, from, level, now);
				return;
			}
			if (crowded && this.loses(node, victim)) {
				if (index + 1 >= count) {
					this.rejections += 1;
					this.evictions += 1;
					this.unlink(node, from);
					this.forget(node);
					return;
				}
				index += 1;
				continue;
			}
			// The victim stays linked (the level holds one entry too many for a moment), so that it too can
			// move down without a link written.
			level.evictions += 1;
			this.demotions += 1;
			this.move(node, from, level, now);
			node = victim;
			from = level;
			index += 1;
		}
	}

	/**
	 * Moves `node` (linked and counted in `from`) into `to`. A level's oldest node going one level down, between
	 * queue levels, already sits at the newest end of the colder level's run in their shared list: only the
	 * boundary between the runs moves (QueuePolicy.passHead), and no link is written.
	 */
	private move(node: CacheNode, from: CacheLevel, to: CacheLevel, now: number) {
		this.leave(node, from);
		const queue = from.passesDown;
		if (queue === undefined || queue.head !== node || to.index !== from.index + 1) {
			from.policy.remove(node);
			this.place(node, to, now);
			return;
		}
		const config = to.config;
		const threshold = config.compressAbove;
		if (node.payload !== undefined || (threshold !== math.huge && this.compressible(node, threshold))) {
			// The value changes form on the way: enter() compresses or restores it.
			if (this.enter(node, to, now)) queue.passHead();
			else {
				queue.remove(node);
				this.forget(node);
			}
			return;
		}
		// The common demotion (every set into a full cache makes one or two), with enter() written out: on the VM
		// a call costs as much as the bookkeeping it would hide.
		const expiry = now + config.ttl;
		const deadline = node.deadline;
		node.expiresAt = expiry < deadline ? expiry : deadline;
		node.hotUntil = -math.huge; // below L1
		node.level = to.index;
		node.hits = 0;
		node.seen = 0;
		to.size += 1;
		to.bytes += node.bytes;
		queue.passHead();
	}

	/** Whether a level compressing from `threshold` bytes would compress `node`'s value (measured now if need be). */
	private compressible(node: CacheNode, threshold: number) {
		if (node.rawBytes < 0) {
			this.measure(node);
			node.bytes = node.rawBytes;
		}
		return node.plain && node.rawBytes >= threshold;
	}

	/**
	 * Whether `candidate` must yield to `incumbent`: it was read less often recently, or as often with reads
	 * counted (TinyLFU keeps the incumbent on ties, so keys read once cannot push out keys read once before
	 * them). Two entries never read keep the seed's order: the newer one stays.
	 */
	private loses(candidate: CacheNode, incumbent: CacheNode) {
		const counts = this.sketch.counts;
		const mine = (counts.get(candidate.key) ?? 0) + candidate.hits;
		const theirs = (counts.get(incumbent.key) ?? 0) + incumbent.hits;
		return mine < theirs || (mine === theirs && mine > 0);
	}

	/** Moves `node` from `level` up one level, swapping it with that level's victim when it is full. */
	private promote(node: CacheNode, level: CacheLevel, value: defined, now: number) {
		this.unlink(node, level);
		if (node.payload !== undefined) {
			// Already decoded by this read: keep the value, the hotter level re-compresses if it wants to.
			this.compressedEntries -= 1;
			node.payload = undefined;
			node.raw = value;
			node.bytes = node.rawBytes;
		}
		this.promotions += 1;
		const target = this.levels[level.index - 1];
		// The hotter level's victim stays linked until it moves down (see descend).
		let out: CacheNode | undefined;
		if (target.isFull()) {
			out = target.policy.victim()!;
			target.evictions += 1;
		}
		this.place(node, target, now);
		if (out !== undefined) {
			if (now >= out.expiresAt) {
				this.unlink(out, target);
				target.expirations += 1;
				this.expirations += 1;
				this.forget(out);
			} else {
				this.demotions += 1;
				this.move(out, target, level, now);
			}
		}
	}

	/**
	 * Links `node` into `level` with that level's TTL, compressing or restoring its value to suit the
	 * level's threshold. A value that fails to restore is dropped and reported.
	 */
	private place(node: CacheNode, level: CacheLevel, now: number) {
		if (this.enter(node, level, now)) level.policy.add(node);
		else this.forget(node);
	}

	/**
	 * Counts `node` in `level` with that level's TTL, compressing or restoring its value to suit the level's
	 * threshold; links nothing. False (nothing counted) when the value fails to restore: the caller drops it.
	 */
	private enter(node: CacheNode, level: CacheLevel, now: number) {
		const threshold = level.config.compressAbove;
		if (node.payload === undefined) {
			if (threshold !== math.huge && this.compressible(node, threshold)) this.compress(node);
		} else if (node.rawBytes < threshold) {
			const value = this.decode(node);
			if (value === undefined) return false;
			node.payload = undefined;
			node.raw = value;
			node.bytes = node.rawBytes;
			this.compressedEntries -= 1;
		}
		node.expiresAt = math.min(now + level.config.ttl, node.deadline);
		node.hotUntil =
			level.index === 0 && node.payload === undefined && !this.l1Touches ? node.expiresAt : -math.huge;
		node.level = level.index;
		node.hits = 0;
		node.seen = 0;
		level.size += 1;
		level.bytes += node.bytes;
		return true;
	}

	/** Measures the value of `node` (not yet measured) once: its bytes, and whether JSON keeps it intact. */
	private measure(node: CacheNode) {
		const [bytes, plain] = measureValue(node.raw);
		node.rawBytes = bytes;
		node.plain = plain;
		this.measurements += 1;
	}

	private compress(node: CacheNode) {
		const [ok, payload] = pcall(() => this.codec.compress(this.json.JSONEncode(node.raw)));
		// A value the encoder refuses, or that would not shrink, stays as it is and is not tried again.
		if (!ok || !typeIs(payload, "buffer") || buffer.len(payload) >= node.rawBytes) {
			node.plain = false;
			return;
		}
		const bytes = buffer.len(payload);
		node.payload = payload;
		node.raw = undefined;
		node.bytes = bytes;
		this.compressedEntries += 1;
	}

	/** The value of a compressed node, or undefined (queued for reporting) when it is damaged. */
	private decode(node: CacheNode): defined | undefined {
		const [ok, result] = pcall(() => this.json.JSONDecode(this.codec.decompress(node.payload!)));
		if (ok && result !== undefined) return result as defined;
		this.corruptions += 1;
		const reason = result instanceof CacheError ? result.message : tostring(result);
		this.pendingReports.push(new CacheError("CorruptEntry", `entry ${node.key} was dropped: ${reason}`));
		return undefined;
	}

	/** Tells onCorrupt about the entries dropped by the operation that just finished. */
	private flushReports() {
		if (this.pendingReports.size() === 0) return;
		const reports = this.pendingReports;
		this.pendingReports = [];
		for (const report of reports) this.onCorrupt(report);
	}

	/** Unlinks `node` from `level` and forgets it. */
	private drop(node: CacheNode, level: CacheLevel) {
		this.unlink(node, level);
		this.forget(node);
	}

	/**
	 * Unlinks `node` from `level`, handing the hits it collected there to the frequency sketch (and, from L1,
	 * to L1's hit count).
	 */
	private unlink(node: CacheNode, level: CacheLevel) {
		level.policy.remove(node);
		this.leave(node, level);
	}

	/** Takes `node` out of `level`'s counts (its links stay), handing its hits to the frequency sketch. */
	private leave(node: CacheNode, level: CacheLevel) {
		level.size -= 1;
		level.bytes -= node.bytes;
		if (node.hits > 0) {
			if (level.index === 0) level.hits += node.hits;
			this.sketch.add(node.key, node.hits);
			node.hits = 0;
		}
	}

	/** Forgets a node that is in no level: its key, its tags and its compressed count. */
	private forget(node: CacheNode) {
		if (this.nodes.get(node.key) === node) {
			this.nodes.delete(node.key);
			this.entryCount -= 1;
		}
		if (node.tags) this.tags.remove(node.key, node.tags);
		if (node.payload !== undefined) this.compressedEntries -= 1;
	}
}
