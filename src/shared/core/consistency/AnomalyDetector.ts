import type { AnomalyRules } from "./ConsistencyRules";
import { getPath } from "./fieldPath";
import { robustStatistics } from "./robustStatistics";

/** A rate of change far from the population's. */
export interface Anomaly {
	readonly playerId: number;
	readonly field: string;
	/** The player's rate, per minute. */
	readonly rate: number;
	readonly median: number;
	/** Robust z-score: (rate - median) / scale. */
	readonly score: number;
}

interface Sample {
	readonly time: number;
	readonly values: Map<string, number>;
}

/** The numeric value a declared field contributes (an array counts its records). */
function measure(data: object, field: string): number | undefined {
	const value = getPath(data, field);
	if (typeIs(value, "number")) return value === value ? value : undefined;
	if (typeIs(value, "table")) return (value as Array<unknown>).size();
	return undefined;
}

/**
 * Per-player rates of change of declared numeric fields (coins per minute, items per minute), compared with
 * robust statistics of the population this server measured (median and MAD): a rate whose robust z-score
 * exceeds the threshold is an anomaly. Each player's latest rate per field is kept; players leave the
 * population when {@link forget} is called.
 *
 * @example
 * ```ts
 * const detector = new AnomalyDetector({ fields: ["coins"] });
 * const anomalies = detector.sample(123, data, os.time());
 * ```
 */
export class AnomalyDetector {
	private readonly last = new Map<number, Sample>();
	private readonly rates = new Map<string, Map<number, number>>();
	private readonly threshold: number;
	private readonly minPopulation: number;
	private readonly minRate: number;
	private readonly minInterval: number;

	constructor(private readonly rules: AnomalyRules) {
		this.threshold = rules.threshold ?? 8;
		this.minPopulation = rules.minPopulation ?? 20;
		this.minRate = rules.minRate ?? 0;
		this.minInterval = rules.minInterval ?? 30;
		for (const field of rules.fields) this.rates.set(field, new Map());
	}

	/**
	 * Records a sample of a player's data at `time` (Unix seconds) and measures the rates since the
	 * previous sample (if at least `minInterval` seconds ago).
	 * @returns the anomalies of this player's new rates (empty while the population is too small).
	 */
	sample(playerId: number, data: object, time: number): Array<Anomaly> {
		const values = new Map<string, number>();
		for (const field of this.rules.fields) {
			const value = measure(data, field);
			if (value !== undefined) values.set(field, value);
		}
		const previous = this.last.get(playerId);
		if (previous !== undefined && time - previous.time < this.minInterval) return [];
		this.last.set(playerId, { time, values });
		if (previous === undefined) return [];
		const minutes = (time - previous.time) / 60;
		const found = new Array<Anomaly>();
		for (const [field, value] of values) {
			const before = previous.values.get(field);
			if (before === undefined) continue;
			const rate = (value - before) / minutes;
			const population = this.rates.get(field)!;
			population.set(playerId, rate);
			const anomaly = this.judge(playerId, field, rate, population);
			if (anomaly !== undefined) found.push(anomaly);
		}
		return found;
	}

	/** Drops a player from the population (they left). */
	forget(playerId: number): void {
		this.last.delete(playerId);
		for (const [, population] of this.rates) population.delete(playerId);
	}

	private judge(playerId: number, field: string, rate: number, population: Map<number, number>): Anomaly | undefined {
		if (population.size() < this.minPopulation || math.abs(rate) <= this.minRate) return undefined;
		const others = new Array<number>();
		for (const [id, r] of population) if (id !== playerId) others.push(r);
		const stats = robustStatistics(others);
		// All others changed at exactly one rate: no spread to judge against, so nobody is flagged.
		if (stats.scale === 0) return undefined;
		const score = (rate - stats.median) / stats.scale;
		return math.abs(score) > this.threshold ? { playerId, field, rate, median: stats.median, score } : undefined;
	}
}
