/**
 * How an optimistic update resolves a conflict: someone wrote the key after the version the caller
 * read. `base` is the data at the version the caller expected, `theirs` what is stored now, `mine` the
 * caller's proposal.
 * - `server_wins`: the stored data stays; the caller's change is dropped.
 * - `client_wins`: the caller's fields are written over what is stored, but only the fields the caller
 *   declared client-writable; every other field keeps the stored value.
 * - `merge`: a three-way, per-field merge against `base`: a field only one side changed takes that
 *   side's value; a field both sides changed to different values is a conflict and keeps the stored
 *   value. Conflicting fields are reported.
 * - a function: a custom resolver returning the data to write (or undefined to keep the stored data).
 */
export type ConflictStrategy =
	| "server_wins"
	| "client_wins"
	| "merge"
	| ((base: unknown, theirs: unknown, mine: unknown) => unknown);

/** What happened to an optimistic update. */
export interface ConflictReport {
	readonly key: string;
	readonly expectedVersion: number;
	readonly actualVersion: number;
	readonly strategy: string;
	/** Fields both sides changed to different values (merge), or fields dropped (client_wins). */
	readonly conflictingFields: Array<string>;
	/** "kept_server", "applied_client", "merged" or "custom". */
	readonly resolution: string;
}

function deepEqual(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (!typeIs(a, "table") || !typeIs(b, "table")) return false;
	const ta = a as Record<string, unknown>;
	const tb = b as Record<string, unknown>;
	for (const [k, v] of pairs(ta)) if (!deepEqual(v, tb[k as string])) return false;
	for (const [k] of pairs(tb)) if (ta[k as string] === undefined) return false;
	return true;
}

function fields(...tables: Array<unknown>): Array<string> {
	const seen = new Set<string>();
	const out = new Array<string>();
	for (const t of tables) {
		if (!typeIs(t, "table")) continue;
		for (const [k] of pairs(t as Record<string, unknown>)) {
			if (typeIs(k, "string") && !seen.has(k)) {
				seen.add(k);
				out.push(k);
			}
		}
	}
	table.sort(out);
	return out;
}

function copy(t: unknown): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	if (typeIs(t, "table")) for (const [k, v] of pairs(t as Record<string, unknown>)) out[k as string] = v;
	return out;
}

/**
 * Resolves a conflict. Returns the data to write (undefined: keep the stored data) and what was done.
 * Only top-level fields of object documents are merged; non-object documents conflict as a whole.
 */
export function resolveConflict(
	strategy: ConflictStrategy,
	base: unknown,
	theirs: unknown,
	mine: unknown,
	clientWritable: ReadonlyArray<string> | undefined,
): { data: unknown; conflictingFields: Array<string>; resolution: string } {
	if (typeIs(strategy, "function")) {
		const data = strategy(base, theirs, mine);
		return { data, conflictingFields: [], resolution: data === undefined ? "kept_server" : "custom" };
	}
	if (strategy === "server_wins") {
		return { data: undefined, conflictingFields: [], resolution: "kept_server" };
	}
	const objects = typeIs(theirs, "table") && typeIs(mine, "table");
	if (strategy === "client_wins") {
		if (!objects) return { data: undefined, conflictingFields: ["(document)"], resolution: "kept_server" };
		const allowed = new Set(clientWritable ?? []);
		const result = copy(theirs);
		const dropped = new Array<string>();
		let changed = false;
		for (const field of fields(mine, theirs)) {
			const mv = (mine as Record<string, unknown>)[field];
			if (deepEqual(mv, result[field])) continue;
			if (allowed.has(field)) {
				result[field] = mv;
				changed = true;
			} else {
				dropped.push(field);
			}
		}
		return {
			data: changed ? result : undefined,
			conflictingFields: dropped,
			resolution: changed ? "applied_client" : "kept_server",
		};
	}
	// merge
	if (!objects) return { data: undefined, conflictingFields: ["(document)"], resolution: "kept_server" };
	const result = copy(theirs);
	const conflicts = new Array<string>();
	let changed = false;
	for (const field of fields(base, theirs, mine)) {
		const b = typeIs(base, "table") ? (base as Record<string, unknown>)[field] : undefined;
		const t = (theirs as Record<string, unknown>)[field];
		const m = (mine as Record<string, unknown>)[field];
		const mineChanged = !deepEqual(m, b);
		const theirsChanged = !deepEqual(t, b);
		if (mineChanged && !theirsChanged) {
			result[field] = m;
			changed = true;
		} else if (mineChanged && theirsChanged && !deepEqual(m, t)) {
			conflicts.push(field);
		}
	}
	return {
		data: changed ? result : undefined,
		conflictingFields: conflicts,
		resolution: changed ? "merged" : "kept_server",
	};
}
