/**
 * When {@link DataService.HealthChanged} fires: the alert status is the worst of what each threshold
 * says, and the signal fires each time it changes.
 */
export interface AlertThresholds {
	/** Health score (GetHealthStatus) below which the status is at least "degraded" (default 80). */
	readonly degradedBelow?: number;
	/** Health score below which the status is "critical" (default 50). */
	readonly criticalBelow?: number;
	/** DataStore requests waiting in the DataAccessLayer above which the status is "degraded" (default 20). */
	readonly maxQueueDepth?: number;
	/**
	 * Remaining GetAsync or SetIncrementAsync budget (GetRequestBudgetForRequestType) below which the status
	 * is "degraded" (default 5: the next requests will wait in Roblox's throttle queue).
	 */
	readonly minBudget?: number;
	/** Backup recovery point (seconds) above which the status is "degraded" (default 900; with backups on). */
	readonly maxRecoveryPoint?: number;
}

/** `metrics` in {@link DataServiceConfig}: metrics over time and alerts; every field optional. */
export interface MetricsConfig {
	/** Record metrics and watch the thresholds (default true). */
	readonly enabled?: boolean;
	/** Seconds each sample covers (default 60: requests per minute, as Roblox budgets them). */
	readonly interval?: number;
	/** Samples kept, oldest dropped first (default 60: an hour at the default interval). */
	readonly samples?: number;
	/** Seconds between checks of the thresholds and readings of the queue and the budget (default 1). */
	readonly checkEvery?: number;
	readonly alerts?: AlertThresholds;
}

/** {@link MetricsConfig} with every default filled in. */
export interface ResolvedMetricsConfig {
	readonly enabled: boolean;
	readonly interval: number;
	readonly samples: number;
	readonly checkEvery: number;
	readonly alerts: Required<AlertThresholds>;
}

/** The default thresholds. */
export const DEFAULT_ALERTS: Required<AlertThresholds> = {
	degradedBelow: 80,
	criticalBelow: 50,
	maxQueueDepth: 20,
	minBudget: 5,
	maxRecoveryPoint: 900,
};

function numberField(name: string, value: unknown, fallback: number, min: number): number {
	if (value === undefined) return fallback;
	if (!typeIs(value, "number") || value !== value || value < min) {
		const shown = typeIs(value, "string") ? `"${value}"` : tostring(value);
		error(`[DataService] ${name} must be a number of at least ${min}, got ${typeOf(value)} ${shown}`, 0);
	}
	return value;
}

/**
 * Checks a {@link MetricsConfig} and fills in its defaults.
 * @throws a plain message naming the field and the type received.
 * @example
 * ```ts
 * const metrics = resolveMetricsConfig({ interval: 10, alerts: { degradedBelow: 90 } });
 * ```
 */
export function resolveMetricsConfig(config: MetricsConfig | undefined): ResolvedMetricsConfig {
	if (config !== undefined && !typeIs(config, "table")) {
		error(`[DataService] metrics must be a table, got ${typeOf(config)}`, 0);
	}
	const c = config ?? {};
	const known = new Set(["enabled", "interval", "samples", "checkEvery", "alerts"]);
	for (const [name] of pairs(c)) {
		if (!known.has(name as string)) error(`[DataService] unknown config field "metrics.${tostring(name)}"`, 0);
	}
	if (c.enabled !== undefined && !typeIs(c.enabled, "boolean")) {
		error(`[DataService] metrics.enabled must be a boolean, got ${typeOf(c.enabled)}`, 0);
	}
	if (c.alerts !== undefined && !typeIs(c.alerts, "table")) {
		error(`[DataService] metrics.alerts must be a table, got ${typeOf(c.alerts)}`, 0);
	}
	const a = c.alerts ?? {};
	for (const [name] of pairs(a)) {
		if ((DEFAULT_ALERTS as unknown as Record<string, unknown>)[name as string] === undefined)
			error(`[DataService] unknown config field "metrics.alerts.${tostring(name)}"`, 0);
	}
	const alerts: Required<AlertThresholds> = {
		degradedBelow: numberField("metrics.alerts.degradedBelow", a.degradedBelow, DEFAULT_ALERTS.degradedBelow, 0),
		criticalBelow: numberField("metrics.alerts.criticalBelow", a.criticalBelow, DEFAULT_ALERTS.criticalBelow, 0),
		maxQueueDepth: numberField("metrics.alerts.maxQueueDepth", a.maxQueueDepth, DEFAULT_ALERTS.maxQueueDepth, 0),
		minBudget: numberField("metrics.alerts.minBudget", a.minBudget, DEFAULT_ALERTS.minBudget, 0),
		maxRecoveryPoint: numberField(
			"metrics.alerts.maxRecoveryPoint",
			a.maxRecoveryPoint,
			DEFAULT_ALERTS.maxRecoveryPoint,
			0,
		),
	};
	if (alerts.criticalBelow > alerts.degradedBelow) {
		error(
			`[DataService] metrics.alerts.criticalBelow (${alerts.criticalBelow}) must not exceed degradedBelow (${alerts.degradedBelow})`,
			0,
		);
	}
	const samples = numberField("metrics.samples", c.samples, 60, 1);
	if (samples % 1 !== 0) error(`[DataService] metrics.samples must be a whole number, got ${samples}`, 0);
	return {
		enabled: c.enabled ?? true,
		interval: numberField("metrics.interval", c.interval, 60, 1),
		samples,
		checkEvery: numberField("metrics.checkEvery", c.checkEvery, 1, 0.1),
		alerts,
	};
}
