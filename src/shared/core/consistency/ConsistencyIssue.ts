/**
 * Which family of check found an issue:
 * - `structural`: the data's shape (schema, types, NaN and infinities, size, depth, schema version);
 * - `referential`: what the data points at (catalog item ids, inbox offers and escrows, applied markers);
 * - `business`: a rule the game registered (level cap, currency cap, an equipped item is owned);
 * - `temporal`: time and order (future timestamps, monotonic fields, created before updated, versions);
 * - `duplicate`: one unique item id held twice (within a player, or by two players);
 * - `session`: the server's hold on the profile.
 */
export type IssueCategory = "structural" | "referential" | "business" | "temporal" | "duplicate" | "session";

/** What exactly was wrong. */
export type IssueKind =
	| "missingField"
	| "wrongType"
	| "outOfRange"
	| "unknownField"
	| "notFinite"
	| "notStorable"
	| "tooDeep"
	| "tooLarge"
	| "schemaVersion"
	| "unknownItem"
	| "danglingOffer"
	| "danglingEscrow"
	| "orphanMarker"
	| "inboxUnreadable"
	| "ruleBroken"
	| "futureTimestamp"
	| "wentBack"
	| "createdAfterUpdated"
	| "versionWentBack"
	| "duplicateItem"
	| "sessionLost";

/**
 * A declared fix, applied by a repair:
 * - `fillDefault`: the field takes the template's value (or the schema's default);
 * - `clamp`: the number takes `issue.value` (the nearest allowed value);
 * - `dropUnknown`: the field is removed;
 * - `removeReference`: the dangling reference is removed (an unknown item, an equipped item not owned,
 *   an applied marker whose inbox entry is gone);
 * - `deduplicate`: of the records sharing one unique item id, only the first is kept.
 */
export type FixKind = "fillDefault" | "clamp" | "dropUnknown" | "removeReference" | "deduplicate";

/** One finding of a consistency check. */
export interface ConsistencyIssue {
	readonly kind: IssueKind;
	readonly category: IssueCategory;
	/** Dotted path of the field ("inventory.sword", "items[3]"); "" for the whole data. */
	readonly path: string;
	/** What was wrong, naming the field, what it held and what was expected. */
	readonly message: string;
	/** The declared fix, when this issue has one (otherwise only quarantine helps). */
	readonly fix?: FixKind;
	/** For `clamp`: the value the field takes. For `duplicateItem` across players: the other holder's id. */
	readonly value?: unknown;
}

/**
 * Makes an issue (one place that spells the record, so every check reports the same shape).
 * @example
 * ```ts
 * issue("outOfRange", "business", "level", "level is 1200, the cap is 1000", "clamp", 1000);
 * ```
 */
export function issue(
	kind: IssueKind,
	category: IssueCategory,
	path: string,
	message: string,
	fix?: FixKind,
	value?: unknown,
): ConsistencyIssue {
	return { kind, category, path, message, fix, value };
}

/**
 * A value as an issue message shows it: its type and a short rendering ("number nan", "string \"x\"").
 * @example
 * ```ts
 * describeValue(0 / 0); // "number nan"
 * ```
 */
export function describeValue(value: unknown): string {
	if (typeIs(value, "string")) return `string "${value.size() > 40 ? value.sub(1, 40) + "..." : value}"`;
	if (typeIs(value, "table")) return "table";
	return `${typeOf(value)} ${tostring(value)}`;
}
