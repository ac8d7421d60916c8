/** The median and the scaled median absolute deviation of a population. */
export interface RobustStatistics {
	readonly median: number;
	/** 1.4826 × MAD: the standard deviation for normal data, unmoved by a few outliers. */
	readonly scale: number;
	readonly count: number;
}

function medianOf(sorted: ReadonlyArray<number>): number {
	const n = sorted.size();
	if (n === 0) return 0;
	const mid = math.floor(n / 2);
	return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Median and scaled MAD of `values`. When more than half the values are equal the MAD is 0; the scale
 * then falls back to 1.2533 × the mean absolute deviation (also a standard-deviation estimate), so one
 * extreme value among many identical ones still stands out without every small difference doing so.
 *
 * @example
 * ```ts
 * const { median, scale } = robustStatistics([1, 2, 3, 100]); // median 2.5
 * ```
 */
export function robustStatistics(values: ReadonlyArray<number>): RobustStatistics {
	const sorted = [...values];
	sorted.sort((a, b) => a < b);
	const median = medianOf(sorted);
	const deviations = sorted.map((v) => math.abs(v - median));
	deviations.sort((a, b) => a < b);
	let scale = 1.4826 * medianOf(deviations);
	if (scale === 0 && deviations.size() > 0) {
		let sum = 0;
		for (const d of deviations) sum += d;
		scale = (1.2533 * sum) / deviations.size();
	}
	return { median, scale, count: sorted.size() };
}
