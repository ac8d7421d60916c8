/** A deep copy of plain data (tables copied, scalars returned as they are). */
export function deepCopy<T>(value: T): T {
	if (!typeIs(value, "table")) return value;
	const copy = new Map<unknown, unknown>();
	for (const [k, v] of pairs(value as object)) copy.set(k, deepCopy(v));
	return copy as unknown as T;
}
