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

function escapeString(s: string): string {
	const [escaped] = string.gsub(
		s,
		'[%c"\\]',
		(c: string) => ESCAPES[c] ?? string.format("\\u%04x", string.byte(c)[0]),
	);
	return `"${escaped}"`;
}

function encodeNumber(n: number, path: string): string {
	if (n !== n || n === math.huge || n === -math.huge) {
		throw dataError("NotStorable", `${path} is ${tostring(n)}: NaN and infinities cannot be stored`);
	}
	if (n % 1 === 0 && math.abs(n) < 2 ** 53) return string.format("%d", n);
	return string.format("%.17g", n);
}

function encode(value: unknown, path: string, depth: number, out: Array<string>): void {
	if (value === undefined) {
		out.push("null");
		return;
	}
	if (typeIs(value, "boolean")) {
		out.push(value ? "true" : "false");
	} else if (typeIs(value, "number")) {
		out.push(encodeNumber(value, path));
	} else if (typeIs(value, "string")) {
		out.push(escapeString(value));
	} else if (typeIs(value, "table")) {
		if (depth > MAX_DEPTH) throw dataError("NotStorable", `${path} nests deeper than ${MAX_DEPTH} levels`);
		if (getmetatable(value) !== undefined) {
			throw dataError("NotStorable", `${path} has a metatable; only plain tables can be stored`);
		}
		const t = value as Record<string | number, unknown>;
		const length = (value as Array<unknown>).size();
		let count = 0;
		let stringKeys = 0;
		for (const [k] of pairs(t)) {
			count += 1;
			if (typeIs(k, "string")) stringKeys += 1;
			else if (!typeIs(k, "number") || k % 1 !== 0 || k < 1 || k > length) {
				throw dataError(
					"NotStorable",
					`${path} has a ${typeOf(k)} key ${tostring(k)}: tables must be arrays (keys 1..n) or have only string keys`,
				);
			}
		}
		if (count === 0) {
			out.push("[]");
		} else if (stringKeys === 0) {
			if (count !== length) throw dataError("NotStorable", `${path} is a sparse array`);
			out.push("[");
			for (let i = 0; i < length; i++) {
				if (i > 0) out.push(",");
				encode((value as Array<unknown>)[i], `${path}[${i + 1}]`, depth + 1, out);
			}
			out.push("]");
		} else if (stringKeys !== count) {
			throw dataError("NotStorable", `${path} mixes array items and string keys`);
		} else {
			const keys = new Array<string>();
			for (const [k] of pairs(t)) keys.push(k as string);
			table.sort(keys);
			out.push("{");
			for (let i = 0; i < keys.size(); i++) {
				const k = keys[i];
				if (i > 0) out.push(",");
				out.push(escapeString(k), ":");
				encode(t[k], `${path}.${k}`, depth + 1, out);
			}
			out.push("}");
		}
	} else {
		throw dataError("NotStorable", `${path} is a ${typeOf(value)}; only JSON values can be stored`);
	}
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
	const out = new Array<string>();
	encode(value, rootName, 0, out);
	return out.join("");
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
