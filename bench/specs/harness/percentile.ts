/**
 * The `p` percentile (0..1) of `values`, nearest rank.
 * @example percentile([3, 1, 2], 0.5); // 2
 */
export function percentile(values: ReadonlyArray<number>, p: number): number {
	const sorted = [...values].sort((a, b) => a < b);
	return sorted[math.clamp(math.ceil(p * sorted.size()) - 1, 0, sorted.size() - 1)];
}
