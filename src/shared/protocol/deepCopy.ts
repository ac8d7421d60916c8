/**
 * A deep copy of plain data (tables copied, scalars returned as they are). Not cycle-safe: used only on
 * values the payload guard or the server already bounded.
 *
 * @internal
 * @example
 * ```ts
 * const mine = deepCopy(authority.read(player, "settings").value);
 * ```
 */
export function deepCopy<T>(value: T): T {
	if (!typeIs(value, "table")) return value;
	const copy = new Map<unknown, unknown>();
	for (const [k, v] of pairs(value as object)) copy.set(k, deepCopy(v));
	return copy as unknown as T;
}
