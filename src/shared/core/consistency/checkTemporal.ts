import { ConsistencyIssue, describeValue, issue } from "./ConsistencyIssue";
import type { TemporalRules } from "./ConsistencyRules";
import { getPath } from "./fieldPath";

/**
 * What the temporal checks compare against: now, and what this server saw of the player before (the
 * data before a change, or at the previous check).
 */
export interface TemporalContext {
	/** Unix seconds. */
	readonly now: number;
	/** The data seen before (for monotonic fields). */
	readonly previous?: object;
	/**
	 * The last committed value of each monotonic field (dotted path), as stored with the data: what it
	 * may not be lower than on a later load, whatever happened while the player was offline.
	 */
	readonly floors?: Readonly<Record<string, number>>;
	/** The profile's version seen before and now (a transfer sequence or a save counter). */
	readonly previousVersion?: number;
	readonly version?: number;
}

/**
 * The temporal checks: no declared timestamp in the future (beyond the tolerated skew), declared
 * monotonic fields never lower than before (in this session) nor than their last committed value (the
 * `floors` stored with the data), created no later than updated, the version never lower.
 *
 * @example
 * ```ts
 * const issues = checkTemporal(data, { timestamps: ["lastLogin"], monotonic: ["totalEarned"] }, { now: os.time(), previous });
 * ```
 */
export function checkTemporal(data: object, rules: TemporalRules, ctx: TemporalContext): Array<ConsistencyIssue> {
	const out = new Array<ConsistencyIssue>();
	const skew = rules.skew ?? 300;
	for (const path of rules.timestamps ?? []) {
		const value = getPath(data, path);
		if (typeIs(value, "number") && value > ctx.now + skew) {
			out.push(
				issue(
					"futureTimestamp",
					"temporal",
					path,
					`${path} is ${value}, ${math.floor(value - ctx.now)} s in the future`,
					"clamp",
					ctx.now,
				),
			);
		}
	}
	for (const path of rules.monotonic ?? []) {
		const after = getPath(data, path);
		if (!typeIs(after, "number")) continue;
		const before = ctx.previous !== undefined ? getPath(ctx.previous, path) : undefined;
		const floor = ctx.floors?.[path];
		if (typeIs(before, "number") && after < before && (floor === undefined || before >= floor)) {
			out.push(
				issue("wentBack", "temporal", path, `${path} went back from ${before} to ${after}`, "clamp", before),
			);
		} else if (floor !== undefined && after < floor) {
			out.push(
				issue(
					"wentBack",
					"temporal",
					path,
					`${path} is ${after}, lower than the ${floor} last saved with the data (lowered outside DataService: a stale save or an outside edit)`,
					"clamp",
					floor,
				),
			);
		}
	}
	for (const [createdPath, updatedPath] of rules.createdBeforeUpdated ?? []) {
		const created = getPath(data, createdPath);
		const updated = getPath(data, updatedPath);
		if (typeIs(created, "number") && typeIs(updated, "number") && created > updated) {
			out.push(
				issue(
					"createdAfterUpdated",
					"temporal",
					createdPath,
					`${createdPath} (${created}) is later than ${updatedPath} (${describeValue(updated)})`,
					"clamp",
					updated,
				),
			);
		}
	}
	if (ctx.previousVersion !== undefined && ctx.version !== undefined && ctx.version < ctx.previousVersion) {
		out.push(
			issue(
				"versionWentBack",
				"temporal",
				"",
				`the version went back from ${ctx.previousVersion} to ${ctx.version}`,
			),
		);
	}
	return out;
}
