// Rough per-value costs in bytes, close to what the Luau VM allocates.
const TABLE_BYTES = 56;
const SLOT_BYTES = 16;
const STRING_BYTES = 24;

function isPlainString(s: string) {
	return utf8.len(s)[0] !== false;
}

interface Measure {
	bytes: number;
	plain: boolean;
}

/** Adds a string, number or boolean to `result`; false for any other type. */
function measureLeaf(value: unknown, result: Measure) {
	if (typeIs(value, "string")) {
		result.bytes += STRING_BYTES + value.size();
		if (result.plain && !isPlainString(value)) result.plain = false;
	} else if (typeIs(value, "number")) {
		result.bytes += 8;
		// NaN and the infinities do not survive JSON.
		if (value !== value || value === math.huge || value === -math.huge) result.plain = false;
	} else if (typeIs(value, "boolean")) {
		result.bytes += 1;
	} else {
		return false;
	}
	return true;
}

function walkTable(value: object, onStack: Map<unknown, true>, result: Measure) {
	if (onStack.has(value)) {
		// A cycle: counted once, and never compressible.
		result.plain = false;
		return;
	}
	onStack.set(value, true);
	result.bytes += TABLE_BYTES;
	if (getmetatable(value) !== undefined) result.plain = false;
	const length = (value as Array<unknown>).size();
	let count = 0;
	let indices = 0;
	let strings = 0;
	for (const [k, v] of pairs(value as Record<string | number, unknown>)) {
		count += 1;
		if (typeIs(k, "string")) {
			strings += 1;
			result.bytes += SLOT_BYTES + STRING_BYTES + k.size();
			if (result.plain && !isPlainString(k)) result.plain = false;
		} else {
			result.bytes += SLOT_BYTES;
			if (typeIs(k, "number") && k % 1 === 0 && k >= 1 && k <= length) indices += 1;
		}
		// Leaves are handled in line: most of a profile is leaves, and a call per leaf doubled the cost.
		if (typeIs(v, "number")) {
			result.bytes += 8;
			if (v !== v || v === math.huge || v === -math.huge) result.plain = false;
		} else if (typeIs(v, "table")) {
			walkTable(v, onStack, result);
		} else if (!measureLeaf(v, result)) {
			result.bytes += SLOT_BYTES;
			result.plain = false;
		}
	}
	// JSON keeps exactly two shapes: an array with keys 1..n, or an object with string keys only.
	if (!(indices === count && count === length) && strings !== count) result.plain = false;
	onStack.delete(value);
}

/**
 * Measures a value for the cache: its approximate size in bytes and whether it survives a JSON round trip
 * unchanged (strings of valid UTF-8, finite numbers, booleans, and tables that are arrays 1..n or objects
 * with string keys, without metatables or cycles). Time is proportional to the size of the value.
 *
 * @param value any value
 * @returns `[bytes, plain]`
 * @example
 * ```ts
 * const [bytes, plain] = measureValue({ coins: 10, items: ["sword"] });
 * print(bytes > 0, plain); // true true
 * ```
 * @internal
 */
// Two returns instead of a table: this runs on every set, so it must not allocate.
/* eslint-disable roblox-ts/no-user-defined-lua-tuple */
export function measureValue(value: unknown): LuaTuple<[bytes: number, plain: boolean]> {
	// Strings, numbers and booleans are measured without allocating anything (a LuaTuple is two returns).
	if (typeIs(value, "number")) return $tuple(8, value === value && value !== math.huge && value !== -math.huge);
	if (typeIs(value, "string")) return $tuple(STRING_BYTES + value.size(), isPlainString(value));
	if (typeIs(value, "boolean")) return $tuple(1, true);
	const result = { bytes: 0, plain: true };
	if (typeIs(value, "table")) walkTable(value, new Map(), result);
	else if (!measureLeaf(value, result)) {
		result.bytes = SLOT_BYTES;
		result.plain = false;
	}
	return $tuple(result.bytes, result.plain);
}
/* eslint-enable roblox-ts/no-user-defined-lua-tuple */
