import { evaluateAlert } from "./HealthAlerts";
import { HistogramSnapshot, LatencyHistogram } from "./LatencyHistogram";
import type { ResolvedMetricsConfig } from "./MetricsConfig";
import type { AlertStatus, HealthChange, MetricsRange, MetricsReport, MetricsSample } from "./MetricsTypes";
import { RingBuffer } from "./RingBuffer";
import type { Signal } from "./Signal";

/** Where the recorder reads what it records (DataService wires its modules in; specs pass their own). */
export interface MetricsSources {
	/** Unix seconds. */
	readonly clock: () => number;
	/** DataStore requests sent so far, by Enum.DataStoreRequestType name (cumulative). */
	readonly requestCounts: () => Readonly<Record<string, number>>;
	/** DataStoreService:GetRequestBudgetForRequestType. */
	readonly budget: (requestType: Enum.DataStoreRequestType) => number;
	readonly players: () => number;
	/** DataStore requests waiting or running now. */
	readonly queueDepth: () => number;
	/** Cache hits and misses so far (cumulative). */
	readonly cache: () => { readonly hits: number; readonly misses: number };
	readonly score: () => number;
	readonly recoveryPoint: () => number | undefined;
	readonly audit: () =>
		| { readonly logged: number; readonly dropped: number; readonly failedWrites: number }
		| undefined;
	readonly consistency: () => { readonly checks: number; readonly issues: number };
}

/**
 * The request types whose budget is watched: every read and every write of a standard DataStore spends
 * one of them (UpdateAsync spends both), so they are what runs out first.
 */
const WATCHED_BUDGETS = [Enum.DataStoreRequestType.GetAsync, Enum.DataStoreRequestType.SetIncrementAsync];

/**
 * Requests per minute a server may make of a watched type: 60 + 10 per player, the "Server limits" of
 * https://create.roblox.com/docs/cloud-services/data-stores/error-codes-and-limits.
 */
function budgetPerMinute(players: number): number {
	return 60 + 10 * players;
}

/**
 * Metrics over time for one DataService: every `checkEvery` seconds it reads the DataStore queue and
 * budget and checks the alert thresholds (firing `changed` when the alert status changes); every
 * `interval` seconds it closes a {@link MetricsSample} into a ring of `samples` entries. Memory is
 * bounded: the ring, one open interval, and one latency histogram per operation name.
 *
 * @example
 * ```ts
 * const recorder = new MetricsRecorder(sources, resolveMetricsConfig({ interval: 10 }), healthChanged);
 * recorder.start();
 * recorder.recordOperation("load", 0.4, true);
 * recorder.report().samples;
 * ```
 */
export class MetricsRecorder {
	private readonly ring: RingBuffer<MetricsSample>;
	private readonly totals = new Map<string, LatencyHistogram>();
	private open = new Map<string, LatencyHistogram>();
	private intervalStart: number;
	private lastRequests: Readonly<Record<string, number>>;
	private lastCache: { readonly hits: number; readonly misses: number };
	private peakQueue = 0;
	private budgetLow = new Map<string, number>();
	private lowestScore = 100;
	private status: AlertStatus = "healthy";
	private reasons: ReadonlyArray<string> = [];
	private since: number;
	private fired = 0;
	private running = false;

	constructor(
		private readonly sources: MetricsSources,
		private readonly config: ResolvedMetricsConfig,
		private readonly changed: Signal<HealthChange>,
	) {
		this.ring = new RingBuffer<MetricsSample>(config.samples);
		this.intervalStart = sources.clock();
		this.since = this.intervalStart;
		this.lastRequests = table.clone(sources.requestCounts());
		this.lastCache = sources.cache();
	}

	/** Starts the checks (a thread that wakes every `checkEvery` seconds until {@link stop}). */
	start(): void {
		if (this.running || !this.config.enabled) return;
		this.running = true;
		task.spawn(() => {
			while (this.running) {
				task.wait(this.config.checkEvery);
				if (this.running) this.check();
			}
		});
	}

	/** Stops the checks; what was recorded stays readable. */
	stop(): void {
		this.running = false;
	}

