import { CompiledNode, deref } from "./compile";
import { anyStorable, Collector, describe, report, runNode } from "./nodes";
import { formatPath } from "./ValidationError";

/**
 * One change to a document: the value at `path` becomes `value` (undefined removes it). `path` holds
 * property names and **0-based** array indices, as error paths do: `["inventory", 3, "count"]`.
 *
 * @example
 * ```ts
 * const change: Change = { path: ["inventory", 3, "count"], value: 7 };
 * ```
 */
export interface Change {
	readonly path: ReadonlyArray<string | number>;
	readonly value: unknown;
}

/** Limits and the per-document size bounds a compiled schema keeps. @internal */
export interface ChangeSettings {
	readonly maxDepth: number;
	readonly maxSize: number;
	readonly bounds: Map<object, number>;
}

const ANY: CompiledNode = { kind: "leaf", check: anyStorable, clean: (v) => v };

/**
 * Size bound of a stored subtree, measured with the same walk as a full check; infinite when the subtree
 * is not storable (a cycle, NaN), so the caller falls back to measuring the real encoding.
 */
function boundOf(value: unknown, settings: ChangeSettings): number {
	if (value === undefined) return 0;
	const outcome = runNode(anyStorable, value, undefined, settings.maxDepth, math.huge);
	return outcome.ok ? outcome.bound : math.huge;
}

function shallowCopy(value: unknown): Map<unknown, unknown> {
	const out = new Map<unknown, unknown>();
	if (typeIs(value, "table")) {
		for (const [k, x] of pairs(value as Map<unknown, unknown>)) {
			out.set(k, x);
		}
	}
	return out;
}

/**
 * Luau key of a path segment. A storable object has only string keys, so a number is always an array
 * index, and shifts to 1-based.
 */
function luauKey(segment: string | number): unknown {
	return typeIs(segment, "number") ? segment + 1 : segment;
}

/** Returns `value` with the change applied along `path` from `from` on, copying only the tables on the path. */
function withChange(value: unknown, path: ReadonlyArray<string | number>, from: number, newValue: unknown): unknown {
	if (from >= path.size()) return newValue;
	const copy = shallowCopy(value);
	const key = luauKey(path[from]);
	copy.set(key, withChange(copy.get(key), path, from + 1, newValue));
	return copy;
}

/**
 * Checks one change against the schema. Returns false at the first problem when `ctx` is undefined.
 * Updates `delta` with the change's effect on the document's size bound.
 */
function checkChange(
	root: CompiledNode,
	current: unknown,
	change: Change,
	ctx: Collector | undefined,
	settings: ChangeSettings,
	delta: { value: number },
): boolean {
	const path = change.path;
	const n = path.size();
	const at = (count: number) => {
		if (ctx) {
			ctx.path.clear();
			for (let i = 0; i < count; i++) ctx.path.push(path[i]);
		}
	};
	let node = deref(root);
	let container = current;
	const nodes = new Array<CompiledNode>();
	const containers = new Array<defined>();
	for (let i = 0; i < n; i++) {
		const segment = path[i];
		if (node.kind === "leaf") {
			// A check function or a type union: not walkable, so check its whole new value.
			at(i);
			const replaced = withChange(container, path, i, change.value);
			const ok = runNode(node.check, replaced, ctx, settings.maxDepth, settings.maxSize, i).ok;
			delta.value += boundOf(replaced, settings) - boundOf(container, settings);
			return ok && checkAncestors(nodes, containers, path, replaced, i, ctx, settings);
		}
		if (!typeIs(container, "table")) {
			if (ctx) {
				at(i);
				report(
					ctx,
					"TypeMismatch",
					"type",
					container,
					`cannot change ${formatPath(path)}: ${describe(container)} is not a table`,
				);
			}
			return false;
		}
		let child: CompiledNode;
		if (node.kind === "object") {
			if (!typeIs(segment, "string")) {
				if (ctx) {
					at(i + 1);
					report(ctx, "TypeMismatch", "type", segment, `objects have string keys, got ${describe(segment)}`);
				}
				return false;
			}
			const declared = node.properties!.get(segment);
			if (declared) {
				child = declared;
			} else if (node.additional === false) {
				if (ctx) {
					at(i);
					report(
						ctx,
						"UnknownField",
						"additionalProperties",
						change.value,
						`unknown field ${string.format("%q", segment)}`,
						segment,
					);
				}
				return false;
			} else {
				child = node.additional ?? ANY;
			}
		} else {
			const length = (container as defined[]).size();
			if (!typeIs(segment, "number") || segment % 1 !== 0 || segment < 0 || segment > length) {
				if (ctx) {
					at(i + 1);
					report(
						ctx,
						"NotStorable",
						"json",
						change.value,
						`index ${tostring(segment)} is outside 0..${length}: the array would have holes`,
					);
				}
				return false;
			}
			child = node.items ?? ANY;
		}
		nodes.push(node);
		containers.push(container as defined);
		container = (container as Map<unknown, unknown>).get(luauKey(segment));
		node = deref(child);
	}
	let ok = true;
	const value = change.value;
	if (value === undefined && n > 0) {
		const parent = nodes[n - 1];
		const key = path[n - 1];
		if (parent.kind === "object" && parent.required!.includes(key as string)) {
			if (!ctx) return false;
			at(n);
			report(ctx, "MissingField", "required", undefined, `missing required field ${string.format("%q", key)}`);
			ok = false;
		} else if (parent.kind === "array" && key !== (containers[n - 1] as defined[]).size() - 1) {
			if (!ctx) return false;
			at(n);
			report(ctx, "NotStorable", "json", undefined, "removing an element other than the last would leave a hole");
			return false;
		}
	} else {
		at(n);
		const outcome = runNode(node.check, value, ctx, settings.maxDepth, settings.maxSize, n);
		if (!outcome.ok) {
			if (!ctx) return false;
			ok = false;
		}
		delta.value += outcome.bound;
	}
	if (n > 0 && nodes[n - 1].kind === "array" && !checkLength(nodes[n - 1], containers[n - 1], path, value, ctx)) {
		if (!ctx) return false;
		ok = false;
	}
	delta.value -= boundOf(container, settings);
	return checkAncestors(nodes, containers, path, value, n, ctx, settings) && ok;
}

