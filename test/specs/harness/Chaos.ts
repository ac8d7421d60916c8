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
