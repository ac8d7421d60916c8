import { HttpService } from "@rbxts/services";
import { CacheManager } from "shared/core/CacheManager";
import type { CacheNode } from "shared/core/cache/CacheNode";
import type { EvictionPolicyName } from "shared/core/cache/EvictionPolicy";
import { LzCodec } from "shared/core/cache/LzCodec";
import { NodeList } from "shared/core/cache/NodeList";
import { makeProfile } from "../../test/specs/core/CacheManagerHelpers";
import { Bench } from "./harness/Bench";

/** The baseline: one LRU level (a Map and a linked list), no TTL, no tags, no sizes. */
class SingleLru {
	private readonly nodes = new Map<string, CacheNode>();
	private readonly list = new NodeList();
	private count = 0;
	constructor(private readonly capacity: number) {}
	get(key: string) {
		const node = this.nodes.get(key);
		if (!node) return undefined;
		if (this.list.tail !== node) {
			this.list.unlink(node);
			this.list.push(node);
		}
		return node.raw;
	}
	set(key: string, value: defined) {
		const old = this.nodes.get(key);
		if (old) {
			this.list.unlink(old);
			this.count -= 1;
		}
		if (this.count >= this.capacity) {
			const victim = this.list.head!;
			this.list.unlink(victim);
			this.nodes.delete(victim.key);
			this.count -= 1;
		}
		const node: CacheNode = {
			key,
			raw: value,
			rawBytes: 0,
			plain: false,
			bytes: 0,
			level: 0,
			expiresAt: 0,
			deadline: 0,
			hits: 0,
		};
		this.list.push(node);
		this.nodes.set(key, node);
		this.count += 1;
	}
}

/** `count` keys drawn from ranks 1..universe with probability proportional to 1 / rank^s. */
function zipfKeys(random: Random, universe: number, s: number, count: number) {
	const cdf = new Array<number>();
	let total = 0;
	for (let rank = 1; rank <= universe; rank++) {
		total += 1 / rank ** s;
		cdf.push(total);
	}
	const keys = new Array<string>();
	for (let i = 0; i < count; i++) {
		const u = random.NextNumber() * total;
		let lo = 0;
		let hi = universe - 1;
		while (lo < hi) {
			const mid = math.floor((lo + hi) / 2);
			if (cdf[mid] < u) lo = mid + 1;
			else hi = mid;
		}
		keys.push(`player:${lo + 1}`);
	}
	return keys;
}

function hitRatio(keys: Array<string>, get: (key: string) => unknown, set: (key: string) => void) {
	let hits = 0;
	for (const key of keys) {
		if (get(key) !== undefined) hits += 1;
		else set(key);
	}
	return hits / keys.size();
}

function threeLevels(policy: EvictionPolicyName, promoteAfter = 2) {
	return new CacheManager<number>({
		clock: () => 0,
		promoteAfter,
		levels: { L1: { policy }, L2: { policy }, L3: { policy } },
	});
}

/**
 * CacheManager against a plain Luau table and a single-level LRU of the same total capacity (1,600 entries):
 * get and set cost, hit ratio on a Zipf workload, and LzCodec's ratio and speed on player profiles.
 */
