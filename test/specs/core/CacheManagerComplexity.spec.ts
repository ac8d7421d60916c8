import { CacheManager } from "shared/core/CacheManager";
import type { EvictionPolicyName } from "shared/core/cache/EvictionPolicy";

const POLICIES: Array<EvictionPolicyName> = ["LRU", "LFU", "FIFO"];

/** A cache of three levels of `capacity` entries each, all using `policy`, on a frozen clock; two hits promote. */
function make(capacity: number, policy: EvictionPolicyName) {
	return new CacheManager<number>({
		clock: () => 0,
		promoteAfter: 2,
		levels: {
			L1: { capacity, policy },
			L2: { capacity, policy },
			L3: { capacity, policy },
		},
	});
}

function fill(cache: CacheManager<number>, count: number, prefix = "k") {
	for (let i = 1; i <= count; i++) cache.set(`${prefix}${i}`, i);
}

/** Node touches of `fn` on `cache`. */
function touchesOf(cache: CacheManager<number>, fn: () => void) {
	const before = cache._nodeTouches();
	fn();
	return cache._nodeTouches() - before;
}

export = () => {
	describe("constant work per operation", () => {
		for (const policy of POLICIES) {
			it(`${policy}: a set into a full 10,000-entry L1 touches as many nodes as into a 100-entry one`, () => {
				const results = [100, 10000].map((capacity) => {
					const cache = make(capacity, policy);
					fill(cache, capacity);
					const touches = touchesOf(cache, () => cache.set("new", 0));
					expect(cache.levelOf("k1")).to.equal("L2"); // the eviction did happen
					return touches;
				});
				expect(results[1]).to.equal(results[0]);
				expect(results[1] <= 12).to.equal(true);
			});

			it(`${policy}: a set cascading through three full 10,000-entry levels touches a constant number of nodes`, () => {
				const results = [100, 10000].map((capacity) => {
					const cache = make(capacity, policy);
					fill(cache, capacity * 3);
					const touches = touchesOf(cache, () => cache.set("new", 0));
					const stats = cache.getStats();
					expect(stats.evictions).to.equal(1);
					expect(stats.levels.map((l) => l.entries).join(",")).to.equal(
						`${capacity},${capacity},${capacity}`,
					);
					return touches;
				});
				expect(results[1]).to.equal(results[0]);
				expect(results[1] <= 30).to.equal(true);
			});
		}

		for (const policy of ["LRU", "FIFO"] as const) {
			it(`${policy}: a set cascading through three full levels writes the links of one arrival and one departure`, () => {
				// The queue levels share one list, so each demotion only moves a boundary (QueuePolicy.passHead):
				// the newcomer's links (2 nodes) and the departing L3 victim's (2 nodes), as in a single LRU.
				const cache = make(100, policy);
				fill(cache, 300);
				const touches = touchesOf(cache, () => cache.set("new", 0));
				expect(touches).to.equal(4);
				expect(cache.getStats().demotions).to.equal(100 + 2 * 100 + 2); // k101..k200 one each, k201..k300 and "new" two
				const places = ["k1", "k2", "k101", "k201", "new"].map((key) => cache.levelOf(key) ?? "-");
				expect(places.join(",")).to.equal("-,L3,L3,L2,L1");
			});
		}

		it("a read and a promotion touch the same number of nodes on 10,000 entries as on 100", () => {
			const results = [100, 10000].map((capacity) => {
				const cache = make(capacity, "LRU");
				fill(cache, capacity * 3); // k1..k{capacity} in L3
				const read = touchesOf(cache, () => cache.get(`k${capacity * 3 - 1}`));
				const promote = touchesOf(cache, () => {
					cache.get("k5");
					cache.get("k5");
				});
				expect(cache.levelOf("k5")).to.equal("L2");
				return `${read}/${promote}`;
			});
			expect(results[1]).to.equal(results[0]);
		});

		it("LFU reads touch a constant number of nodes whatever the spread of frequencies", () => {
			const results = [100, 10000].map((capacity) => {
				const cache = make(capacity, "LFU");
				fill(cache, capacity);
				// Give k1..k50 frequencies 2..51: fifty one buckets, the lowest holding the rest of the level.
				for (let i = 1; i <= 50; i++) {
					for (let j = 1; j <= i; j++) cache.get(`k${i}`);
				}
				return touchesOf(cache, () => {
					cache.get("k25"); // joins k26's bucket, emptying its own
					cache.set("new", 0);
				});
			});
			expect(results[1]).to.equal(results[0]);
		});

		it("invalidating a tag touches the tagged entries only, not the whole cache", () => {
			const results = [100, 10000].map((capacity) => {
				const cache = make(capacity, "LRU");
				fill(cache, capacity);
				for (let i = 1; i <= 3; i++) cache.set(`tagged${i}`, i, { tags: ["player:123"] });
				let removed = 0;
				const touches = touchesOf(cache, () => {
					removed = cache.invalidateTag("player:123");
				});
				expect(removed).to.equal(3);
				return touches;
			});
			expect(results[1]).to.equal(results[0]);
			expect(results[1] <= 9).to.equal(true);
		});
	});
};
