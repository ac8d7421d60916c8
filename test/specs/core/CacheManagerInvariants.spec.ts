import { CacheManager } from "shared/core/CacheManager";
import type { EvictionPolicyName } from "shared/core/cache/EvictionPolicy";
import { deepEqual } from "./CacheManagerHelpers";

interface Written {
	value: defined;
	tags: Array<string>;
}

function makeValue(random: Random, serial: number): defined {
	const kind = random.NextInteger(0, 2);
	if (kind === 0) return serial;
	if (kind === 1) return `value ${serial}`;
	// A table big enough to be compressed in L2 and L3 (threshold 200 bytes below).
	const items = new Array<string>();
	for (let i = 1; i <= random.NextInteger(1, 30); i++) items.push(`item ${serial} ${i}`);
	return { serial, items, nested: { flag: serial % 2 === 0, score: serial * 1.5 } };
}

export = () => {
	// Inside the spec function: TestEZ gives `expect` to the spec's environment only.
	/**
	 * Random operations against a model of what was written: a read returns the last value written under
	 * its key or nothing, never another value; levels never exceed their capacity; the counts and bytes add up.
	 */
	function run(policies: [EvictionPolicyName, EvictionPolicyName, EvictionPolicyName], seed: number) {
		const random = new Random(seed);
		let now = 0;
		const cache = new CacheManager({
			clock: () => now,
			levels: {
				L1: { capacity: 4, ttl: 60, policy: policies[0] },
				L2: { capacity: 8, ttl: 300, policy: policies[1], compressAbove: 200 },
				L3: { capacity: 16, ttl: 900, policy: policies[2], compressAbove: 200 },
			},
		});
		const written = new Map<string, Written>();
		const tags = ["player:1", "player:2", "player:3", "guild:9"];
		let serial = 0;
		for (let step = 1; step <= 3000; step++) {
			const key = `k${random.NextInteger(1, 40)}`;
			const action = random.NextInteger(1, 100);
			if (action <= 40) {
				serial += 1;
				const value = makeValue(random, serial);
				const entryTags = tags.filter(() => random.NextInteger(0, 3) === 0);
				cache.set(key, value, { tags: entryTags });
				written.set(key, { value, tags: entryTags });
			} else if (action <= 85) {
				const got = cache.get(key);
				if (got !== undefined) {
					const expected = written.get(key);
					expect(expected).to.be.ok();
					expect(deepEqual(got, expected!.value)).to.equal(true);
				}
			} else if (action <= 92) {
				cache.delete(key);
				written.delete(key);
				expect(cache.get(key)).to.equal(undefined);
			} else if (action <= 95) {
				const tag = tags[random.NextInteger(0, tags.size() - 1)];
				cache.invalidateTag(tag);
				for (const [k, entry] of written) {
					if (entry.tags.includes(tag)) {
						written.delete(k);
						expect(cache.has(k)).to.equal(false);
					}
				}
			} else {
				now += random.NextInteger(1, 120);
			}
			const stats = cache.getStats();
			let entries = 0;
			let bytes = 0;
			for (const level of stats.levels) {
				expect(level.entries <= level.capacity).to.equal(true);
				expect(level.bytes >= 0).to.equal(true);
				entries += level.entries;
				bytes += level.bytes;
			}
			expect(entries).to.equal(stats.entries);
			expect(entries).to.equal(cache.size());
			expect(bytes).to.equal(stats.bytes);
			expect(stats.compressedEntries <= stats.levels[1].entries + stats.levels[2].entries).to.equal(true);
		}
		for (let i = 1; i <= 40; i++) cache.delete(`k${i}`);
		const stats = cache.getStats();
		expect(stats.entries).to.equal(0);
		expect(stats.bytes).to.equal(0);
		expect(stats.compressedEntries).to.equal(0);
		expect(stats.corruptions).to.equal(0);
		expect(stats.hits > 100).to.equal(true);
		expect(stats.promotions > 10).to.equal(true);
		expect(stats.demotions > 100).to.equal(true);
		expect(stats.expirations > 10).to.equal(true);
	}

	describe("invariants under random operations", () => {
		const policies = ["LRU", "LFU", "FIFO"] as const;
		policies.forEach((policy, index) => {
			it(`${policy}: reads return the last value written or nothing, and counts and bytes add up`, () => {
				run([policy, policy, policy], 100 + index);
			});
		});
		// Queue levels (LRU, FIFO) next to each other share one list; an LFU level between them splits it.
		const mixes: Array<[EvictionPolicyName, EvictionPolicyName, EvictionPolicyName]> = [
			["LRU", "FIFO", "LRU"],
			["FIFO", "LRU", "LFU"],
			["LRU", "LFU", "FIFO"],
		];
		mixes.forEach((mix, index) => {
			it(`${mix.join("/")}: reads return the last value written or nothing, and counts and bytes add up`, () => {
				run(mix, 200 + index);
			});
		});
	});
};
