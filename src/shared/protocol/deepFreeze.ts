/**
 * Freezes a table and every table in it (`table.freeze` is shallow), so a value handed to many readers
 * cannot be changed by one of them. Tables already frozen are taken as frozen all the way down.
 *
 * @internal
 * @returns the same value
 * @example
 * ```ts
 * const view = deepFreeze(deepCopy(profile.Data.data));
 * ```
 */
export function deepFreeze<T>(value: T): T {
	if (!typeIs(value, "table") || table.isfrozen(value)) return value;
	for (const [, child] of pairs(value as Record<string, unknown>)) deepFreeze(child);
	table.freeze(value);
	return value;
}
