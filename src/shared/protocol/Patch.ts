import { deepCopy } from "./deepCopy";

/** One step of a path into a state value: a table key (a string, or a number for array slots). */
export type PathSegment = string | number;

/**
 * One change of a path patch: `path` now holds `value`, or (with `removed: true`) holds nothing. An empty
 * path is the key's whole value.
 */
export type PatchOp =
	| { readonly path: ReadonlyArray<PathSegment>; readonly value: unknown; readonly removed?: undefined }
	| { readonly path: ReadonlyArray<PathSegment>; readonly removed: true; readonly value?: undefined };

/** Deeper than any value the guard lets through; a diff that goes this deep gives up (a cyclic value). */
const MAX_DIFF_DEPTH = 64;

/**
 * About how many bytes `value` takes once encoded (its JSON length: what the sync bench counts). Only
 * used to compare a patch with the value it replaces, so it need not be exact.
 *
 * @internal
 */
export function encodedSize(value: unknown, depth = 1): number {
	const kind = typeOf(value);
	if (kind === "string") return (value as string).size() + 2;
	if (kind === "number") return tostring(value).size();
	if (kind === "boolean") return value === true ? 4 : 5;
	if (kind !== "table" || depth > MAX_DIFF_DEPTH) return 4;
	let size = 2;
	for (const [k, v] of pairs(value as object)) {
		size += encodedSize(k, depth + 1) + 2 + encodedSize(v, depth + 1);
	}
	return size;
}

type DiffState = { ops: Array<PatchOp>; size: number; budget: number; path: Array<PathSegment>; entries: number };

function pathCopy(path: Array<PathSegment>, last: PathSegment): Array<PathSegment> {
	const copy = table.clone(path);
	copy.push(last);
	return copy;
}

function add(state: DiffState, op: PatchOp): boolean {
	// Each op costs its path, its value and about 20 bytes of field names and punctuation.
	let size = 20 + (op.removed ? 14 : encodedSize(op.value));
	for (const segment of op.path) size += encodedSize(segment) + 1;
	state.size += size;
	if (state.size >= state.budget) return false;
	state.ops.push(op);
	return true;
}

/** Appends the ops that turn `before` into `after` at `path`; false once the budget is spent. */
function diffInto(before: unknown, after: unknown, path: Array<PathSegment>, state: DiffState, depth: number): boolean {
	if (before === after) return true;
	if (!typeIs(before, "table") || !typeIs(after, "table") || depth > MAX_DIFF_DEPTH) {
		return add(state, { path: table.clone(path), value: after });
	}
	const old = before as Record<PathSegment, unknown>;
	const fresh = after as Record<PathSegment, unknown>;
	for (const [k, v] of pairs(fresh)) {
		state.entries += 1;
		const previous = old[k as PathSegment];
		if (previous === undefined) {
			if (!add(state, { path: pathCopy(path, k as PathSegment), value: v })) return false;
		} else if (previous !== v) {
			path.push(k as PathSegment);
			const ok = diffInto(previous, v, path, state, depth + 1);
			path.pop();
			if (!ok) return false;
		}
	}
	for (const [k] of pairs(old)) {
		if (fresh[k as PathSegment] === undefined) {
			if (!add(state, { path: pathCopy(path, k as PathSegment), removed: true })) return false;
		}
	}
	return true;
}

/**
 * The path patch that turns `before` into `after`, if it is smaller than `budget` bytes (estimated like
 * {@link encodedSize}). Tables are compared key by key; anything else that differs is replaced whole.
 * Op values are shared with `after`: copy them before keeping `after` mutable.
 *
 * @internal
 * @param before the value the receiver holds
 * @param after the value it should hold
 * @param budget give up (returning undefined) once the patch would take this many bytes
 * @returns the ops (empty when the values are equal), or undefined when a patch would not be smaller
 * @example
 * ```ts
 * const ops = diffValue(sent.value, current.value, encodedSize(current.value));
 * if (ops !== undefined) send({ type: "patch", key, base: sent.version, version: current.version, ops });
 * ```
 */
export function diffValue(before: unknown, after: unknown, budget: number): Array<PatchOp> | undefined {
	const state: DiffState = { ops: [], size: 0, budget, path: [], entries: 0 };
	return diffInto(before, after, state.path, state, 1) ? state.ops : undefined;
}

