/**
 * Typed access to the world's seeded fault plan (engine Faults.luau). The plan is one per run: a spec that
 * sets one must restore the previous plan, which {@link withFaults} does.
 */

/** A latency range in virtual seconds. */
export interface Range {
	min: number;
	max: number;
}

/** The sections of a fault plan; every section is optional. */
export interface FaultPlan {
	/** Seeds the plan's own random stream (default: drawn from the run's seed). */
	seed?: number;
	memoryStore?: { errorRate?: number; latency?: Range };
	messaging?: { lossRate?: number; duplicateRate?: number; delay?: Range };
	remotes?: { latency?: Range; unreliableLossRate?: number };
	/** A PurchaseGranted the backend fails to record (the purchase stays unresolved), per ProcessReceipt call. */
	marketplace?: { unrecordedGrantRate?: number };
	/** Crash server number `server` `at` seconds after it started. */
	crashes?: Array<{ server: number; at: number }>;
	/** Expected crashes per server per minute (exponential waiting times; servers marked faultImmune are spared). */
	crashRate?: number;
	/** Clock skew (seconds) of servers created afterwards, by server number. */
	clockSkew?: Record<number, number>;
	dataStore?: object;
}

type RawFaults = {
	configure(this: void, plan: FaultPlan): void;
	plan(this: void): FaultPlan;
};

function raw(): RawFaults {
	return __runtime.Faults as RawFaults;
}

/** Replaces the fault plan (running servers take its crashes too). */
export function configureFaults(plan: FaultPlan): void {
	raw().configure(plan);
}

/** The current fault plan. */
export function currentFaults(): FaultPlan {
	return raw().plan();
}

/** Runs `fn` under `plan`, then restores the previous plan even if `fn` throws. */
export function withFaults<T>(plan: FaultPlan, fn: () => T): T {
	const previous = raw().plan();
	raw().configure(plan);
	try {
		return fn();
	} finally {
		raw().configure(previous);
	}
}
