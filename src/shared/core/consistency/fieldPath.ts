/**
 * Dotted field paths ("inventory.sword") over plain tables. Keys are strings; a path names an object
 * field at each step (arrays of items are addressed by the item checks themselves).
 */

/** The segments of a dotted path ("" is the root: no segments). */
function segments(path: string): Array<string> {
	return path === "" ? [] : path.split(".");
}

/**
 * The value at `path` in `data`, or undefined when a step is missing or not a table.
 * @example
 * ```ts
 * getPath({ a: { b: 1 } }, "a.b"); // 1
 * ```
 */
export function getPath(data: unknown, path: string): unknown {
	let node = data;
	for (const key of segments(path)) {
		if (!typeIs(node, "table")) return undefined;
		node = (node as Record<string, unknown>)[key];
	}
	return node;
}

/**
 * Sets (or with undefined, removes) the value at `path` in place, making missing tables on the way.
 * @example
 * ```ts
 * setPath(data, "stats.level", 10);
 * ```
 */
export function setPath(data: object, path: string, value: unknown): void {
	const keys = segments(path);
	if (keys.size() === 0) return;
	let node = data as Record<string, unknown>;
	for (let i = 0; i < keys.size() - 1; i++) {
		let child = node[keys[i]];
		if (!typeIs(child, "table")) {
			if (value === undefined) return;
			child = {};
			node[keys[i]] = child;
		}
		node = child as Record<string, unknown>;
	}
	node[keys[keys.size() - 1]] = value;
}
