const HttpService = game.GetService("HttpService");

function draws(rng: Random, n: number): Array<number> {
	const out = new Array<number>();
	for (let i = 0; i < n; i++) out.push(rng.NextNumber());
	return out;
}

/** Everything the run's master seed drives: math.random, unseeded Random.new and GenerateGUID. */
function masterStream(): string {
	const parts = new Array<string>();
	for (let i = 0; i < 3; i++) parts.push(tostring(math.random()));
	parts.push(tostring(math.random(1, 1000000)));
	parts.push(tostring(new Random().NextNumber()));
	parts.push(HttpService.GenerateGUID(false));
	parts.push(HttpService.GenerateGUID(false));
	return parts.join(" ");
}

/** Re-seeds the run's master stream with `seed` for `fn`, then continues from a value the run itself drew. */
function withMasterSeed<T>(seed: number, fn: () => T): T {
	const resume = __runtime.Random.integer(1, 2 ** 31);
	__runtime.Random.seed(seed);
	try {
		return fn();
	} finally {
		__runtime.Random.seed(resume);
	}
}

export = () => {
	describe("determinism", () => {
		it("Random.new(seed) gives the same sequence for the same seed and a different one for another", () => {
			const a = draws(new Random(12345), 20).join(",");
			const b = draws(new Random(12345), 20).join(",");
			const c = draws(new Random(12346), 20).join(",");
			expect(a).to.equal(b);
			expect(a).never.to.equal(c);
		});

		it("gives negative and very large seeds streams of their own", () => {
			const first = (seed: number) => draws(new Random(seed), 4).join(",");
			expect(first(-5)).never.to.equal(first(5));
			expect(first(-5)).never.to.equal(first(12));
			expect(first(2 ** 32 + 1)).never.to.equal(first(1));
			expect(first(-5)).to.equal(first(-5));
		});

		it("Random:NextInteger stays within its inclusive bounds and reaches both ends", () => {
			const rng = new Random(7);
			let low = false;
			let high = false;
			for (let i = 0; i < 2000; i++) {
				const v = rng.NextInteger(-3, 3);
				expect(v >= -3 && v <= 3 && v % 1 === 0).to.equal(true);
				if (v === -3) low = true;
				if (v === 3) high = true;
			}
			expect(low && high).to.equal(true);
			expect(() => rng.NextInteger(5, 1)).to.throw("interval is empty");
		});

		it("Random:NextNumber draws from [min, max) and Random:Clone continues the same stream", () => {
			const rng = new Random(99);
			for (let i = 0; i < 1000; i++) {
				const v = rng.NextNumber(2, 5);
				expect(v >= 2 && v < 5).to.equal(true);
			}
			const copy = rng.Clone();
			expect(draws(copy, 10).join(",")).to.equal(draws(rng, 10).join(","));
		});

		it("the same run seed gives the same math.random, Random.new() and GenerateGUID stream", () => {
			const first = withMasterSeed(2024, masterStream);
			const again = withMasterSeed(2024, masterStream);
			const other = withMasterSeed(2025, masterStream);
			expect(first).to.equal(again);
			expect(first).never.to.equal(other);
		});
	});
};
