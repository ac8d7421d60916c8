import { CacheManager } from "shared/core/CacheManager";
import { DEFAULT_CACHE_LEVELS } from "shared/core/cache/CacheConfig";
import type { CacheConfig } from "shared/core/cache/CacheConfig";
import { catchCacheError } from "./CacheManagerHelpers";

/** A cache whose levels hold `l1`, `l2` and `l3` entries, with the given policies. */
function small(l1: number, l2: number, l3: number, extra: Partial<CacheConfig> = {}, policy?: "LRU" | "LFU" | "FIFO") {
	return new CacheManager<string>({
		...extra,
		levels: {
			L1: { capacity: l1, policy },
			L2: { capacity: l2, policy },
			L3: { capacity: l3, policy },
		},
	});
}

export = () => {
	describe("configuration", () => {
		it("uses the original defaults: L1 100 entries / 60 s, L2 500 / 300 s, L3 1000 / 3600 s", () => {
			const stats = new CacheManager().getStats();
			expect(stats.levels.map((l) => `${l.name}:${l.capacity}:${l.policy}`).join(" ")).to.equal(
				"L1:100:LRU L2:500:LRU L3:1000:LRU",
			);
			expect(DEFAULT_CACHE_LEVELS.L1.ttl).to.equal(60);
			expect(DEFAULT_CACHE_LEVELS.L2.ttl).to.equal(300);
			expect(DEFAULT_CACHE_LEVELS.L3.ttl).to.equal(3600);
		});

		it("rejects a capacity of 0 with an InvalidConfig error naming the option", () => {
			const err = catchCacheError(() => new CacheManager({ levels: { L1: { capacity: 0 } } }));
			expect(err.kind).to.equal("InvalidConfig");
			expect(err.message).to.equal("L1.capacity must be a whole number of at least 1, got 0");
		});

		it("rejects a fractional or infinite capacity", () => {
			expect(catchCacheError(() => new CacheManager({ levels: { L2: { capacity: 2.5 } } })).message).to.equal(
				"L2.capacity must be a whole number of at least 1, got 2.5",
			);
			expect(catchCacheError(() => new CacheManager({ levels: { L3: { capacity: math.huge } } })).kind).to.equal(
				"InvalidConfig",
			);
		});

		it("rejects a TTL that is zero, negative or NaN", () => {
			for (const ttl of [0, -5, 0 / 0]) {
				const err = catchCacheError(() => new CacheManager({ levels: { L2: { ttl } } }));
				expect(err.kind).to.equal("InvalidConfig");
				expect(err.message.find("L2.ttl must be a positive number of seconds", 1, true)[0]).to.equal(1);
			}
		});

		it("rejects an unknown policy, naming the level", () => {
			const err = catchCacheError(
				() =>
					new CacheManager({
						levels: { L3: { policy: "MRU" as unknown as "LRU" } },
					}),
			);
			expect(err.kind).to.equal("InvalidConfig");
			expect(err.message).to.equal('L3.policy must be "LRU", "LFU" or "FIFO", got MRU');
		});

		it("rejects an unknown level or level option", () => {
			const levels = {
				L4: { capacity: 3 },
			} as unknown as CacheConfig["levels"];
			expect(catchCacheError(() => new CacheManager({ levels })).message).to.equal(
				"levels has no level L4; the levels are L1, L2 and L3",
			);
			const option = { L1: { size: 3 } } as unknown as CacheConfig["levels"];
			expect(catchCacheError(() => new CacheManager({ levels: option })).message).to.equal(
				"L1 has no option size",
			);
		});

		it("rejects a misspelt option and a clock that is not a function", () => {
			const typo = { level: { L1: { capacity: 5 } } } as unknown as CacheConfig;
			expect(catchCacheError(() => new CacheManager(typo)).message).to.equal("config has no option level");
			const clock = 5 as unknown as () => number;
			expect(catchCacheError(() => new CacheManager({ clock })).message).to.equal(
				"clock must be a function, got number",
			);
		});

		it("rejects promoteAfter below 1", () => {
			expect(catchCacheError(() => new CacheManager({ promoteAfter: 0 })).message).to.equal(
				"promoteAfter must be a whole number of at least 1, got 0",
			);
		});

		it("rejects a nil value, a non-string key, a bad TTL and a non-string tag with InvalidArgument", () => {
			const cache = new CacheManager();
			const nilValue = catchCacheError(() => cache.set("a", undefined as unknown as defined));
			expect(nilValue.message).to.equal("value for a is nil; use delete to remove an entry");
			expect(catchCacheError(() => cache.set(5 as unknown as string, 1)).message).to.equal(
				"key must be a string, got number",
			);
			expect(catchCacheError(() => cache.set("a", 1, { ttl: -1 })).kind).to.equal("InvalidArgument");
			expect(catchCacheError(() => cache.set("a", 1, { tags: [7 as unknown as string] })).message).to.equal(
				"tags for a must be strings",
			);
			const notArray = { tags: "player:1" as unknown as Array<string> };
			expect(catchCacheError(() => cache.set("a", 1, notArray)).message).to.equal(
				"tags for a must be an array of strings",
			);
			expect(cache.size()).to.equal(0);
		});
	});

	describe("eviction order", () => {
		it("LRU pushes the least recently read entry out of a full level", () => {
			const cache = small(3, 10, 10, {}, "LRU");
			cache.set("a", "A");
			cache.set("b", "B");
			cache.set("c", "C");
			cache.get("a");
			cache.set("d", "D");
			expect(cache.levelOf("b")).to.equal("L2");
			expect(cache.levelOf("a")).to.equal("L1");
			cache.set("e", "E");
			expect(cache.levelOf("c")).to.equal("L2");
			expect(cache.levelOf("a")).to.equal("L1");
		});

		it("LRU marks a read entry instead of moving it (CLOCK): a get writes no links, the eviction forgives it once", () => {
			const cache = small(3, 10, 10, {}, "LRU");
			cache.set("a", "A");
			cache.set("b", "B");
			cache.set("c", "C");
			const before = cache._nodeTouches();
			for (let i = 1; i <= 5; i++) cache.get("a");
			expect(cache._nodeTouches()).to.equal(before);
			cache.set("d", "D"); // a, read, goes to the back: b leaves L1
			expect(cache.levelOf("b")).to.equal("L2");
			cache.set("e", "E"); // c, never read, leaves
			expect(cache.levelOf("c")).to.equal("L2");
			cache.set("f", "F"); // a's mark was spent on the first pass: a leaves now
			expect(cache.levelOf("a")).to.equal("L2");
			expect(cache.levelOf("d")).to.equal("L1");
		});

		it("FIFO pushes the oldest arrival out, whatever was read", () => {
			const cache = small(3, 10, 10, {}, "FIFO");
			cache.set("a", "A");
			cache.set("b", "B");
			cache.set("c", "C");
			cache.get("a");
			cache.get("a");
			cache.set("d", "D");
			expect(cache.levelOf("a")).to.equal("L2");
			cache.set("e", "E");
			expect(cache.levelOf("b")).to.equal("L2");
			expect(cache.levelOf("c")).to.equal("L1");
		});

		it("LFU pushes the least often read entry out", () => {
			const cache = small(3, 10, 10, {}, "LFU");
			cache.set("a", "A");
			cache.set("b", "B");
			cache.set("c", "C");
			cache.get("a");
			cache.get("a");
			cache.get("c");
			cache.set("d", "D"); // b read 0 times
			expect(cache.levelOf("b")).to.equal("L2");
			cache.set("e", "E"); // d read 0 times, c once, a twice
			expect(cache.levelOf("d")).to.equal("L2");
			cache.get("e");
			cache.get("e");
			cache.set("f", "F"); // c once, e twice, a twice
			expect(cache.levelOf("c")).to.equal("L2");
			expect(cache.levelOf("a")).to.equal("L1");
			expect(cache.levelOf("e")).to.equal("L1");
		});

		it("LFU breaks ties by arrival: the older of two equally read entries goes first", () => {
			const cache = small(2, 10, 10, {}, "LFU");
			cache.set("a", "A");
			cache.set("b", "B");
			cache.get("b");
			cache.get("a");
			cache.set("c", "C");
			// a and b were both read once; b reached frequency 2 first, so it is the older of the bucket.
			expect(cache.levelOf("b")).to.equal("L2");
			expect(cache.levelOf("a")).to.equal("L1");
		});

		it("cascades down the levels and drops what falls off L3", () => {
			const cache = small(1, 1, 1);
			for (const key of ["a", "b", "c", "d"]) cache.set(key, key.upper());
			expect(cache.levelOf("d")).to.equal("L1");
			expect(cache.levelOf("c")).to.equal("L2");
			expect(cache.levelOf("b")).to.equal("L3");
			expect(cache.levelOf("a")).to.equal(undefined);
			expect(cache.get("a")).to.equal(undefined);
			const stats = cache.getStats();
			expect(stats.demotions).to.equal(5);
			expect(stats.evictions).to.equal(1);
			expect(stats.levels.map((l) => l.evictions).join(",")).to.equal("3,2,1");
			expect(cache.size()).to.equal(3);
		});

		it("LFU on L3 drops the least read entry when the cache is full", () => {
			const cache = new CacheManager<string>({
				promoteAfter: 5,
				levels: { L1: { capacity: 1 }, L2: { capacity: 1 }, L3: { capacity: 2, policy: "LFU" } },
			});
			for (const key of ["a", "b", "c", "d"]) cache.set(key, key); // a, b in L3
			cache.get("a");
			cache.set("e", "e"); // c reaches L3, which drops b (never read) and keeps a
			expect(cache.levelOf("b")).to.equal(undefined);
			expect(cache.levelOf("a")).to.equal("L3");
			expect(cache.levelOf("c")).to.equal("L3");
			expect(cache.getStats().evictions).to.equal(1);
		});

		it("uses each level's own policy", () => {
			const cache = new CacheManager<string>({
				levels: {
					L1: { capacity: 1 },
					L2: { capacity: 2, policy: "FIFO" },
					L3: { capacity: 5 },
				},
			});
			cache.set("a", "A");
			cache.set("b", "B"); // a -> L2
			cache.set("c", "C"); // b -> L2
			cache.get("a"); // one hit in L2, no promotion; FIFO ignores it
			cache.set("d", "D"); // c -> L2, L2 full: a (first in) -> L3
			expect(cache.levelOf("a")).to.equal("L3");
			expect(cache.levelOf("b")).to.equal("L2");
		});
	});

	describe("TTL on virtual time", () => {
		it("returns an L1 entry until 60 s have passed, then never again", () => {
			const cache = new CacheManager<string>();
			cache.set("a", "A");
			task.wait(59);
			expect(cache.get("a")).to.equal("A");
			task.wait(2);
			expect(cache.get("a")).to.equal(undefined);
			expect(cache.has("a")).to.equal(false);
			const stats = cache.getStats();
			expect(stats.expirations).to.equal(1);
			expect(stats.levels[0].expirations).to.equal(1);
			expect(stats.hits).to.equal(1);
			expect(stats.misses).to.equal(1);
			expect(cache.size()).to.equal(0);
		});

		it("honours a per-entry TTL shorter than the level's", () => {
			const cache = new CacheManager<string>();
			cache.set("a", "A", { ttl: 5 });
			cache.set("b", "B");
			task.wait(5.5);
			expect(cache.get("a")).to.equal(undefined);
			expect(cache.get("b")).to.equal("B");
		});

		it("gives a demoted entry the lower level's TTL, counted from the demotion", () => {
			const cache = small(1, 5, 5);
			cache.set("a", "A");
			task.wait(50);
			cache.set("b", "B"); // a moves to L2 at t = 50, to expire at t = 350
			task.wait(100);
			expect(cache.get("a")).to.equal("A"); // t = 150: past L1's 60 s, within L2's 300 s
			task.wait(199);
			expect(cache.has("a")).to.equal(true); // t = 349
			task.wait(2);
			expect(cache.get("a")).to.equal(undefined); // t = 351
		});

		it("never extends a per-entry TTL by demotion", () => {
			const cache = small(1, 5, 5);
			cache.set("a", "A", { ttl: 30 });
			cache.set("b", "B");
			expect(cache.levelOf("a")).to.equal("L2");
			task.wait(31);
			expect(cache.get("a")).to.equal(undefined);
		});

		it("drops an expired victim instead of demoting it", () => {
			const cache = small(1, 5, 5);
			cache.set("a", "A");
			task.wait(61);
			cache.set("b", "B");
			expect(cache.levelOf("a")).to.equal(undefined);
			const stats = cache.getStats();
			expect(stats.demotions).to.equal(0);
			expect(stats.expirations).to.equal(1);
			expect(cache.size()).to.equal(1);
		});

		it("reads the injected clock", () => {
			let now = 1000;
			const cache = new CacheManager<string>({ clock: () => now });
			cache.set("a", "A");
			now += 59.9;
			expect(cache.get("a")).to.equal("A");
			now += 0.1;
			expect(cache.get("a")).to.equal(undefined);
		});

		it("expires an entry an hour after it reached L3", () => {
			// A spec may run 1800 virtual seconds, so the hour passes on an injected clock.
			let now = 0;
			const cache = small(1, 1, 5, { clock: () => now });
			cache.set("a", "A");
			cache.set("b", "B");
			cache.set("c", "C"); // a -> L3 at t = 0
			expect(cache.levelOf("a")).to.equal("L3");
			now = 3599;
			expect(cache.has("a")).to.equal(true);
			now = 3600;
			expect(cache.get("a")).to.equal(undefined);
			expect(cache.getStats().levels[2].expirations).to.equal(1);
		});
	});

	describe("purging expired entries", () => {
		it("removes every expired entry at once and counts each as an expiration", () => {
			const cache = small(2, 2, 10);
			for (const key of ["a", "b", "c", "d", "e"]) cache.set(key, key, { tags: ["t"] }); // a in L3, b-c L2, d-e L1
			task.wait(61); // past L1's TTL only
			expect(cache.purgeExpired()).to.equal(2);
			expect(cache.size()).to.equal(3);
			expect(cache.levelOf("d")).to.equal(undefined);
			expect(cache.getStats().levels[0].expirations).to.equal(2);
			expect(cache.getStats().levels[0].bytes).to.equal(0);
			expect(cache.invalidateTag("t")).to.equal(3);
		});
	});

	describe("promotion and demotion", () => {
		// L2 and L3 store values above 1 KiB compressed; only those move up into L1 (L1 is the newcomers' window).
		const A = string.rep("A", 2000);
		const B = string.rep("B", 2000);

		it("moves a compressed L2 entry to L1 on its second hit, swapping with L1's victim", () => {
			const cache = small(1, 5, 5, { promoteAfter: 2 });
			cache.set("a", A);
			cache.set("b", B); // a -> L2
			expect(cache.get("a")).to.equal(A);
			expect(cache.levelOf("a")).to.equal("L2");
			expect(cache.get("a")).to.equal(A);
			expect(cache.levelOf("a")).to.equal("L1");
			expect(cache.levelOf("b")).to.equal("L2");
			const stats = cache.getStats();
			expect(stats.promotions).to.equal(1);
			expect(stats.demotions).to.equal(2);
			expect(stats.levels[1].hits).to.equal(2);
		});

		it("reads a plain L2 entry where it is: it never moves up into L1", () => {
			const cache = small(1, 5, 5, { promoteAfter: 2 });
			cache.set("a", "A");
			cache.set("b", "B"); // a -> L2
			for (let i = 1; i <= 5; i++) expect(cache.get("a")).to.equal("A");
			expect(cache.levelOf("a")).to.equal("L2");
			expect(cache.levelOf("b")).to.equal("L1");
			const stats = cache.getStats();
			expect(stats.promotions).to.equal(0);
			expect(stats.levels[1].hits).to.equal(5);
		});

		it("moves an L3 entry up one level at a time", () => {
			const cache = small(1, 1, 5, { promoteAfter: 2 });
			cache.set("a", A);
			cache.set("b", "B");
			cache.set("c", "C"); // a -> L3
			cache.get("a");
			cache.get("a");
			expect(cache.levelOf("a")).to.equal("L2");
			expect(cache.levelOf("b")).to.equal("L3");
			cache.get("a");
			cache.get("a");
			expect(cache.levelOf("a")).to.equal("L1");
			expect(cache.levelOf("c")).to.equal("L2");
			expect(cache.getStats().promotions).to.equal(2);
		});

		it("moves a plain L3 entry up into L2, swapping with L2's victim", () => {
			const cache = small(1, 1, 5, { promoteAfter: 2 });
			cache.set("a", "A");
			cache.set("b", "B");
			cache.set("c", "C"); // a -> L3, b -> L2
			cache.get("a");
			cache.get("a");
			expect(["a", "b", "c"].map((key) => cache.levelOf(key) ?? "-").join(",")).to.equal("L2,L3,L1");
			expect(cache.getStats().promotions).to.equal(1);
		});

		it("promotes on the third hit in a level by default", () => {
			const cache = small(1, 5, 5);
			cache.set("a", A);
			cache.set("b", B); // a -> L2
			cache.get("a");
			cache.get("a");
			expect(cache.levelOf("a")).to.equal("L2");
			cache.get("a");
			expect(cache.levelOf("a")).to.equal("L1");
			expect(cache.getStats().promotions).to.equal(1);
		});

		it("promotes after the configured number of hits", () => {
			const cache = small(1, 5, 5, { promoteAfter: 4 });
			cache.set("a", A);
			cache.set("b", B);
			for (let i = 1; i <= 3; i++) cache.get("a");
			expect(cache.levelOf("a")).to.equal("L2");
			cache.get("a");
			expect(cache.levelOf("a")).to.equal("L1");
		});

		it("promotes into a level with room without demoting anything", () => {
			const cache = small(2, 5, 5, { promoteAfter: 2 });
			cache.set("a", A);
			cache.set("b", B);
			cache.set("c", "C"); // a -> L2
			cache.delete("b"); // L1 has room
			cache.get("a");
			cache.get("a");
			expect(cache.levelOf("a")).to.equal("L1");
			expect(cache.getStats().demotions).to.equal(1);
		});

		it("restarts the hit count when an entry changes level", () => {
			const cache = small(1, 5, 5, { promoteAfter: 2 });
			cache.set("a", A);
			cache.set("b", B); // a -> L2
			cache.get("a");
			cache.get("a"); // a -> L1, b -> L2
			cache.get("b"); // one hit for b in L2
			expect(cache.levelOf("b")).to.equal("L2");
			cache.get("b");
			expect(cache.levelOf("b")).to.equal("L1");
		});
	});

	describe("tags, delete and clear", () => {
		it("invalidates every entry tagged player:123 across levels and leaves the rest", () => {
			const cache = small(2, 2, 10);
			cache.set("profile:123", "P", { tags: ["player:123"] });
			cache.set("inventory:123", "I", { tags: ["player:123", "inventory"] });
			cache.set("profile:456", "Q", { tags: ["player:456"] });
			cache.set("inventory:456", "J", { tags: ["player:456", "inventory"] });
			cache.set("x", "X");
			cache.set("y", "Y");
			expect(cache.levelOf("profile:123")).to.equal("L3");
			expect(cache.invalidateTag("player:123")).to.equal(2);
			expect(cache.get("profile:123")).to.equal(undefined);
			expect(cache.get("inventory:123")).to.equal(undefined);
			expect(cache.get("profile:456")).to.equal("Q");
			expect(cache.size()).to.equal(4);
			expect(cache.invalidateTag("inventory")).to.equal(1);
			expect(cache.get("inventory:456")).to.equal(undefined);
		});

		it("returns 0 for a tag nothing carries, and for a tag already invalidated", () => {
			const cache = new CacheManager<string>();
			cache.set("a", "A", { tags: ["t"] });
			expect(cache.invalidateTag("nobody")).to.equal(0);
			expect(cache.invalidateTag("t")).to.equal(1);
			expect(cache.invalidateTag("t")).to.equal(0);
		});

		it("forgets the tags of an entry that was replaced, deleted or evicted", () => {
			const cache = small(1, 1, 1);
			cache.set("a", "A", { tags: ["t"] });
			cache.set("a", "A2");
			expect(cache.invalidateTag("t")).to.equal(0);
			expect(cache.get("a")).to.equal("A2");
			cache.set("b", "B", { tags: ["u"] });
			cache.delete("b");
			cache.set("b", "B2");
			expect(cache.invalidateTag("u")).to.equal(0);
			cache.set("c", "C", { tags: ["v"] });
			for (const key of ["d", "e", "f"]) cache.set(key, key);
			expect(cache.levelOf("c")).to.equal(undefined);
			expect(cache.invalidateTag("v")).to.equal(0);
		});

		it("deletes one entry and says whether it was there", () => {
			const cache = new CacheManager<string>();
			cache.set("a", "A");
			expect(cache.delete("a")).to.equal(true);
			expect(cache.delete("a")).to.equal(false);
			expect(cache.get("a")).to.equal(undefined);
			expect(cache.getStats().levels[0].bytes).to.equal(0);
		});

		it("clears every level, keeping the statistics", () => {
			const cache = small(1, 1, 5);
			for (const key of ["a", "b", "c", "d"]) cache.set(key, key, { tags: ["all"] });
			cache.get("d");
			cache.clear();
			expect(cache.size()).to.equal(0);
			expect(cache.get("d")).to.equal(undefined);
			expect(cache.invalidateTag("all")).to.equal(0);
			const stats = cache.getStats();
			expect(stats.entries).to.equal(0);
			expect(stats.bytes).to.equal(0);
			expect(stats.levels.map((l) => l.entries).join(",")).to.equal("0,0,0");
			expect(stats.hits).to.equal(1);
			cache.set("e", "E");
			expect(cache.get("e")).to.equal("E");
		});

		it("replaces the value of an existing key in place of the old entry", () => {
			const cache = small(1, 5, 5);
			cache.set("a", "A");
			cache.set("b", "B"); // a -> L2
			cache.set("a", "A2"); // back to L1, b -> L2
			expect(cache.size()).to.equal(2);
			expect(cache.levelOf("a")).to.equal("L1");
			expect(cache.get("a")).to.equal("A2");
		});
	});

	describe("statistics", () => {
		it("counts hits per level and misses at every level a read reached", () => {
			const cache = small(1, 1, 5);
			cache.set("a", "A");
			cache.set("b", "B");
			cache.set("c", "C"); // c L1, b L2, a L3
			cache.get("c");
			cache.get("c"); // 2 L1 hits
			cache.get("b"); // 1 L2 hit
			cache.get("a"); // 1 L3 hit
			cache.get("zzz"); // a miss everywhere
			const stats = cache.getStats();
			expect(stats.hits).to.equal(4);
			expect(stats.misses).to.equal(1);
			expect(stats.levels.map((l) => `${l.hits}/${l.misses}`).join(" ")).to.equal("2/3 1/2 1/1");
		});

		it("counts the L1 hits of entries still in L1 and of entries that left it, once each", () => {
			const cache = small(2, 5, 5);
			cache.set("a", "A");
			cache.set("b", "B");
			cache.get("a");
			cache.get("a");
			cache.get("b"); // 3 L1 hits, held in the entries
			expect(cache.getStats().levels[0].hits).to.equal(3);
			cache.set("c", "C"); // both were read: each goes to the back once, then a leaves L1 with its 2 hits
			expect(cache.levelOf("a")).to.equal("L2");
			cache.set("d", "D"); // b leaves L1 with its hit
			expect(cache.levelOf("b")).to.equal("L2");
			cache.get("c"); // 1 more L1 hit
			const stats = cache.getStats();
			expect(stats.levels[0].hits).to.equal(4);
			expect(stats.hits).to.equal(4);
			expect(cache.getStats().levels[0].hits).to.equal(4); // reading the statistics counts nothing
		});

		it("tracks approximate bytes per level as entries come and go", () => {
			const cache = small(1, 5, 5);
			// 900 bytes: under L2's 1 KiB compression threshold, so it keeps its size when demoted.
			cache.set("a", string.rep("x", 900));
			const l1 = cache.getStats().levels[0].bytes;
			expect(l1 >= 900 && l1 < 1000).to.equal(true);
			cache.set("b", "B");
			const stats = cache.getStats();
			expect(stats.levels[1].bytes).to.equal(l1);
			expect(stats.bytes).to.equal(stats.levels[0].bytes + l1);
			cache.delete("a");
			expect(cache.getStats().levels[1].bytes).to.equal(0);
		});
	});
};
