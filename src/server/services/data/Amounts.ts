import { serviceError } from "./DataServiceError";

/**
 * Amounts moved by gifts and trades: positive whole numbers keyed by a numeric field of the player's data,
 * a top-level name (`coins`) or a dotted path into nested tables (`inventory.sword`).
 */
export type Amounts = Record<string, number>;

/** Most fields one side of a gift or trade may name (keeps inbox entries far below the DataStore limit). */
export const MAX_AMOUNT_FIELDS = 50;

const MAX_PATH_LENGTH = 100;

function segmentsOf(path: string): Array<string> {
	const segments = path.split(".");
	for (const segment of segments) {
		if (segment === "") throw serviceError("InvalidArgument", `amount path "${path}" has an empty segment`);
	}
	return segments;
}

/**
 * Checks amounts given by a game script and returns a plain copy.
 *
 * @param what - what the amounts are, for the error message ("gift amounts", "give", "take").
 * @param allowEmpty - whether no field at all is acceptable.
 * @throws `InvalidArgument` for anything but positive whole numbers keyed by well-formed paths.
 * @example
 * ```ts
 * const give = checkAmounts({ coins: 50, "inventory.sword": 1 }, "give", false);
 * ```
 */
export function checkAmounts(amounts: unknown, what: string, allowEmpty: boolean): Amounts {
	if (!typeIs(amounts, "table")) throw serviceError("InvalidArgument", `${what} must be a table`);
	const out: Amounts = {};
	let count = 0;
	for (const [path, amount] of pairs(amounts)) {
		if (!typeIs(path, "string") || path.size() > MAX_PATH_LENGTH) {
			throw serviceError("InvalidArgument", `${what}: ${tostring(path)} is not a field path`);
		}
		segmentsOf(path);
		if (!typeIs(amount, "number") || amount <= 0 || amount % 1 !== 0 || amount === math.huge) {
			throw serviceError("InvalidArgument", `${what} must be positive whole numbers (${path})`);
		}
		count += 1;
		out[path] = amount;
	}
	if (count > MAX_AMOUNT_FIELDS) {
		throw serviceError("InvalidArgument", `${what} names ${count} fields, at most ${MAX_AMOUNT_FIELDS}`);
	}
	if (count === 0 && !allowEmpty) throw serviceError("InvalidArgument", `${what} is empty`);
	return out;
}

/**
 * Adds `sign * amount` to each numeric field of `data` in place. A missing last segment counts as 0;
 * with `create`, missing tables on the way are made (a recipient that never owned the item).
 *
 * @throws `InvalidArgument` when a path ends on something that is not a number, or (without `create`)
 *   crosses something that is not a table; `ValidationFailed` when a field would go below 0 (a debit
 *   larger than what the player has).
 * @example
 * ```ts
 * addAmounts(copy, { coins: 50 }, -1, false); // the giver pays
 * ```
 */
export function addAmounts(data: object, amounts: Amounts, sign: 1 | -1, create: boolean): void {
	for (const [path, amount] of pairs(amounts)) {
		const segments = segmentsOf(path);
		let node = data as Record<string, unknown>;
		for (let i = 0; i < segments.size() - 1; i++) {
			const child = node[segments[i]];
			if (typeIs(child, "table")) node = child as Record<string, unknown>;
			else if (child === undefined && create) {
				const made: Record<string, unknown> = {};
				node[segments[i]] = made;
				node = made;
			} else throw serviceError("InvalidArgument", `${path} is not a numeric field`);
		}
		const last = segments[segments.size() - 1];
		const current = node[last] ?? 0;
		if (!typeIs(current, "number")) throw serviceError("InvalidArgument", `${path} is not a numeric field`);
		const result = current + sign * amount;
		if (result < 0) throw serviceError("ValidationFailed", `${path}: ${current} is less than ${amount}`);
		node[last] = result;
	}
}
