/** TinyLFU's 4-bit counters: a key read more often than this is simply "hot". */
const MAX_COUNT = 15;

/**
 * How often each key was read recently: the admission filter of the cache (TinyLFU's frequency sketch).
 *
 * Counts are capped at 15 and aged like TinyLFU's: after `sampleSize` increments every count is halved and
 * the keys left at zero are forgotten, so the counts follow the recent popularity of each key and the table
 * never holds more than `sampleSize` keys (each increment adds at most one key between two halvings).
 *
 * Why a table rather than a count-min sketch of hashed counters: on Luau a sketch must hash the key string
 * in Luau code (about 1.4 us for a 10-character key on the headless VM, eight table lookups), while a table
 * keyed by the string reuses the hash the VM stored when it interned the string. The counts are exact (no
 * collisions), which simulated slightly better hit ratios than a 4-row sketch of the same sample size; the
 * price is memory: at most `sampleSize` keys (32,000 for the default 1,600 entries; `size()` reports it).
 *
 * @example
 * ```ts
 * const sketch = new FrequencySketch(16000);
 * sketch.increment("player:1");
 * sketch.estimate("player:1"); // 1
 * ```
 * @internal
 */
export class FrequencySketch {
	/** The counts by key; replaced by each halving, so read it afresh (CacheManager reads it directly). */
	counts = new Map<string, number>();
	private additions = 0;
	private keys = 0;
	/** Halvings since construction. */
	resets = 0;

	/**
	 * @param sampleSize increments between two halvings (TinyLFU uses 10 to 20 times the cache's capacity)
	 */
	constructor(private readonly sampleSize: number) {}

	/** Counts one read of `key`. */
	increment(key: string) {
		const count = this.counts.get(key);
		if (count === undefined) {
			this.counts.set(key, 1);
			this.keys += 1;
		} else if (count < MAX_COUNT) {
			this.counts.set(key, count + 1);
		}
		this.additions += 1;
		if (this.additions >= this.sampleSize) this.age();
	}

	/** Counts `reads` reads of `key` at once (hits a cached entry collected while it sat in a level). */
	add(key: string, reads: number) {
		const count = this.counts.get(key);
		if (count === undefined) this.keys += 1;
		this.counts.set(key, math.min(MAX_COUNT, (count ?? 0) + reads));
		this.additions += reads;
		if (this.additions >= this.sampleSize) this.age();
	}

	/** The recent reads of `key` (0 to 15). */
	estimate(key: string) {
		return this.counts.get(key) ?? 0;
	}

	/** Keys with a count, i.e. the table's size. */
	size() {
		return this.keys;
	}

	/** Halves every count and forgets the keys that reach zero; amortized O(1) per increment. */
	private age() {
		const halved = new Map<string, number>();
		let keys = 0;
		for (const [key, count] of this.counts) {
			if (count > 1) {
				halved.set(key, math.floor(count / 2));
				keys += 1;
			}
		}
		this.counts = halved;
		this.keys = keys;
		this.additions = math.floor(this.additions / 2);
		this.resets += 1;
	}
}
