import type { Bench } from "./Bench";

/**
 * The value at fraction `p` of `values` (nearest rank: p99 of 200 values is the second largest).
 * @example
 * ```ts
 * percentile([1, 2, 3, 4], 0.5); // 2
 * ```
 */
export function percentile(values: ReadonlyArray<number>, p: number): number {
	if (values.size() === 0) return 0 / 0;
	const sorted = [...values].sort((a, b) => a < b);
	return sorted[math.clamp(math.ceil(p * sorted.size()) - 1, 0, sorted.size() - 1)];
}

/**
 * Records `value` beside its goal, `at most limit` (or `at least limit` with `atLeast`), saying met or missed.
 * @returns whether the goal was met.
 */
export function recordGoal(
	bench: Bench,
	name: string,
	value: number,
	unit: string,
	limit: number,
	atLeast = false,
): boolean {
	const met = atLeast ? value >= limit : value <= limit;
	bench.record(name, value, unit, `${atLeast ? ">=" : "<="} ${limit}: ${met ? "met" : "MISSED"}`);
	return met;
}
