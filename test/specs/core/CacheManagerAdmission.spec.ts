import { CacheManager } from "shared/core/CacheManager";
import type { CacheConfig } from "shared/core/cache/CacheConfig";
import { FrequencySketch } from "shared/core/cache/FrequencySketch";
import { measureValue } from "shared/core/cache/measureValue";
import { catchCacheError, makeProfile } from "./CacheManagerHelpers";

/** Levels of `l1`, `l2` and `l3` entries on a frozen clock. */
function small(l1: number, l2: number, l3: number, extra: Partial<CacheConfig> = {}) {
	return new CacheManager<string>({
		clock: () => 0,
		...extra,
		levels: { L1: { capacity: l1 }, L2: { capacity: l2 }, L3: { capacity: l3 } },
	});
}

/** Where each of `keys` is, e.g. "old:L3 b:- c:L2" ("-" for gone); counts nothing. */
function placesOf(cache: CacheManager<string>, keys: Array<string>) {
	return keys.map((key) => `${key}:${cache.levelOf(key) ?? "-"}`).join(" ");
}

/** Cache-aside: reads `key`, loading (setting) it on a miss; returns whether the read hit. */
function read(cache: CacheManager<string>, key: string) {
	if (cache.get(key) !== undefined) return true;
	cache.set(key, key);
	return false;
}

/** Keys drawn from 1..universe with probability proportional to 1 / rank^s, seeded. */
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