/** Checks `minItems`/`maxItems` of the array a change appends to or removes from; no copy needed. */
function checkLength(
	node: CompiledNode,
	array: defined,
	path: ReadonlyArray<string | number>,
	value: unknown,
	ctx: Collector | undefined,
): boolean {
	const length = (array as defined[]).size();
	const index = path[path.size() - 1];
	const newLength = value === undefined ? length - 1 : index === length ? length + 1 : length;
	const minItems = node.minItems;
	const maxItems = node.maxItems;
	let rule: string | undefined;
	let message = "";
	if (minItems !== undefined && newLength < minItems) {
		rule = "minItems";
		message = `${newLength} items; at least ${minItems} required`;
	} else if (maxItems !== undefined && newLength > maxItems) {
		rule = "maxItems";
		message = `${newLength} items; at most ${maxItems} allowed`;
	}
	if (rule === undefined) return true;
	if (ctx) {
		ctx.path.clear();
		for (let i = 0; i < path.size() - 1; i++) ctx.path.push(path[i]);
		report(ctx, "ConstraintViolated", rule, array, message);
	}
	return false;
}

/**
 * Re-runs the container checks (array counts, uniqueness, rules) of the tables above a change, on copies
 * of them with the change applied: an element change can break its array's `uniqueItems` or an object's
 * business rule without breaking anything below.
 */
function checkAncestors(
	nodes: ReadonlyArray<CompiledNode>,
	containers: ReadonlyArray<defined>,
	path: ReadonlyArray<string | number>,
	value: unknown,
	count: number,
	ctx: Collector | undefined,
	settings: ChangeSettings,
): boolean {
	let top = -1;
	for (let i = 0; i < count; i++) {
		if (nodes[i].container) {
			top = i;
			break;
		}
	}
	if (top < 0) return true;
	let ok = true;
	let replaced = value;
	for (let i = count - 1; i >= top; i--) {
		const copy = shallowCopy(containers[i]);
		const segment = path[i];
		copy.set(luauKey(segment), replaced);
		replaced = copy;
		const container = nodes[i].container;
		if (container) {
			if (ctx) {
				ctx.path.clear();
				for (let j = 0; j < i; j++) ctx.path.push(path[j]);
			}
			if (!runNode(container, copy, ctx, settings.maxDepth, settings.maxSize, i).ok) {
				if (!ctx) return false;
				ok = false;
			}
		}
	}
	return ok;
}

/**
 * Checks `changes` against a document `current` that is already valid, walking only the changed paths:
 * each new value is checked fully against its part of the schema, removals against `required`, and the
 * count, uniqueness and rule checks of the tables above each change are re-run. The document's size is
 * kept as an upper bound per document table (recorded by a full validation or computed once here); when
 * it passes the limit the changed document is encoded to measure it exactly.
 *
 * Each change is checked against `current` as it is, so give changes distinct paths.
 *
 * @internal Use `DataValidator.validateChanges`.
 */
export function checkChanges(
	root: CompiledNode,
	current: unknown,
	changes: ReadonlyArray<Change>,
	ctx: Collector | undefined,
	settings: ChangeSettings,
): boolean {
	let ok = true;
	const delta = { value: 0 };
	for (const change of changes) {
		if (!checkChange(root, current, change, ctx, settings, delta)) {
			if (!ctx) return false;
			ok = false;
		}
	}
	if (!ok) return false;
	let documentBound = typeIs(current, "table") ? settings.bounds.get(current as object) : undefined;
	if (documentBound === undefined) {
		documentBound = boundOf(current, settings);
	}
	const bound = documentBound + delta.value;
	// Written so that NaN (infinite bounds cancelling out) also takes the exact path.
	if (!(bound <= settings.maxSize)) {
		// The bound is pessimistic: build the changed document and measure the real encoding.
		let changed = current;
		for (const change of changes) {
			changed = withChange(changed, change.path, 0, change.value);
		}
		if (ctx) ctx.path.clear();
		if (!runNode(anyStorable, changed, ctx, settings.maxDepth, settings.maxSize).ok) {
			return false;
		}
	}
	if (typeIs(current, "table")) {
		if (bound <= settings.maxSize && documentBound <= settings.maxSize) {
			// Never lower the recorded bound: if the caller does not apply these changes it must stay an upper bound.
			settings.bounds.set(current as object, math.max(documentBound, bound));
		} else {
			settings.bounds.delete(current as object);
		}
	}
	return true;
}
