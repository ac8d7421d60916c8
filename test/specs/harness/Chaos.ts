/**
 * Seeds for chaos specs. A normal `npm test` runs each chaos spec over its default number of seeds;
 * `npm run chaos -- --seeds N` (or `npm test -- --seeds N`) runs N. Seeds derive from the run seed
 * (`--seed`), and each scenario re-seeds the runtime with its own seed, so a failing scenario named
 * "(seed S)" replays exactly with `npm test -- --filter "(seed S)"`.
 */

type RawRuntime = {
	host: { option(this: void, name: string): unknown; seed(this: void): number };
	Random: { seed(this: void, seed: number): void };
};

function runtime(): RawRuntime {
	return __runtime as unknown as RawRuntime;
}

/**
 * The scenario seeds a chaos spec runs: `defaultCount` of them unless --seeds says otherwise. A scenario
 * that costs as much as many ordinary ones (the 2,000-transfer run) passes `oneIn`: a chaos run of N seeds
 * then runs it ceil(N / oneIn) times, so `--seeds 1000` stays bounded by the ordinary scenarios.
 */
export function chaosSeeds(defaultCount: number, oneIn = 1): Array<number> {
	const requested = tonumber(runtime().host.option("seeds"));
	const count = requested !== undefined ? math.ceil(requested / oneIn) : defaultCount;
	const base = runtime().host.seed();
	const seeds = new Array<number>();
	for (let i = 1; i <= count; i++) seeds.push(base * 100000 + i);
	return seeds;
}

/** Re-seeds every random stream of the runtime (Random.new, math.random, GUIDs) for one scenario. */
export function reseed(seed: number): void {
	runtime().Random.seed(seed);
}

/**
 * Throws "invariant broken: ..." when `condition` does not hold. Scenario helpers of chaos specs run outside
 * the spec callbacks, where TestEZ's expect is not in scope.
 */
export function invariant(condition: boolean, message: string): void {
	if (!condition) error(`invariant broken: ${message}`, 2);
}

/** DataStore error codes a caller retries (error-codes-and-limits: 301-306 throttled, 500-505 internal). */
export const RETRYABLE_CODES = [301, 302, 303, 304, 305, 306, 500, 501, 502, 503, 504, 505];

/**
 * The DataStore faults of the game-level chaos specs: 5% of requests fail with a retryable code, 3% of
 * writes land and still report failure, latency up to 0.3 s with a 5% tail up to 2 s.
 */
export const GAME_DATASTORE_FAULTS = {
	errorRate: { "*": 0.05 },
	errorCodes: RETRYABLE_CODES,
	failedButAppliedRate: 0.03,
	latency: { min: 0.02, max: 0.3, tailRate: 0.05, tailMax: 2 },
};

/** True when the run asked for a number of seeds (`npm run chaos`, `--seeds`): long scenarios run in full. */
export function isChaosRun(): boolean {
	return runtime().host.option("seeds") !== undefined;
}
