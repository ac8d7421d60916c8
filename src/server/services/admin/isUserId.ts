/**
 * True when `value` is a UserId: a positive whole number a double holds exactly. Everything an admin request
 * names as a player (or as the actor) passes this first.
 * @example
 * ```ts
 * isUserId(123); // true
 * isUserId("123"); // false
 * ```
 */
export function isUserId(value: unknown): value is number {
	return typeIs(value, "number") && value % 1 === 0 && value > 0 && value <= 2 ** 53;
}
