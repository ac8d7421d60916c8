/** Deeper than this, a table is taken to be cyclic: no state value or player data nests that far. */
const MAX_COPY_DEPTH = 64;

/**
 * A deep copy of plain data (tables copied, scalars returned as they are).
 *
 * @internal
 * @throws on a table nested deeper than 64 levels (a cyclic table is misuse)
 * @example
 * ```ts
 * const mine = deepCopy(authority.read(player, "settings").value);
 * ```
 */
export function deepCopy<T>(value: T, depth = 1): T {
	if (!typeIs(value, "table")) return value;
	if (depth > MAX_COPY_DEPTH) error(`[deepCopy] a value nested deeper than ${MAX_COPY_DEPTH} levels (cyclic?)`, 0);
	const copy = new Map<unknown, unknown>();
	for (const [k, v] of pairs(value as object)) copy.set(k, deepCopy(v, depth + 1));
	return copy as unknown as T;
}
