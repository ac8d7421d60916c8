/**
 * A token bucket: holds at most `burst` tokens and refills `rate` tokens per second; each action takes
 * one. Time is passed in, so specs and the virtual clock drive it.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket(10, 20, os.clock());
 * if (!bucket.take(os.clock())) return; // over 10/s sustained, 20 at once
 * ```
 */
export class TokenBucket {
	private tokens: number;
	private last: number;

	/**
	 * @param rate tokens added per second
	 * @param burst the most tokens held (and the bucket's starting fill)
	 * @param now the current time in seconds
	 */
	constructor(
		private readonly rate: number,
		private readonly burst: number,
		now: number,
	) {
		this.tokens = burst;
		this.last = now;
	}

	/**
	 * Takes one token if there is one.
	 *
	 * @param now the current time in seconds
	 * @returns true when the action may go ahead
	 */
	take(now: number): boolean {
		const elapsed = now - this.last;
		// Only time moving forward refills (0 × an infinite rate would be NaN, and a clock that steps back must
		// not earn the same seconds twice).
		if (elapsed > 0) {
			this.tokens = math.min(this.burst, this.tokens + elapsed * this.rate);
			this.last = now;
		}
		if (this.tokens >= 1) {
			this.tokens -= 1;
			return true;
		}
		return false;
	}
}