/**
 * The path patch from table `before` to table `after` when it plus `overhead` bytes is smaller than
 * `after` whole; undefined when it is not, or when either is not a table. One walk in the usual case: a
 * value takes at least 2 bytes per table entry whole, so a patch below that bound needs no exact size.
 *
 * @internal
 * @example
 * ```ts
 * const ops = smallerPatch(shadow.value, current.value, 16);
 * ```
 */
export function smallerPatch(before: unknown, after: unknown, overhead: number): Array<PatchOp> | undefined {
	if (!typeIs(before, "table") || !typeIs(after, "table")) return undefined;
	const state: DiffState = { ops: [], size: 0, budget: math.huge, path: [], entries: 0 };
	diffInto(before, after, state.path, state, 1);
	const cost = state.size + overhead;
	if (cost < state.entries * 2) return state.ops;
	return cost < encodedSize(after) ? state.ops : undefined;
}

/**
 * Applies ops this side computed (so trusted) to `root` in place, copying their values in; returns the
 * new root (a different one only for an empty path). The server moves its record of what a client holds
 * forward this way, without copying the whole value again.
 *
 * @internal
 * @example
 * ```ts
 * shadow.value = patchInPlace(shadow.value, ops);
 * ```
 */
export function patchInPlace(root: unknown, ops: ReadonlyArray<PatchOp>): unknown {
	for (const op of ops) {
		const value = op.removed === true ? undefined : deepCopy(op.value);
		const size = op.path.size();
		if (size === 0) {
			root = value;
			continue;
		}
		let node = root as Record<PathSegment, unknown>;
		for (let i = 0; i < size - 1; i++) node = node[op.path[i]] as Record<PathSegment, unknown>;
		node[op.path[size - 1]] = value;
	}
	return root;
}

function isSegment(segment: unknown): segment is PathSegment {
	if (typeIs(segment, "string")) return true;
	return typeIs(segment, "number") && segment === segment && segment !== math.huge && segment !== -math.huge;
}

/** A table with entries at 1..n and nothing else (ops and paths are lists; a hole would skip ops). */
function isList(value: unknown): value is Array<unknown> {
	if (!typeIs(value, "table")) return false;
	const size = (value as Array<unknown>).size();
	let count = 0;
	for (const [index] of pairs(value)) {
		if (!typeIs(index, "number") || index < 1 || index > size || index % 1 !== 0) return false;
		count += 1;
	}
	// `#` of a table with holes may name any border: counting the entries settles it.
	return count === size;
}

/**
 * Applies path-patch `ops` to a copy of `base`. Anything unreadable — ops that are not a list, a path
 * that is not a list of strings and numbers, a path through a value that is not a table — makes it
 * return undefined and change nothing, so a patch that does not fit its base is never half applied.
 *
 * @internal
 * @param base the value the ops were computed against (not modified)
 * @param ops the patch, as received
 * @returns `{ value }` with the patched copy (op values copied in), or undefined when the patch does not apply
 * @example
 * ```ts
 * const patched = applyPatch(confirmed.value, message.ops);
 * if (patched === undefined) return requestResync();
 * ```
 */
export function applyPatch(base: unknown, ops: unknown): { value: unknown } | undefined {
	if (!isList(ops)) return undefined;
	let root = deepCopy(base);
	for (const op of ops) {
		if (!typeIs(op, "table")) return undefined;
		const { path, value, removed } = op as { path?: unknown; value?: unknown; removed?: unknown };
		if (!isList(path) || (removed !== undefined && removed !== true)) return undefined;
		const segments = path;
		const size = segments.size();
		const newValue = removed === true ? undefined : deepCopy(value);
		if (size === 0) {
			root = newValue;
			continue;
		}
		let node: unknown = root;
		for (let i = 0; i < size; i++) {
			const segment = segments[i];
			if (!isSegment(segment) || !typeIs(node, "table")) return undefined;
			if (i === size - 1) {
				(node as Record<PathSegment, unknown>)[segment] = newValue;
			} else {
				node = (node as Record<PathSegment, unknown>)[segment];
			}
		}
	}
	return { value: root };
}
