import type { AlertThresholds } from "./MetricsConfig";
import type { AlertStatus } from "./MetricsTypes";

/** What the thresholds are checked against. */
export interface AlertReading {
	readonly score: number;
	readonly queueDepth: number;
	/** The lowest remaining budget of the request types watched. */
	readonly budget: number;
	/** Undefined without backups. */
	readonly recoveryPoint?: number;
}

const RANK: Record<AlertStatus, number> = { healthy: 0, degraded: 1, critical: 2 };

/**
 * The alert status a reading has under `thresholds`: the worst of what each threshold says, with one
 * reason per threshold crossed.
 *
 * @example
 * ```ts
 * const { status, reasons } = evaluateAlert({ score: 45, queueDepth: 0, budget: 100 }, DEFAULT_ALERTS);
 * // "critical", ["health score 45 is below 50"]
 * ```
 */
export function evaluateAlert(
	reading: AlertReading,
	thresholds: Required<AlertThresholds>,
): { status: AlertStatus; reasons: Array<string> } {
	let status: AlertStatus = "healthy";
	const reasons = new Array<string>();
	const raise = (to: AlertStatus, reason: string) => {
		if (RANK[to] > RANK[status]) status = to;
		reasons.push(reason);
	};
	if (reading.score < thresholds.criticalBelow) {
		raise("critical", `health score ${reading.score} is below ${thresholds.criticalBelow}`);
	} else if (reading.score < thresholds.degradedBelow) {
		raise("degraded", `health score ${reading.score} is below ${thresholds.degradedBelow}`);
	}
	if (reading.queueDepth > thresholds.maxQueueDepth) {
		raise(
			"degraded",
			`${reading.queueDepth} DataStore requests are waiting (more than ${thresholds.maxQueueDepth})`,
		);
	}
	if (reading.budget < thresholds.minBudget) {
		raise("degraded", `DataStore request budget is down to ${reading.budget} (below ${thresholds.minBudget})`);
	}
	if (reading.recoveryPoint !== undefined && reading.recoveryPoint > thresholds.maxRecoveryPoint) {
		raise(
			"degraded",
			`backup recovery point is ${math.floor(reading.recoveryPoint)} s (more than ${thresholds.maxRecoveryPoint} s)`,
		);
	}
	return { status, reasons };
}