export = () => {
	describe("frequency decides who leaves a full cache", () => {
		it("keeps an entry read more often than the newcomer: the newcomer leaves (a rejection)", () => {
			const cache = small(1, 1, 1);
			cache.set("old", "O");
			cache.get("old");
			cache.get("old"); // two L1 hits, handed to the sketch when old leaves L1
			cache.set("b", "B"); // old -> L2
			cache.set("c", "C"); // b -> L2, old -> L3: the cache is full
			cache.get("x"); // a miss: x read once
			cache.set("x", "X"); // c (never read) and b (never read) tie at zero: c takes L2, b meets old in L3
			expect(placesOf(cache, ["old", "b", "c"])).to.equal("old:L3 b:- c:L2");
			const stats = cache.getStats();
			expect(stats.rejections).to.equal(1);
			expect(stats.evictions).to.equal(1);
			expect(cache.size()).to.equal(3);
		});

		it("admits a newcomer read more often than the last level's victim, which leaves instead", () => {
			const cache = small(1, 1, 1);
			cache.set("a", "A");
			cache.get("a"); // a read once
			cache.set("b", "B"); // a -> L2
			for (let i = 1; i <= 5; i++) cache.get("b"); // b read five times
			cache.set("c", "C"); // b -> L2, a -> L3 (room)
			for (let i = 1; i <= 3; i++) cache.get("c"); // c read three times
			cache.set("d", "D"); // c yields to b (5) in L2, beats a (1) in L3: a leaves
			expect(placesOf(cache, ["a", "b", "c", "d"])).to.equal("a:- b:L2 c:L3 d:L1");
			const stats = cache.getStats();
			expect(stats.rejections).to.equal(0);
			expect(stats.evictions).to.equal(1);
		});

		it("on a tie between entries with reads, keeps the one already there", () => {
			const cache = small(1, 1, 1);
			cache.set("a", "A");
			cache.get("a");
			cache.set("b", "B"); // a -> L2
			cache.get("b");
			cache.set("c", "C"); // b -> L2, a -> L3 (room)
			cache.get("c");
			cache.set("d", "D"); // c (read once) ties b (once) in L2, then a (once) in L3: c leaves
			expect(placesOf(cache, ["a", "b", "c", "d"])).to.equal("a:L3 b:L2 c:- d:L1");
			expect(cache.getStats().rejections).to.equal(1);
		});

		it("lets each level's policy alone decide while a lower level has room", () => {
			const cache = small(1, 1, 5);
			cache.set("a", "A");
			cache.set("b", "B"); // a -> L2
			cache.get("a"); // one hit in L2: a was read more often than b
			cache.set("c", "C"); // b (never read) still pushes a down: L3 has room
			expect(placesOf(cache, ["a", "b"])).to.equal("a:L3 b:L2");
		});

		it("keeps the keys read often through a scan of 500 keys read once; the seed's cascade keeps none", () => {
			const survivors = [true, false].map((admission) => {
				const cache = small(10, 20, 30, { admission });
				for (let round = 1; round <= 5; round++) {
					for (let i = 1; i <= 40; i++) read(cache, `hot:${i}`);
				}
				for (let i = 1; i <= 500; i++) read(cache, `scan:${i}`);
				let kept = 0;
				for (let i = 1; i <= 40; i++) if (cache.has(`hot:${i}`)) kept += 1;
				return kept;
			});
			expect(survivors[0] >= 38).to.equal(true);
			expect(survivors[1]).to.equal(0);
		});

		it("beats the seed's levels by at least 1.05x on a seeded Zipf trace (s = 0.8, default levels)", () => {
			const trace = zipfKeys(new Random(20261126), 10000, 0.8, 40000);
			const ratios = [true, false].map((admission) => {
				const cache = new CacheManager<string>({ clock: () => 0, admission });
				let hits = 0;
				for (const key of trace) if (read(cache, key)) hits += 1;
				return hits / trace.size();
			});
			expect(ratios[0] / ratios[1] >= 1.05).to.equal(true);
		});

		it("rejects an admission option that is not a boolean", () => {
			const admission = 1 as unknown as boolean;
			expect(catchCacheError(() => new CacheManager({ admission })).message).to.equal(
				"admission must be a boolean, got number",
			);
		});
	});

	describe("the frequency sketch", () => {
		it("counts reads up to 15 and halves every count after sampleSize increments", () => {
			const sketch = new FrequencySketch(100);
			for (let i = 1; i <= 20; i++) sketch.increment("hot");
			expect(sketch.estimate("hot")).to.equal(15);
			for (let i = 1; i <= 3; i++) sketch.increment("warm");
			sketch.increment("once");
			expect(sketch.size()).to.equal(3);
			for (let i = 1; i <= 76; i++) sketch.increment(`filler:${i % 5}`); // 24 + 76: the 100th halves
			expect(sketch.resets).to.equal(1);
			expect(sketch.estimate("hot")).to.equal(7);
			expect(sketch.estimate("warm")).to.equal(1);
			expect(sketch.estimate("once")).to.equal(0);
			expect(sketch.size()).to.equal(7); // hot, warm and five fillers read 15 times each
		});

		it("never holds more keys than its sample size", () => {
			const sketch = new FrequencySketch(500);
			const random = new Random(3);
			let most = 0;
			for (let i = 1; i <= 20000; i++) {
				sketch.increment(`k${random.NextInteger(1, 100000)}`);
				most = math.max(most, sketch.size());
			}
			expect(most <= 500).to.equal(true);
			expect(sketch.resets >= 40).to.equal(true);
		});

		it("forgets old popularity: a key hot long ago loses to a key read since", () => {
			const cache = small(1, 1, 1);
			cache.set("past", "P");
			for (let i = 1; i <= 10; i++) cache.get("past"); // ten hits in L1
			cache.set("b", "B");
			cache.set("c", "C"); // past -> L3 (room), counted 10
			// 20 x 3 entries of capacity: the counts halve every 60 increments, and 200 reads of others pass.
			for (let i = 1; i <= 200; i++) cache.get(`other:${i % 50}`);
			cache.set("now", "N"); // c -> L2, b (never read) -> L3 against past, now aged to 0: past leaves
			expect(placesOf(cache, ["past", "b"])).to.equal("past:- b:L3");
			expect(cache.getStats().rejections).to.equal(0);
		});
	});

	describe("byte estimates off the set path", () => {
		it("never walks a value on set or get; getStats measures each value once", () => {
			const cache = new CacheManager({ clock: () => 0 });
			const random = new Random(5);
			const profiles = new Array<ReturnType<typeof makeProfile>>();
			for (let i = 1; i <= 50; i++) {
				const profile = makeProfile(i, random, 10);
				profiles.push(profile);
				cache.set(`p${i}`, profile);
				cache.get(`p${i}`);
			}
			expect(cache._measurements()).to.equal(0);
			let expected = 0;
			for (const profile of profiles) expected += measureValue(profile)[0];
			const stats = cache.getStats();
			expect(cache._measurements()).to.equal(50);
			expect(stats.levels[0].bytes).to.equal(expected);
			expect(stats.bytes).to.equal(expected);
			cache.getStats();
			expect(cache._measurements()).to.equal(50);
		});

		it("keeps bytes true through replace, delete, demotion and clear", () => {
			const cache = new CacheManager({
				clock: () => 0,
				levels: { L1: { capacity: 2 }, L2: { compressAbove: math.huge } },
			});
			const a = { name: string.rep("a", 100) };
			const b = { name: string.rep("b", 300), list: [1, 2, 3] };
			const c = "a string of some length";
			const [bytesA] = measureValue(a);
			const [bytesB] = measureValue(b);
			const [bytesC] = measureValue(c);
			cache.set("a", a);
			cache.set("b", b);
			expect(cache.getStats().bytes).to.equal(bytesA + bytesB);
			cache.set("a", c); // replaced before it was measured again
			expect(cache.getStats().levels[0].bytes).to.equal(bytesB + bytesC);
			cache.set("d", 1); // b -> L2, measured already
			const stats = cache.getStats();
			expect(stats.levels[1].bytes).to.equal(bytesB);
			expect(stats.levels[0].bytes).to.equal(bytesC + 8);
			cache.delete("b");
			cache.set("e", a); // a new entry, measured at the next getStats
			expect(cache.getStats().bytes).to.equal(bytesC + 8 + bytesA);
			cache.delete("e");
			cache.set("f", b); // never measured, deleted right away
			cache.delete("f");
			expect(cache.getStats().bytes).to.equal(bytesC + 8);
			cache.clear();
			cache.set("g", a);
			expect(cache.getStats().bytes).to.equal(bytesA);
		});

		it("measures a value once when it first enters a level that compresses", () => {
			const cache = new CacheManager({ clock: () => 0, levels: { L1: { capacity: 1 } } });
			cache.set("p", makeProfile(1, new Random(1), 40));
			expect(cache._measurements()).to.equal(0);
			cache.set("q", 1); // p -> L2 (compresses at 1 KiB): measured to decide
			expect(cache._measurements()).to.equal(1);
			expect(cache.getStats().compressedEntries).to.equal(1);
			cache.set("r", 2); // q -> L2, p -> L3: p is not measured again
			expect(cache._measurements()).to.equal(2);
			cache.getStats(); // r in L1 is measured now
			expect(cache._measurements()).to.equal(3);
		});
	});
};