export = (bench: Bench) => {
	const TOTAL = 1600;
	const keys = new Array<string>();
	for (let i = 1; i <= TOTAL; i++) keys.push(`player:${i}`);

	// get: every key present, read round robin.
	const map = new Map<string, number>();
	const lru = new SingleLru(TOTAL);
	const cache = new CacheManager<number>({
		clock: () => 0,
		levels: { L1: { capacity: TOTAL } },
	});
	for (let i = 1; i <= TOTAL; i++) {
		map.set(keys[i - 1], i);
		lru.set(keys[i - 1], i);
		cache.set(keys[i - 1], i);
	}
	let at = 0;
	const mapGet = bench.time(() => {
		at = (at % TOTAL) + 1;
		map.get(keys[at - 1]);
	});
	const lruGet = bench.time(() => {
		at = (at % TOTAL) + 1;
		lru.get(keys[at - 1]);
	});
	const cacheGet = bench.time(() => {
		at = (at % TOTAL) + 1;
		cache.get(keys[at - 1]);
	});
	bench.record("get: Map (plain Luau table)", mapGet * 1e9, "ns/op");
	bench.record("get: single-level LRU", lruGet * 1e9, "ns/op");
	bench.record("get: CacheManager, L1 hit", cacheGet * 1e9, "ns/op");
	bench.ratio("get: CacheManager / Map", cacheGet, mapGet, "<= 10");
	bench.ratio("get: CacheManager / single-level LRU", cacheGet, lruGet, "<= 2");

	// get from L2 (promotion off, so the entry stays there; values under the compression threshold).
	const l2 = new CacheManager<number>({
		clock: () => 0,
		promoteAfter: 1e9,
		levels: { L1: { capacity: 1 } },
	});
	for (let i = 1; i <= 500; i++) l2.set(keys[i - 1], i);
	const l2Get = bench.time(() => {
		at = (at % 498) + 1;
		l2.get(keys[at - 1]);
	});
	bench.record("get: CacheManager, L2 hit", l2Get * 1e9, "ns/op");

	// set: steady state on full structures, so every CacheManager set demotes through all three levels.
	const mapSet = new Map<string, number>();
	const setLru = new SingleLru(TOTAL);
	const setCache = threeLevels("LRU");
	const stream = new Array<string>();
	for (let i = 1; i <= 20000; i++) stream.push(`key:${i}`);
	for (let i = 1; i <= TOTAL; i++) {
		setLru.set(stream[i - 1], i);
		setCache.set(stream[i - 1], i);
	}
	let cursor = 0;
	const mapSetTime = bench.time(() => {
		cursor = (cursor % 20000) + 1;
		mapSet.set(stream[cursor - 1], cursor);
	});
	const lruSetTime = bench.time(() => {
		cursor = (cursor % 20000) + 1;
		setLru.set(stream[cursor - 1], cursor);
	});
	const cacheSetTime = bench.time(() => {
		cursor = (cursor % 20000) + 1;
		setCache.set(stream[cursor - 1], cursor);
	});
	bench.record("set: Map (plain Luau table)", mapSetTime * 1e9, "ns/op");
	bench.record("set: single-level LRU, evicting", lruSetTime * 1e9, "ns/op");
	bench.record("set: CacheManager, demoting through 3 levels", cacheSetTime * 1e9, "ns/op");
	const roomy = new CacheManager({ clock: () => 0, levels: { L1: { capacity: 10 } } });
	const bigProfile = makeProfile(1, new Random(1), 40);
	const profileSet = bench.time(() => roomy.set("p", bigProfile));
	bench.record("set: 40-item profile into L1 (measures the value, no compression)", profileSet * 1e6, "us/op");
	bench.ratio("set: CacheManager / Map", cacheSetTime, mapSetTime, "<= 20");
	bench.ratio("set: CacheManager / single-level LRU", cacheSetTime, lruSetTime, "<= 4");

	// Hit ratio: 200,000 requests over 10,000 players, Zipf s = 1, seeded; a miss loads (sets) the key.
	const workload = zipfKeys(new Random(20261126), 10000, 1, 200000);
	const single = new SingleLru(TOTAL);
	const lruRatio = hitRatio(
		workload,
		(key) => single.get(key),
		(key) => single.set(key, 1),
	);
	bench.record("Zipf hit ratio: single-level LRU, 1,600 entries", lruRatio, "");
	for (const policy of ["LRU", "LFU", "FIFO"] as const) {
		const levels = threeLevels(policy);
		const ratio = hitRatio(
			workload,
			(key) => levels.get(key),
			(key) => levels.set(key, 1),
		);
		bench.record(`Zipf hit ratio: CacheManager 100/500/1000, ${policy}`, ratio, "");
		if (policy === "LRU")
			bench.ratio("Zipf hit ratio: CacheManager LRU / single-level LRU", ratio, lruRatio, ">= 1");
	}
	const eager = threeLevels("LRU", 1);
	const eagerRatio = hitRatio(
		workload,
		(key) => eager.get(key),
		(key) => eager.set(key, 1),
	);
	bench.record("Zipf hit ratio: CacheManager LRU, promoteAfter 1", eagerRatio, "");

	// Compression on realistic profiles of 10, 40 and 150 items.
	const codec = new LzCodec();
	const random = new Random(1);
	for (const items of [10, 40, 150]) {
		const json = HttpService.JSONEncode(makeProfile(1000 + items, random, items));
		const packed = codec.compress(json);
		if (codec.decompress(packed) !== json) error("LzCodec round trip failed");
		const megabytes = json.size() / 1e6;
		const compressTime = bench.time(() => codec.compress(json));
		const decompressTime = bench.time(() => codec.decompress(packed));
		bench.record(`profile ${items} items: JSON size`, json.size(), "bytes");
		bench.record(`profile ${items} items: compressed / JSON`, buffer.len(packed) / json.size(), "");
		bench.record(`profile ${items} items: compress`, megabytes / compressTime, "MB/s");
		bench.record(`profile ${items} items: decompress`, megabytes / decompressTime, "MB/s");
	}

	// What a compressed L2 read costs end to end (decompress + JSON decode) against an uncompressed one.
	const profile = makeProfile(7, random, 40);
	const stored = new CacheManager({
		clock: () => 0,
		promoteAfter: 1e9,
		levels: { L1: { capacity: 1 } },
	});
	const plainL2 = new CacheManager({
		clock: () => 0,
		promoteAfter: 1e9,
		levels: { L1: { capacity: 1 }, L2: { compressAbove: math.huge } },
	});
	for (const c of [stored, plainL2]) {
		c.set("p", profile);
		c.set("other", 1);
	}
	const compressedRead = bench.time(() => stored.get("p"));
	const profileJson = HttpService.JSONEncode(profile);
	const profilePacked = codec.compress(profileJson);
	const decodeTime = bench.time(() => HttpService.JSONDecode(profileJson));
	const inflateTime = bench.time(() => codec.decompress(profilePacked));
	const plainRead = bench.time(() => plainL2.get("p"));
	bench.record("get: 40-item profile from L2, compressed", compressedRead * 1e6, "us/op");
	bench.record("get: 40-item profile from L2, uncompressed", plainRead * 1e6, "us/op");
	bench.record("  of which LzCodec.decompress", inflateTime * 1e6, "us/op");
	bench.record("  of which HttpService:JSONDecode (the runtime's Luau emulation)", decodeTime * 1e6, "us/op");
	const [storedStats, plainStats] = [stored.getStats(), plainL2.getStats()];
	bench.ratio(
		"L2 bytes of a 40-item profile: compressed / in-memory estimate",
		storedStats.levels[1].bytes,
		plainStats.levels[1].bytes,
		"<= 0.5",
	);
};
