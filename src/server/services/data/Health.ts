import type { HealthStatus, ServiceStatistics } from "./DataServiceTypes";

/** What {@link assessHealth} looks at. */
export interface HealthInput {
	readonly stats: ServiceStatistics;
	/** DataStore requests waiting in the DataAccessLayer. */
	readonly pendingRequests: number;
	readonly maxConcurrentOperations: number;
	/** ProfileService's CriticalState (many DataStore errors). */
	readonly criticalState: boolean;
	readonly shuttingDown: boolean;
}

function ratio(bad: number, all: number): number {
	return all === 0 ? 0 : bad / all;
}

/**
 * Folds a DataService's counters into a health report: each problem lowers a score from 100 and adds an
 * issue with what to do about it; 80 and up is healthy, 50 and up degraded, below critical.
 * @example
 * ```ts
 * const { status } = assessHealth({ stats, pendingRequests: 0, maxConcurrentOperations: 10, criticalState: false, shuttingDown: false });
 * ```
 */
export function assessHealth(input: HealthInput): HealthStatus {
	const issues = new Array<string>();
	const recommendations = new Array<string>();
	let score = 100;
	const s = input.stats;
	const loadFailure = ratio(s.loadFailures, s.loads + s.loadFailures);
	if (loadFailure > 0.05) {
		score -= math.min(40, loadFailure * 100);
		issues.push(`${math.floor(loadFailure * 100)}% of profile loads failed`);
		recommendations.push("check DataStore availability and session-lock takeovers");
	}
	const durableFailure = ratio(s.durableFailures, s.durableSaves + s.durableFailures);
	if (durableFailure > 0) {
		score -= math.min(30, durableFailure * 100 + 10);
		issues.push(`${s.durableFailures} durable saves were not confirmed in time`);
		recommendations.push("raise operationTimeout or reduce DataStore load");
	}
	if (s.transferFailures > 0) {
		score -= math.min(15, s.transferFailures * 5);
		issues.push(`${s.transferFailures} gifts or trades failed to commit`);
		recommendations.push("look at DataAccessLayer transaction errors");
	}
	if (s.lostSessions > 0) {
		score -= math.min(20, s.lostSessions * 5);
		issues.push(`${s.lostSessions} profiles were taken over by another server while this one used them`);
		recommendations.push("check MessagingService and MemoryStore health: release requests or heartbeats are lost");
	}
	if (input.pendingRequests > input.maxConcurrentOperations * 2) {
		score -= 15;
		issues.push(`${input.pendingRequests} DataStore requests are waiting`);
		recommendations.push("the server is over its DataStore budget: batch or defer background writes");
	}
	if (input.criticalState) {
		score -= 30;
		issues.push("ProfileService reports a critical state (many DataStore errors)");
		recommendations.push("avoid non-essential DataStore traffic until it clears");
	}
	if (input.shuttingDown) issues.push("the server is shutting down");
	score = math.clamp(math.floor(score), 0, 100);
	return {
		status: score >= 80 ? "healthy" : score >= 50 ? "degraded" : "critical",
		issues,
		score,
		recommendations,
	};
}
