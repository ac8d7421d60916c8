import { canonicalJson } from "../dal/Canonical";
import { deepCopy } from "../../protocol/deepCopy";
import { diffValue } from "../../protocol/Patch";
import type { AuditEntry, AuditFieldChange } from "./AuditEntry";
import type { AuditedChange } from "./AuditedChange";
import { mapSensitive, redactSensitive, RedactionMode, SensitivePaths } from "./redactSensitive";

/** How {@link describeChange} conceals and bounds what it records. */
export interface DescribeOptions {
	readonly sensitive: SensitivePaths;
	readonly mode: RedactionMode;
	readonly hash: (text: string) => string;
	/** When set, sensitive field values of data changes are sealed under the player's key instead. */
	readonly seal?: (playerId: number, path: string, value: unknown) => unknown;
	/** Past this many characters of canonical JSON, the field changes are replaced by their paths. */
	readonly maxEntryChars: number;
}

function lookup(root: unknown, path: ReadonlyArray<string | number>): unknown {
	let node = root;
	for (const segment of path) {
		if (!typeIs(node, "table")) return undefined;
		node = (node as Record<string | number, unknown>)[segment];
	}
	return node;
}

/** Changes whose context names the other player of a transfer (`to`, `from`). */
const TRANSFER_KINDS = new Set<string>(["gift", "offer", "offerSettlement"]);

/** A table value of a context is kept up to this many characters of canonical JSON (amounts, ids). */
const MAX_CONTEXT_TABLE_CHARS = 2000;

/**
 * The context as it may be stored: scalars kept; a table (a gift's amounts, an offer's give and take, the
 * inbox ids a delivery applied) kept when a DataStore can hold it and it is short; anything else named by
 * its type (a context could carry an Instance, which no DataStore holds). Sensitive keys
 * (`context.<key>`, or paths below it) are concealed.
 */
export function cleanContext(
	context: Readonly<Record<string, unknown>>,
	options: DescribeOptions,
): Record<string, unknown> | undefined {
	const out: Record<string, unknown> = {};
	let any = false;
	for (const [k, v] of pairs(context)) {
		if (!typeIs(k, "string")) continue;
		any = true;
		const scalar =
			typeIs(v, "string") ||
			typeIs(v, "boolean") ||
			(typeIs(v, "number") && v === v && math.abs(v) !== math.huge);
		let value: unknown = scalar ? v : `<${typeOf(v)}>`;
		if (typeIs(v, "table")) {
			const [ok, encoded] = pcall(() => canonicalJson(v));
			if (ok && (encoded as string).size() <= MAX_CONTEXT_TABLE_CHARS) value = deepCopy(v);
		}
		out[k] = redactSensitive(value, ["context", k], options.sensitive, options.mode, options.hash);
	}
	return any ? out : undefined;
}

/**
 * The audit entry of one write-pipeline change: its kind, players, id and context, and the before/after of
 * every field it touched on every side, sensitive fields concealed before anything is hashed or stored.
 * @example
 * ```ts
 * const entry = describeChange(change, os.time(), options); // entry.changes[0] = { player, path: "coins", before: 0, after: 100 }
 * ```
 */
export function describeChange(change: AuditedChange, time: number, options: DescribeOptions): AuditEntry {
	const changes = new Array<AuditFieldChange>();
	const players = new Array<number>();
	for (const side of change.sides) {
		if (!players.includes(side.playerId)) players.push(side.playerId);
		for (const op of diffValue(side.before, side.after, math.huge) ?? []) {
			const path = op.path.map((s) => tostring(s));
			const seal = options.seal;
			const conceal = (v: unknown) =>
				v === undefined
					? undefined
					: seal !== undefined
						? mapSensitive(v, path, options.sensitive, (x, at) => seal(side.playerId, at.join("."), x))
						: redactSensitive(v, path, options.sensitive, options.mode, options.hash);
			changes.push({
				player: side.playerId,
				path: path.join("."),
				before: conceal(lookup(side.before, op.path)),
				after: op.removed ? undefined : conceal(op.value),
			});
		}
	}
	// The counterparty a transfer names (a gift's recipient, an offer's offerer) is named by the entry too,
	// so their index finds it and their erasure erases it. Only transfers: a migration's from/to are versions.
	for (const key of TRANSFER_KINDS.has(change.kind) ? ["to", "from"] : []) {
		const id = change.context[key];
		if (typeIs(id, "number") && id % 1 === 0 && id !== 0 && !players.includes(id)) players.push(id);
	}
	const entry: AuditEntry = {
		time,
		category: "data",
		type: change.kind,
		level: "info",
		players,
		change: change.id,
		context: cleanContext(change.context, options),
		changes,
	};
	const [ok, encoded] = pcall(() => canonicalJson(entry));
	if (ok && (encoded as string).size() <= options.maxEntryChars) return entry;
	// Too large (a migration rewriting everything) or not storable: keep which fields changed.
	return { ...entry, changes: undefined, changedPaths: changes.map((c) => `${c.player}:${c.path}`) };
}