	/** Counts one finished operation (`name`: "load", "update", ...) that took `seconds`. */
	recordOperation(name: string, seconds: number, ok: boolean): void {
		if (!this.config.enabled) return;
		for (const histograms of [this.open, this.totals]) {
			let h = histograms.get(name);
			if (h === undefined) {
				h = new LatencyHistogram();
				histograms.set(name, h);
			}
			h.record(seconds, ok);
		}
	}

	/**
	 * Reads the queue, the budget and the health score, updates the alert status (firing `changed` when it
	 * changes) and closes the interval when it is over. The loop calls it; specs may call it directly.
	 */
	check(): void {
		const s = this.sources;
		const queue = s.queueDepth();
		this.peakQueue = math.max(this.peakQueue, queue);
		let lowest = math.huge;
		for (const requestType of WATCHED_BUDGETS) {
			const left = s.budget(requestType);
			lowest = math.min(lowest, left);
			const low = this.budgetLow.get(requestType.Name);
			if (low === undefined || left < low) this.budgetLow.set(requestType.Name, left);
		}
		const score = s.score();
		this.lowestScore = math.min(this.lowestScore, score);
		const now = s.clock();
		const { status, reasons } = evaluateAlert(
			{ score, queueDepth: queue, budget: lowest, recoveryPoint: s.recoveryPoint() },
			this.config.alerts,
		);
		this.reasons = reasons;
		if (status !== this.status) {
			const previous = this.status;
			this.status = status;
			this.since = now;
			this.fired += 1;
			this.changed.Fire({ status, previous, score, reasons, time: now });
		}
		if (now - this.intervalStart >= this.config.interval) this.closeInterval(now, score);
	}

	/**
	 * The samples in `range` (oldest first), the latency since the start and the alert status.
	 * @example
	 * ```ts
	 * const lastTen = recorder.report({ from: os.time() - 600 }).samples;
	 * ```
	 */
	report(range: MetricsRange = {}): MetricsReport {
		const from = range.from ?? -math.huge;
		const to = range.to ?? math.huge;
		const latency: Record<string, HistogramSnapshot> = {};
		for (const [name, h] of this.totals) latency[name] = h.snapshot();
		return {
			enabled: this.config.enabled,
			interval: this.config.interval,
			capacity: this.ring.capacity,
			samples: this.ring.toArray().filter((sample) => sample.time >= from && sample.time <= to),
			latency,
			alert: { status: this.status, reasons: this.reasons, since: this.since },
			alertsFired: this.fired,
		};
	}

	private closeInterval(now: number, score: number): void {
		const s = this.sources;
		const counts = s.requestCounts();
		const requests: Record<string, number> = {};
		for (const [name, count] of pairs(counts)) {
			const delta = count - (this.lastRequests[name] ?? 0);
			if (delta > 0) requests[name] = delta;
		}
		this.lastRequests = table.clone(counts);
		const cache = s.cache();
		const hits = cache.hits - this.lastCache.hits;
		const misses = cache.misses - this.lastCache.misses;
		this.lastCache = cache;
		const players = s.players();
		const budgetPer: Record<string, number> = {};
		const budgetLow: Record<string, number> = {};
		for (const requestType of WATCHED_BUDGETS) {
			budgetPer[requestType.Name] = budgetPerMinute(players);
			budgetLow[requestType.Name] = this.budgetLow.get(requestType.Name) ?? s.budget(requestType);
		}
		const latency: Record<string, HistogramSnapshot> = {};
		for (const [name, h] of this.open) latency[name] = h.snapshot();
		this.ring.push({
			time: now,
			seconds: now - this.intervalStart,
			players,
			requests,
			budgetPerMinute: budgetPer,
			budgetLow,
			queueDepth: this.peakQueue,
			cacheHits: hits,
			cacheMisses: misses,
			cacheHitRatio: hits + misses > 0 ? hits / (hits + misses) : undefined,
			recoveryPoint: s.recoveryPoint(),
			audit: s.audit(),
			consistency: s.consistency(),
			score,
			lowestScore: this.lowestScore,
			alert: this.status,
			latency,
		});
		this.intervalStart = now;
		this.open = new Map();
		this.peakQueue = 0;
		this.budgetLow = new Map();
		this.lowestScore = score;
	}
}
