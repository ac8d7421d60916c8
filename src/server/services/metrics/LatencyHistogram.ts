/**
 * Upper bounds (seconds) of the latency buckets: roughly 1-2.5-5 per decade from 10 ms to 30 s, plus one
 * bucket for anything slower. A DataStore request takes tens to hundreds of milliseconds; a handoff
 * between servers or a durable save seconds; a lock wait up to `operationTimeout` (30 s).
 */
export const LATENCY_BOUNDS: ReadonlyArray<number> = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** A histogram's counts as plain data (what GetMetrics returns). */
export interface HistogramSnapshot {
	/** Upper bound of each bucket but the last (seconds); the last bucket counts everything slower. */
	readonly bounds: ReadonlyArray<number>;
	/** `counts[i]` latencies at most `bounds[i]` (and above `bounds[i - 1]`); `counts[bounds.size()]` slower. */
	readonly counts: ReadonlyArray<number>;
	readonly count: number;
	/** Seconds, all latencies added. */
	readonly sum: number;
	readonly max: number;
	/** Operations that failed (their latencies are counted too). */
	readonly failed: number;
}

/**
 * Counts latencies in fixed buckets ({@link LATENCY_BOUNDS}): constant memory, whatever the number of
 * operations, and percentiles good to a bucket.
 *
 * @example
 * ```ts
 * const h = new LatencyHistogram();
 * h.record(0.12, true);
 * h.percentile(0.95); // 0.25: the upper bound of the bucket holding the 95th percentile
 * ```
 */
export class LatencyHistogram {
	private readonly counts = new Array<number>();
	private count = 0;
	private sum = 0;
	private max = 0;
	private failed = 0;

	constructor() {
		for (let i = 0; i <= LATENCY_BOUNDS.size(); i++) this.counts.push(0);
	}

	/** Counts one operation that took `seconds` (negative or NaN counts as 0); `ok` false counts a failure. */
	record(seconds: number, ok: boolean): void {
		const s = seconds >= 0 ? seconds : 0;
		let bucket = LATENCY_BOUNDS.size();
		for (let i = 0; i < LATENCY_BOUNDS.size(); i++) {
			if (s <= LATENCY_BOUNDS[i]) {
				bucket = i;
				break;
			}
		}
		this.counts[bucket] += 1;
		this.count += 1;
		this.sum += s;
		this.max = math.max(this.max, s);
		if (!ok) this.failed += 1;
	}

	/** Adds another histogram's counts into this one. */
	add(other: HistogramSnapshot): void {
		for (let i = 0; i < this.counts.size(); i++) this.counts[i] += other.counts[i] ?? 0;
		this.count += other.count;
		this.sum += other.sum;
		this.max = math.max(this.max, other.max);
		this.failed += other.failed;
	}

	/**
	 * The upper bound of the bucket holding the `q` quantile (0 < q <= 1), the observed maximum for the
	 * last bucket; 0 when empty.
	 */
	percentile(q: number): number {
		return percentileOf(this.snapshot(), q);
	}

	/** A copy of the counts. */
	snapshot(): HistogramSnapshot {
		return {
			bounds: LATENCY_BOUNDS,
			counts: [...this.counts],
			count: this.count,
			sum: this.sum,
			max: this.max,
			failed: this.failed,
		};
	}
}

/**
 * The upper bound of the bucket of `h` holding the `q` quantile (the maximum for the open last bucket, and
 * never more than the maximum); 0 for an empty histogram.
 * @example
 * ```ts
 * const p95 = percentileOf(metrics.latency.load, 0.95);
 * ```
 */
export function percentileOf(h: HistogramSnapshot, q: number): number {
	if (h.count === 0) return 0;
	const rank = math.max(1, math.ceil(h.count * q));
	let seen = 0;
	for (let i = 0; i < h.counts.size(); i++) {
		seen += h.counts[i];
		if (seen >= rank) return i < h.bounds.size() ? math.min(h.bounds[i], h.max) : h.max;
	}
	return h.max;
}
