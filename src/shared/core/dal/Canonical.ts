import { dataError } from "./DataError";

/** DataStore values are limited to 4,194,304 characters once JSON-encoded (error-codes-and-limits). */
export const MAX_VALUE_LENGTH = 4194304;
/** Nesting deeper than this is refused: no player profile needs it and deep recursion risks the C stack. */
export const MAX_DEPTH = 64;

const ESCAPES: Record<string, string> = {
	'"': '\\"',
	"\\": "\\\\",
	"\b": "\\b",
	"\f": "\\f",
	"\n": "\\n",
	"\r": "\\r",
	"\t": "\\t",
};
const NEEDS_ESCAPE = '[%c"\\]';
/** Integers below this are written with %d; beyond it a double no longer holds every integer. */
const EXACT_INTEGERS = 2 ** 53;

function escapeString(s: string): string {
	// Most strings (keys, ids) need no escape: find is far cheaper than a gsub that rebuilds the string.
	if (s.find(NEEDS_ESCAPE)[0] === undefined) return '"' + s + '"';
	const [escaped] = string.gsub(
		s,
		NEEDS_ESCAPE,
		(c: string) => ESCAPES[c] ?? string.format("\\u%04x", string.byte(c)[0]),
	);
	return '"' + escaped + '"';
}

/*
 * The encoder appends to one array with its own counter, and keeps the keys from the root to the value being
 * encoded in `trail` instead of building a path string per node: the path is spelled out only for an error.
 * A profile's canonical JSON is built at every save (checksums, the document HMAC), so this is a hot path.
 * Nothing in it yields or calls out, so module state cannot be shared by two encodings at once.
 */
let out = new Array<string>();
let size = 0;
const trail = new Array<string | number>();
let root = "value";

function emit(text: string): void {
	out[size] = text;
	size += 1;
}

/** The path of the value at `depth` (its keys from the root), as errors name it. */
function where(depth: number): string {
	let path = root;
	for (let i = 0; i < depth; i++) {
		const k = trail[i];
		path += typeIs(k, "number") ? `[${k}]` : `.${k}`;
	}
	return path;
}

function encodeNumber(n: number, depth: number): string {
	if (n !== n || n === math.huge || n === -math.huge) {
		throw dataError("NotStorable", `${where(depth)} is ${tostring(n)}: NaN and infinities cannot be stored`);
	}
	if (n % 1 === 0 && math.abs(n) < EXACT_INTEGERS) return string.format("%d", n);
	return string.format("%.17g", n);
}

function encodeTable(value: object, depth: number): void {
	if (depth > MAX_DEPTH) throw dataError("NotStorable", `${where(depth)} nests deeper than ${MAX_DEPTH} levels`);
	if (getmetatable(value) !== undefined) {
		throw dataError("NotStorable", `${where(depth)} has a metatable; only plain tables can be stored`);
	}
	const t = value as Record<string | number, unknown>;
	const length = (value as Array<unknown>).size();
	let count = 0;
	let keys: Array<string> | undefined;
	for (const [k] of pairs(t)) {
		count += 1;
		if (typeIs(k, "string")) {
			if (keys === undefined) keys = [k];
			else keys.push(k);
		} else if (!typeIs(k, "number") || k % 1 !== 0 || k < 1 || k > length) {
			throw dataError(
				"NotStorable",
				`${where(depth)} has a ${typeOf(k)} key ${tostring(k)}: tables must be arrays (keys 1..n) or have only string keys`,
			);
		}
	}
	if (count === 0) {
		emit("[]");
	} else if (keys === undefined) {
		if (count !== length) throw dataError("NotStorable", `${where(depth)} is a sparse array`);
		emit("[");
		for (let i = 0; i < length; i++) {
			if (i > 0) emit(",");
			trail[depth] = i + 1;
			encode((value as Array<unknown>)[i], depth + 1);
		}
		emit("]");
	} else if (keys.size() !== count) {
		throw dataError("NotStorable", `${where(depth)} mixes array items and string keys`);
	} else {
		table.sort(keys);
		emit("{");
		for (let i = 0; i < keys.size(); i++) {
			const k = keys[i];
			emit(i > 0 ? "," + escapeString(k) + ":" : escapeString(k) + ":");
			trail[depth] = k;
			encode(t[k], depth + 1);
		}
		emit("}");
	}
}

function encode(value: unknown, depth: number): void {
	if (typeIs(value, "string")) emit(escapeString(value));
	else if (typeIs(value, "number")) emit(encodeNumber(value, depth));
	else if (typeIs(value, "table")) encodeTable(value, depth);
	else if (typeIs(value, "boolean")) emit(value ? "true" : "false");
	else if (value === undefined) emit("null");
	else throw dataError("NotStorable", `${where(depth)} is a ${typeOf(value)}; only JSON values can be stored`);
}

/**
 * Encodes a value as canonical JSON (object keys sorted), refusing anything a DataStore cannot hold:
 * functions, Instances and other userdata, NaN and infinities, metatables, mixed or sparse tables,
 * non-string keys, and nesting deeper than {@link MAX_DEPTH}. Throws a {@link DataError} naming the path.
 * Equal values always give equal strings, which is what checksums need.
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [true] }); // '{"a":[true],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown, rootName = "value"): string {
	out = [];
	size = 0;
	root = rootName;
	encode(value, 0);
	const text = out.join("");
	out = [];
	return text;
}

/**
 * FNV-1a (32-bit) of a string, as 8 hex digits. Not cryptographic: it detects corruption and torn
 * writes, not tampering.
 */
export function checksum(text: string): string {
	let h = 2166136261;
	const n = text.size();
	for (let i = 1; i <= n; i += 64) {
		const bytes = [...string.byte(text, i, math.min(i + 63, n))];
		for (const b of bytes) {
			h = bit32.bxor(h, b);
			// h * 16777619 mod 2^32 without losing precision: 16777619 = 2^24 + 403.
			h = (bit32.lshift(h, 24) + h * 403) % 4294967296;
		}
	}
	return string.format("%08x", h);
}
