import type { HistogramSnapshot } from "./LatencyHistogram";

/** An alert status: the worst of the health score and the thresholds (see AlertThresholds). */
export type AlertStatus = "healthy" | "degraded" | "critical";

/** What {@link DataService.HealthChanged} passes to its listeners. */
export interface HealthChange {
	readonly status: AlertStatus;
	readonly previous: AlertStatus;
	/** GetHealthStatus().score when the status changed. */
	readonly score: number;
	/** Each threshold crossed, e.g. "health score 45 is below 50"; empty when healthy. */
	readonly reasons: ReadonlyArray<string>;
	/** Unix seconds. */
	readonly time: number;
}

/** One interval of metrics (GetMetrics().samples). Counts are of that interval unless said otherwise. */
export interface MetricsSample {
	/** Unix seconds at the end of the interval. */
	readonly time: number;
	/** Seconds the interval covered. */
	readonly seconds: number;
	/** Players in the server at the end of the interval (the budget grows with them). */
	readonly players: number;
	/**
	 * DataStore requests this service's DataAccessLayer sent, by Enum.DataStoreRequestType name (inboxes,
	 * transfers, backups, audit; every attempt counts). ProfileService's own profile loads and saves do not
	 * pass through it: they show only in `budgetLow`.
	 */
	readonly requests: Readonly<Record<string, number>>;
	/**
	 * Requests per minute the server may make, by request type (Roblox's server limits: 60 + 10 per
	 * player for GetAsync and for SetIncrementAsync).
	 */
	readonly budgetPerMinute: Readonly<Record<string, number>>;
	/** The lowest GetRequestBudgetForRequestType seen during the interval, by request type. */
	readonly budgetLow: Readonly<Record<string, number>>;
	/** The most DataStore requests waiting or running in the DataAccessLayer at once (read every check). */
	readonly queueDepth: number;
	readonly cacheHits: number;
	readonly cacheMisses: number;
	/** hits / (hits + misses) in the interval; undefined when the cache was not read. */
	readonly cacheHitRatio?: number;
	/** BackupManager's recovery point (seconds) at the end of the interval; undefined without backups. */
	readonly recoveryPoint?: number;
	/** AuditLogger counters since the start (undefined without auditing). */
	readonly audit?: { readonly logged: number; readonly dropped: number; readonly failedWrites: number };
	/** Consistency checks run and issues found, since the start. */
	readonly consistency: { readonly checks: number; readonly issues: number };
	/** GetHealthStatus().score at the end of the interval, and the lowest seen during it. */
	readonly score: number;
	readonly lowestScore: number;
	/** The alert status at the end of the interval. */
	readonly alert: AlertStatus;
	/** Latency of the operations that finished in the interval, by operation ("load", "update", ...). */
	readonly latency: Readonly<Record<string, HistogramSnapshot>>;
}

/** Which samples {@link DataService.GetMetrics} returns (Unix seconds, both ends included). */
export interface MetricsRange {
	readonly from?: number;
	readonly to?: number;
}

/** What {@link DataService.GetMetrics} returns. */
export interface MetricsReport {
	readonly enabled: boolean;
	/** Seconds per sample. */
	readonly interval: number;
	/** Samples kept at most (older ones are dropped). */
	readonly capacity: number;
	/** Samples in the range, oldest first. */
	readonly samples: ReadonlyArray<MetricsSample>;
	/** Latency of every operation since the service started, by operation. */
	readonly latency: Readonly<Record<string, HistogramSnapshot>>;
	/** The alert status now, why, and since when (Unix seconds). */
	readonly alert: { readonly status: AlertStatus; readonly reasons: ReadonlyArray<string>; readonly since: number };
	/** How many times HealthChanged fired. */
	readonly alertsFired: number;
}
