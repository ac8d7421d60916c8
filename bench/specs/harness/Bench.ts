/**
 * The benchmark API handed to every `bench/specs/*.bench.ts` module. Benchmarks measure real (wall-clock)
 * time on the headless runtime and report ratios against a baseline measured in the same run, so the
 * figures hold on any machine; nothing here asserts a speed.
 */
export interface Bench {
	/**
	 * Real seconds per call of `fn`: calls it in growing batches until a batch takes at least
	 * `minSeconds` (default 0.05), repeats `rounds` times (default 5) and returns the fastest round.
	 */
	time(fn: () => void, minSeconds?: number, rounds?: number): number;
	/**
	 * Records a figure, e.g. `record("hit ratio", 0.93, "")`; `goal`, when given, is printed beside it
	 * (e.g. "<= 2: met").
	 */
	record(name: string, value: number, unit: string, goal?: string): void;
	/** Records `value / baseline` under `name`, with the goal it is measured against (e.g. "<= 1"). */
	ratio(name: string, value: number, baseline: number, goal: string): number;
	/** Real seconds since the VM started. */
	clock(): number;
}

/** A benchmark module: `export = (bench: Bench) => { ... }`. */
export type BenchModule = (bench: Bench) => void;
