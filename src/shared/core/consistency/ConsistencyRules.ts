import type { FixKind } from "./ConsistencyIssue";

/** One violation a business rule reports. */
export interface RuleViolation {
	/** Dotted path of the field at fault. */
	readonly path: string;
	readonly message: string;
	/** The declared fix (without one the violation can only be reported or quarantined). */
	readonly fix?: FixKind;
	/** For `clamp`: the value the field takes. */
	readonly value?: unknown;
}

/**
 * A business rule the game registers: `check` gets a read-only copy of the player's data and returns its
 * violations (nothing when the data keeps the rule). It must not yield.
 */
export interface BusinessRule {
	readonly name: string;
	readonly check: (data: Readonly<Record<string, unknown>>) => ReadonlyArray<RuleViolation> | undefined;
}

/**
 * Where unique items live: an array at `path` of records, each with a unique id (`idField`, default "id")
 * minted by {@link mintItemId} and a catalog item id (`itemField`, default "item").
 */
export interface UniqueItems {
	readonly path: string;
	readonly idField?: string;
	readonly itemField?: string;
}

/** Time and order the checker enforces; every field is optional. */
export interface TemporalRules {
	/** Fields holding Unix seconds that may not lie in the future (beyond `skew`). */
	readonly timestamps?: ReadonlyArray<string>;
	/** Numeric fields that never decrease (lifetime earnings, play time, a save counter). */
	readonly monotonic?: ReadonlyArray<string>;
	/** Pairs [created, updated] of timestamp fields: created may not be later than updated. */
	readonly createdBeforeUpdated?: ReadonlyArray<readonly [string, string]>;
	/** Seconds of clock difference between servers tolerated for "in the future" (default 300). */
	readonly skew?: number;
}

/** Rates of change the anomaly detector compares with the population's. */
export interface AnomalyRules {
	/** Numeric fields (dotted paths) whose rate per minute is watched; an items array counts its records. */
	readonly fields: ReadonlyArray<string>;
	/** Robust z-score (|rate - median| / (1.4826 MAD)) above which a rate is flagged (default 8). */
	readonly threshold?: number;
	/** Players with a measured rate needed before anyone is flagged (default 20). */
	readonly minPopulation?: number;
	/** Rates at or below this (per minute, absolute) are never flagged (default 0). */
	readonly minRate?: number;
	/** Seconds between two samples of one player below which no rate is measured (default 30). */
	readonly minInterval?: number;
}

/**
 * What the game declares to the {@link ConsistencyChecker}. Every field is optional: without any, only the
 * structural checks (schema, storability, size, depth) run.
 */
export interface ConsistencyRules {
	/** Catalog item ids the game knows: an array, or a function answering for one id. */
	readonly catalog?: ReadonlyArray<string> | ((itemId: string) => boolean);
	/** Paths of count maps keyed by catalog item id (`inventory: { sword: 2 }`). */
	readonly countMaps?: ReadonlyArray<string>;
	/** Arrays of unique items (checked against the catalog, deduplicated, indexed for duplicates). */
	readonly uniqueItems?: ReadonlyArray<UniqueItems>;
	/** The game's own business rules (see {@link levelCap}, {@link currencyCap}, {@link equippedOwned}). */
	readonly rules?: ReadonlyArray<BusinessRule>;
	readonly temporal?: TemporalRules;
	readonly anomalies?: AnomalyRules;
	/** Deepest nesting allowed (default 32, the DataValidator's). */
	readonly maxDepth?: number;
	/** Most characters of JSON allowed (default 4,194,304, a DataStore value's limit). */
	readonly maxSize?: number;
}
