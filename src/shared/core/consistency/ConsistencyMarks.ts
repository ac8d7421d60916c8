import { getPath } from "./fieldPath";

/**
 * What the last committed change left of the data, kept next to it in the stored document (DataService's
 * envelope), so a check on the next load, possibly on another server, can see what happened to the data
 * while the player was offline: a declared monotonic field lowered, a field deleted (which the session
 * store's Reconcile would otherwise refill from the template without a word). A writer that goes around
 * DataService (an outside edit, a stale writer rewriting the data) leaves these marks as they were.
 */
export interface ConsistencyMarks {
	/** Schema version of the data the marks were taken from: after a migration they say nothing. */
	readonly v: number;
	/** The last committed value of each declared monotonic field (dotted path), when a number. */
	readonly monotonic: Readonly<Record<string, number>>;
	/** The template's top-level fields the committed data held. */
	readonly fields: ReadonlyArray<string>;
}

/**
 * The marks of freshly committed data. `previous` floors carry over (the higher value stays) unless
 * `reset`: a repair, restore, migration or adoption sets a new reference on purpose, any other change
 * never lowers a monotonic field legitimately (the write path refuses it), so a floor survives a change
 * recorded on top of lowered data (a delivery claimed on load, before the check).
 *
 * @example
 * ```ts
 * stored.marks = commitMarks(stored.data, stored.v, template, ["earned"], stored.marks, false);
 * ```
 */
export function commitMarks(
	data: object,
	version: number,
	template: object,
	monotonic: ReadonlyArray<string>,
	previous: ConsistencyMarks | undefined,
	reset: boolean,
): ConsistencyMarks {
	const floors: Record<string, number> = {};
	const carried = !reset && previous?.v === version ? previous.monotonic : undefined;
	for (const path of monotonic) {
		const value = getPath(data, path);
		const floor = carried?.[path];
		if (typeIs(value, "number") && value === value)
			floors[path] = floor !== undefined ? math.max(floor, value) : value;
		else if (floor !== undefined) floors[path] = floor;
	}
	const fields = new Array<string>();
	for (const [key] of pairs(template as Record<string, unknown>)) {
		if (typeIs(key, "string") && (data as Record<string, unknown>)[key] !== undefined) fields.push(key);
	}
	fields.sort();
	return { v: version, monotonic: floors, fields };
}

/**
 * The fields a session store's Reconcile filled from the template on load that the marks say the data held
 * when it was last committed: deleted since (not fields the template gained since the last save).
 * @param filled - the template's top-level fields missing from the stored data before Reconcile.
 * @example
 * ```ts
 * deletedFields(["level", "pets"], stored.marks, stored.v); // ["level"] when only level was saved before
 * ```
 */
export function deletedFields(
	filled: ReadonlyArray<string>,
	marks: ConsistencyMarks | undefined,
	version: number,
): Array<string> {
	if (marks === undefined || marks.v !== version || !typeIs(marks.fields, "table")) return [];
	const held = new Set(marks.fields);
	return filled.filter((field) => held.has(field));
}

/**
 * The template's top-level fields missing from `data`: what ProfileService's `Reconcile` (and any session
 * store with its semantics) is about to fill in.
 * @example
 * ```ts
 * templateFieldsMissing({ coins: 1 }, { coins: 0, level: 1 }); // ["level"]
 * ```
 */
export function templateFieldsMissing(data: unknown, template: object): Array<string> {
	const missing = new Array<string>();
	if (!typeIs(data, "table")) return missing;
	for (const [key] of pairs(template as Record<string, unknown>)) {
		if (typeIs(key, "string") && (data as Record<string, unknown>)[key] === undefined) missing.push(key);
	}
	missing.sort();
	return missing;
}
