import { HttpService } from "@rbxts/services";
import { formatPath, ValidationError, ValidationErrorKind } from "./ValidationError";

/**
 * The state one validation run shares between compiled nodes, and the helpers they report through.
 *
 * A run is fast first: nodes get `ctx === undefined` and return false at the first violation, touching no
 * path and allocating nothing. Only when that fails does the caller run again with a {@link Collector},
 * which tracks the path as a stack and records every violation. Depth and the size bound live in module
 * locals (Luau upvalues, the cheapest state there is); {@link runNode} saves and restores them, so a
 * custom rule may itself validate something.
 *
 * @internal
 */

/** Where a collecting run records violations; `path` is the stack of keys to the current node. */
export interface Collector {
	readonly path: Array<string | number>;
	readonly errors: ValidationError[];
}

/** A compiled schema node: true when `value` conforms. Reports into `ctx` when one is given. */
export type NodeFn = (value: unknown, ctx: Collector | undefined) => boolean;

// Module locals, not exports: roblox-ts turns an exported `let` into a table field, and these are touched
// by every node of every run.
/** Nesting depth of the table being checked (the root table is depth 1). */
let depth = 0;
/** An upper bound of the JSON length of what has been checked so far in this run. */
let sizeBound = 0;
/** The deepest nesting a run accepts. */
let maxDepth = 32;

/** JSON length bound of a string: each byte may become a 6-character `\u00XX` escape, plus quotes. */
const STRING_FACTOR = 6;
/** Longest JSON spelling of a finite number (`%.17g` with sign and exponent). */
export const NUMBER_BOUND = 24;

/** Size bound contribution of a string value or key. */
export function stringBound(s: string): number {
	return s.size() * STRING_FACTOR + 2;
}

/** A short description of a value for messages, e.g. `number 2.5`, `string "abc"`, `table`. */
export function describe(value: unknown): string {
	if (typeIs(value, "string")) {
		return value.size() > 40
			? `string ${string.format("%q", value.sub(1, 40))}...`
			: `string ${string.format("%q", value)}`;
	} else if (typeIs(value, "number") || typeIs(value, "boolean")) {
		return `${typeOf(value)} ${tostring(value)}`;
	} else if (value === undefined) {
		return "nothing";
	}
	return typeOf(value);
}

/** Records one violation at the collector's current path, or at `key` below it. */
export function report(
	ctx: Collector,
	kind: ValidationErrorKind,
	rule: string,
	value: unknown,
	message: string,
	key?: string | number,
): void {
	if (key !== undefined) {
		ctx.path.push(key);
	}
	ctx.errors.push({ kind, path: formatPath(ctx.path), rule, message, value });
	if (key !== undefined) {
		ctx.path.pop();
	}
}

/** Reports a wrong type and returns false: the one-liner every typed node starts with. */
export function typeFail(ctx: Collector | undefined, expected: string, value: unknown): false {
	if (ctx) {
		report(ctx, "TypeMismatch", "type", value, `expected ${expected}, got ${describe(value)}`);
	}
	return false;
}

/** Reports a number that JSON cannot hold (NaN, inf, -inf) and returns false. */
export function finiteFail(ctx: Collector | undefined, value: unknown): false {
	if (ctx) {
		report(ctx, "NotStorable", "finite", value, `expected a finite number, got ${tostring(value)}`);
	}
	return false;
}

/** Reports nesting past the depth limit and returns false. */
export function depthFail(ctx: Collector | undefined, value: unknown): false {
	if (ctx) {
		report(ctx, "NotStorable", "maxDepth", value, `nesting deeper than ${maxDepth} tables (or a cycle)`);
	}
	return false;
}

/**
 * Checks that `value` is storable in a DataStore with no schema beyond that: finite numbers, strings,
 * booleans, and tables that are either arrays (keys exactly 1..n) or objects (string keys only), nested no
 * deeper than the limit. Used where a schema allows any value.
 */
export function anyStorable(value: unknown, ctx: Collector | undefined): boolean {
	if (typeIs(value, "string")) {
		sizeBound += value.size() * STRING_FACTOR + 2;
		return true;
	} else if (typeIs(value, "number")) {
		if (value - value !== 0) {
			return finiteFail(ctx, value);
		}
		sizeBound += NUMBER_BOUND;
		return true;
	} else if (typeIs(value, "boolean")) {
		sizeBound += 5;
		return true;
	} else if (!typeIs(value, "table")) {
		if (ctx) {
			report(ctx, "NotStorable", "json", value, `a ${describe(value)} cannot be saved in a DataStore`);
		}
		return false;
	}
	depth += 1;
	if (depth > maxDepth) {
		depth -= 1;
		return depthFail(ctx, value);
	}
	const n = (value as unknown as defined[]).size();
	let ok = true;
	let strings = 0;
	let indices = 0;
	let count = 0;
	for (const [k, x] of pairs(value as Map<unknown, unknown>)) {
		count += 1;
		if (typeIs(k, "string")) {
			strings += 1;
			sizeBound += k.size() * STRING_FACTOR + 4;
		} else if (typeIs(k, "number") && k >= 1 && k <= n && k % 1 === 0) {
			indices += 1;
		} else {
			if (!ctx) {
				return false;
			}
			report(
				ctx,
				"NotStorable",
				"json",
				value,
				`key ${describe(k)} cannot be saved: use string keys or an array`,
			);
			ok = false;
			continue;
		}
		if (ctx) {
			ctx.path.push(typeIs(k, "number") ? k - 1 : (k as string));
		}
		if (!anyStorable(x, ctx)) {
			if (!ctx) {
				return false;
			}
			ok = false;
		}
		if (ctx) {
			ctx.path.pop();
		}
	}
	depth -= 1;
	sizeBound += count + 2;
	if (strings > 0 && indices > 0) {
		if (ctx) {
			report(ctx, "NotStorable", "json", value, "a table with both array and string keys cannot be saved");
		}
		return false;
	} else if (indices > 0 && indices !== n) {
		if (ctx) {
			report(ctx, "NotStorable", "json", value, "an array with holes cannot be saved");
		}
		return false;
	}
	return ok;
}

/** The result of {@link runNode}: whether the value passed, and the run's JSON size bound. */
export interface RunOutcome {
	ok: boolean;
	bound: number;
}

const outcome: RunOutcome = { ok: true, bound: 0 };

/**
 * Runs a compiled node as a fresh top-level run (depth 0, size 0) and restores the previous run's state
 * afterwards. Then checks the size: when the bound exceeds `maxSize`, measures the real JSON encoding.
 * Returns a shared outcome object: read it before the next run.
 */
export function runNode(
	node: NodeFn,
	value: unknown,
	ctx: Collector | undefined,
	depthLimit: number,
	maxSize: number,
	startDepth = 0,
): RunOutcome {
	const savedDepth = depth;
	const savedSize = sizeBound;
	const savedMax = maxDepth;
	depth = startDepth;
	sizeBound = 0;
	maxDepth = depthLimit;
	const [called, result] = pcall(node, value, ctx);
	const bound = sizeBound;
	depth = savedDepth;
	sizeBound = savedSize;
	maxDepth = savedMax;
	if (!called) {
		error(result, 0);
	}
	let ok = result;
	if (ok && bound > maxSize) {
		const length = exactSize(value);
		if (length > maxSize) {
			if (ctx) {
				report(
					ctx,
					"NotStorable",
					"maxSize",
					value,
					`JSON encoding is ${length} characters; a DataStore value holds at most ${maxSize}`,
				);
			}
			ok = false;
		}
	}
	outcome.ok = ok;
	outcome.bound = bound;
	return outcome;
}

/** The length of `value` as HttpService:JSONEncode writes it, as DataStores count it. */
export function exactSize(value: unknown): number {
	const [encoded, json] = pcall(() => HttpService.JSONEncode(value));
	return encoded ? (json as string).size() : math.huge;
}

/** Reports a failed keyword on the current value; used by the typed nodes below. */
function violated(ctx: Collector, rule: string, value: unknown, message: string): void {
	report(ctx, "ConstraintViolated", rule, value, message);
}

/** Keywords of a number node; absent ones are undefined. */
export interface NumberSpec {
	readonly integer: boolean;
	readonly minimum?: number;
	readonly maximum?: number;
	readonly exclusiveMinimum?: number;
	readonly exclusiveMaximum?: number;
	readonly multipleOf?: number;
	readonly extras?: NodeFn;
}

/** A node for `"number"` or `"integer"`. NaN and infinities always fail. */
export function numberNode(spec: NumberSpec): NodeFn {
	const integer = spec.integer;
	const minimum = spec.minimum;
	const maximum = spec.maximum;
	const exMin = spec.exclusiveMinimum;
	const exMax = spec.exclusiveMaximum;
	const multipleOf = spec.multipleOf;
	const extras = spec.extras;
	const expected = integer ? "integer" : "number";
	const general: NodeFn = (v, ctx) => {
		if (!typeIs(v, "number")) {
			return typeFail(ctx, expected, v);
		} else if (v - v !== 0) {
			return finiteFail(ctx, v);
		}
		sizeBound += NUMBER_BOUND;
		let ok = true;
		if (integer && v % 1 !== 0) {
			if (!ctx) return false;
			typeFail(ctx, "integer", v);
			ok = false;
		}
		if (minimum !== undefined && v < minimum) {
			if (!ctx) return false;
			violated(ctx, "minimum", v, `${v} is less than the minimum ${minimum}`);
			ok = false;
		}
		if (maximum !== undefined && v > maximum) {
			if (!ctx) return false;
			violated(ctx, "maximum", v, `${v} is greater than the maximum ${maximum}`);
			ok = false;
		}
		if (exMin !== undefined && v <= exMin) {
			if (!ctx) return false;
			violated(ctx, "exclusiveMinimum", v, `${v} must be greater than ${exMin}`);
			ok = false;
		}
		if (exMax !== undefined && v >= exMax) {
			if (!ctx) return false;
			violated(ctx, "exclusiveMaximum", v, `${v} must be less than ${exMax}`);
			ok = false;
		}
		if (multipleOf !== undefined) {
			const q = v / multipleOf;
			if (math.abs(q - math.round(q)) > 1e-9) {
				if (!ctx) return false;
				violated(ctx, "multipleOf", v, `${v} is not a multiple of ${multipleOf}`);
				ok = false;
			}
		}
		if (extras && ok) {
			return extras(v, ctx);
		}
		return ok;
	};
	if (exMin !== undefined || exMax !== undefined || multipleOf !== undefined) {
		return general;
	}
	// The common case, specialised: absent bounds become infinities, so a valid number costs two
	// comparisons. Anything that fails (or a collecting run) goes to the general node for its report.
	const low = minimum ?? -math.huge;
	const high = maximum ?? math.huge;
	if (integer) {
		return (v, ctx) => {
			// NaN and infinities fail `v % 1 === 0` (their remainder is NaN).
			if (ctx || !typeIs(v, "number") || v % 1 !== 0 || v < low || v > high) {
				return general(v, ctx);
			}
			sizeBound += NUMBER_BOUND;
			return extras ? extras(v, undefined) : true;
		};
	}
	return (v, ctx) => {
		if (ctx || !typeIs(v, "number") || v - v !== 0 || v < low || v > high) {
			return general(v, ctx);
		}
		sizeBound += NUMBER_BOUND;
		return extras ? extras(v, undefined) : true;
	};
}

/** Keywords of a string node; `pattern` has already been checked to be a valid Lua pattern. */
export interface StringSpec {
	readonly minLength?: number;
	readonly maxLength?: number;
	readonly pattern?: string;
	readonly extras?: NodeFn;
}

/** A node for `"string"`. Lengths are in bytes, as `#` counts them. */
export function stringNode(spec: StringSpec): NodeFn {
	const minLength = spec.minLength;
	const maxLength = spec.maxLength;
	const pattern = spec.pattern;
	const extras = spec.extras;
	const general: NodeFn = (v, ctx) => {
		if (!typeIs(v, "string")) {
			return typeFail(ctx, "string", v);
		}
		const n = v.size();
		sizeBound += n * STRING_FACTOR + 2;
		let ok = true;
		if (minLength !== undefined && n < minLength) {
			if (!ctx) return false;
			violated(ctx, "minLength", v, `length ${n} is shorter than the minimum ${minLength}`);
			ok = false;
		}
		if (maxLength !== undefined && n > maxLength) {
			if (!ctx) return false;
			violated(ctx, "maxLength", v, `length ${n} is longer than the maximum ${maxLength}`);
			ok = false;
		}
		if (pattern !== undefined && v.find(pattern)[0] === undefined) {
			if (!ctx) return false;
			violated(ctx, "pattern", v, `${describe(v)} does not match the pattern ${string.format("%q", pattern)}`);
			ok = false;
		}
		if (extras && ok) {
			return extras(v, ctx);
		}
		return ok;
	};
	const shortest = minLength ?? 0;
	const longest = maxLength ?? math.huge;
	return (v, ctx) => {
		if (ctx || !typeIs(v, "string")) {
			return general(v, ctx);
		}
		const n = v.size();
		if (n < shortest || n > longest || (pattern !== undefined && v.find(pattern)[0] === undefined)) {
			return false;
		}
		sizeBound += n * STRING_FACTOR + 2;
		return extras ? extras(v, undefined) : true;
	};
}

/** A node for `"boolean"`. */
export function booleanNode(extras: NodeFn | undefined): NodeFn {
	return (v, ctx) => {
		if (!typeIs(v, "boolean")) {
			return typeFail(ctx, "boolean", v);
		}
		sizeBound += 5;
		return extras ? extras(v, ctx) : true;
	};
}

/** The parts of an object node. */
export interface ObjectSpec {
	/** Node of each declared property. */
	readonly properties: ReadonlyMap<string, NodeFn>;
	/** Names in `required`, in order. */
	readonly required: ReadonlyArray<string>;
	/** `false` rejects undeclared keys; a node checks them; undefined allows any storable value. */
	readonly additional: NodeFn | false | undefined;
	readonly extras?: NodeFn;
}

/**
 * A node for `"object"`: one pass over the value's keys (a t.strictInterface makes two), counting the
 * required properties it meets; only when some are missing does it look for which.
 */
export function objectNode(spec: ObjectSpec): NodeFn {
	const properties = spec.properties;
	const requiredList = spec.required;
	const requiredCount = requiredList.size();
	const requiredSet = new Map<string, true>();
	for (const name of requiredList) {
		requiredSet.set(name, true);
	}
	let declared = 0;
	let allRequired = true;
	for (const [name] of properties) {
		declared += 1;
		if (!requiredSet.has(name)) {
			allRequired = false;
		}
	}
	// Counting every declared property seen is enough when each one is required and nothing else is.
	allRequired = allRequired && declared === requiredCount;
	const additional = spec.additional;
	const extras = spec.extras;
	// Bound of every declared key and its comma, present or not: an upper bound, added once per object.
	let keysBound = 2;
	for (const [name] of properties) {
		keysBound += name.size() * STRING_FACTOR + 5;
	}
	const general: NodeFn = (v, ctx) => {
		if (!typeIs(v, "table")) {
			return typeFail(ctx, "object", v);
		}
		depth += 1;
		if (depth > maxDepth) {
			depth -= 1;
			return depthFail(ctx, v);
		}
		let ok = true;
		let seen = 0;
		let count = 0;
		let badKey = false;
		for (const [k, x] of pairs(v as Map<unknown, unknown>)) {
			count += 1;
			const node = properties.get(k as string);
			if (node) {
				sizeBound += (k as string).size() * STRING_FACTOR + 4;
				if (allRequired || requiredSet.has(k as string)) {
					seen += 1;
				}
				if (ctx) {
					ctx.path.push(k as string);
					if (!node(x, ctx)) ok = false;
					ctx.path.pop();
				} else if (!node(x, undefined)) {
					return false;
				}
				continue;
			} else if (!typeIs(k, "string")) {
				if (!ctx) return false;
				if (!badKey) {
					report(
						ctx,
						"TypeMismatch",
						"type",
						v,
						`expected an object with string keys, found key ${describe(k)}`,
					);
				}
				badKey = true;
				ok = false;
				continue;
			}
			sizeBound += k.size() * STRING_FACTOR + 4;
			if (requiredSet.has(k)) {
				seen += 1;
			}
			if (additional === false) {
				if (!ctx) return false;
				report(ctx, "UnknownField", "additionalProperties", x, `unknown field ${string.format("%q", k)}`, k);
				ok = false;
				continue;
			}
			if (ctx) {
				ctx.path.push(k);
				if (!(additional ? additional(x, ctx) : anyStorable(x, ctx))) ok = false;
				ctx.path.pop();
			} else if (!(additional ? additional(x, undefined) : anyStorable(x, undefined))) {
				return false;
			}
		}
		depth -= 1;
		sizeBound += count + 2;
		if (seen < requiredCount) {
			if (!ctx) return false;
			for (const name of requiredList) {
				if ((v as Map<string, unknown>).get(name) === undefined) {
					report(
						ctx,
						"MissingField",
						"required",
						undefined,
						`missing required field ${string.format("%q", name)}`,
						name,
					);
				}
			}
			ok = false;
		}
		if (extras && ok) {
			return extras(v, ctx);
		}
		return ok;
	};
	const additionalCheck = additional === false ? undefined : (additional ?? anyStorable);
	return (v, ctx) => {
		if (ctx || !typeIs(v, "table")) {
			return general(v, ctx);
		}
		depth += 1;
		if (depth > maxDepth) {
			depth -= 1;
			return false;
		}
		let seen = 0;
		for (const [k, x] of pairs(v as Map<unknown, unknown>)) {
			const node = properties.get(k as string);
			if (node) {
				if (!node(x, undefined)) {
					return false;
				}
				if (allRequired || requiredSet.has(k as string)) {
					seen += 1;
				}
			} else if (additionalCheck && typeIs(k, "string")) {
				if (requiredSet.has(k)) {
					seen += 1;
				}
				sizeBound += k.size() * STRING_FACTOR + 5;
				if (!additionalCheck(x, undefined)) {
					return false;
				}
			} else {
				return false;
			}
		}
		depth -= 1;
		if (seen < requiredCount) {
			return false;
		}
		sizeBound += keysBound;
		return extras ? extras(v, undefined) : true;
	};
}

/** The parts of an array node. */
export interface ArraySpec {
	readonly items?: NodeFn;
	readonly minItems?: number;
	readonly maxItems?: number;
	readonly uniqueItems: boolean;
	readonly extras?: NodeFn;
}

/** True when `a` and `b` hold the same JSON value. */
export function deepEqual(a: unknown, b: unknown): boolean {
	if (a === b) {
		return true;
	} else if (!typeIs(a, "table") || !typeIs(b, "table")) {
		return false;
	}
	let count = 0;
	for (const [k, x] of pairs(a as Map<unknown, unknown>)) {
		count += 1;
		if (!deepEqual(x, (b as Map<unknown, unknown>).get(k))) {
			return false;
		}
	}
	let countB = 0;
	for (const [k] of pairs(b as Map<unknown, unknown>)) {
		if (k !== undefined) countB += 1;
	}
	return count === countB;
}

/** Index (1-based, Luau) of the first element equal to an earlier one, or undefined when all differ. */
export function firstDuplicate(list: Map<number, unknown>, n: number): number | undefined {
	const primitives = new Map<unknown, true>();
	const tables = new Array<defined>();
	for (let i = 1; i <= n; i++) {
		const x = list.get(i);
		if (x === undefined) {
			continue;
		} else if (typeIs(x, "table")) {
			for (const other of tables) {
				if (deepEqual(x, other)) return i;
			}
			tables.push(x as defined);
		} else if (primitives.has(x)) {
			return i;
		} else {
			primitives.set(x, true);
		}
	}
	return undefined;
}

/** Checks the count and uniqueness keywords of an array whose elements have already been checked. */
export function arrayCountsNode(spec: ArraySpec): NodeFn | undefined {
	const minItems = spec.minItems;
	const maxItems = spec.maxItems;
	const unique = spec.uniqueItems;
	const extras = spec.extras;
	if (minItems === undefined && maxItems === undefined && !unique && !extras) {
		return undefined;
	}
	return (v, ctx) => {
		const n = (v as defined[]).size();
		let ok = true;
		if (minItems !== undefined && n < minItems) {
			if (!ctx) return false;
			violated(ctx, "minItems", v, `${n} items; at least ${minItems} required`);
			ok = false;
		}
		if (maxItems !== undefined && n > maxItems) {
			if (!ctx) return false;
			violated(ctx, "maxItems", v, `${n} items; at most ${maxItems} allowed`);
			ok = false;
		}
		if (unique) {
			const dup = firstDuplicate(v as Map<number, unknown>, n);
			if (dup !== undefined) {
				if (!ctx) return false;
				violated(ctx, "uniqueItems", v, `item ${dup - 1} repeats an earlier item`);
				ok = false;
			}
		}
		if (extras && ok) {
			return extras(v, ctx);
		}
		return ok;
	};
}

/**
 * A node for `"array"`: one pass over the keys, which must be exactly 1..n in Luau (no holes, no other
 * keys), checking each element as it goes.
 */
export function arrayNode(spec: ArraySpec): NodeFn {
	const items = spec.items;
	const counts = arrayCountsNode(spec);
	const general: NodeFn = (v, ctx) => {
		if (!typeIs(v, "table")) {
			return typeFail(ctx, "array", v);
		}
		depth += 1;
		if (depth > maxDepth) {
			depth -= 1;
			return depthFail(ctx, v);
		}
		const n = (v as defined[]).size();
		let ok = true;
		let count = 0;
		for (const [k, x] of pairs(v as Map<unknown, unknown>)) {
			count += 1;
			if (!typeIs(k, "number") || k < 1 || k > n || k % 1 !== 0) {
				depth -= 1;
				return typeFail(ctx, "array", v);
			}
			if (ctx) {
				ctx.path.push(k - 1);
				if (!(items ? items(x, ctx) : anyStorable(x, ctx))) ok = false;
				ctx.path.pop();
			} else if (!(items ? items(x, undefined) : anyStorable(x, undefined))) {
				return false;
			}
		}
		depth -= 1;
		if (count !== n) {
			if (ctx) {
				report(ctx, "NotStorable", "json", v, "an array with holes cannot be saved");
			}
			return false;
		}
		sizeBound += count + 2;
		if (counts && ok) {
			return counts(v, ctx);
		}
		return ok;
	};
	const each = items ?? anyStorable;
	return (v, ctx) => {
		if (ctx || !typeIs(v, "table")) {
			return general(v, ctx);
		}
		depth += 1;
		if (depth > maxDepth) {
			depth -= 1;
			return false;
		}
		const n = (v as defined[]).size();
		let count = 0;
		for (const [k, x] of pairs(v as Map<unknown, unknown>)) {
			if (!typeIs(k, "number") || k < 1 || k > n || k % 1 !== 0 || !each(x, undefined)) {
				return false;
			}
			count += 1;
		}
		depth -= 1;
		if (count !== n) {
			return false;
		}
		sizeBound += n + 2;
		return counts ? counts(v, undefined) : true;
	};
}

/** Types a multi-type node dispatches on. */
export interface TypedNodes {
	readonly string?: NodeFn;
	readonly number?: NodeFn;
	readonly boolean?: NodeFn;
	readonly object?: NodeFn;
	readonly array?: NodeFn;
}

/** A node for a list of types (`type: ["string", "number"]`): picks the node for the value's type. */
export function unionNode(nodes: TypedNodes, expected: string): NodeFn {
	const str = nodes.string;
	const num = nodes.number;
	const bool = nodes.boolean;
	const obj = nodes.object;
	const arr = nodes.array;
	return (v, ctx) => {
		if (typeIs(v, "string")) {
			return str ? str(v, ctx) : typeFail(ctx, expected, v);
		} else if (typeIs(v, "number")) {
			return num ? num(v, ctx) : typeFail(ctx, expected, v);
		} else if (typeIs(v, "boolean")) {
			return bool ? bool(v, ctx) : typeFail(ctx, expected, v);
		} else if (typeIs(v, "table")) {
			if (obj && arr) {
				const [first] = next(v);
				return first === undefined || typeIs(first, "number") ? arr(v, ctx) : obj(v, ctx);
			}
			const node = obj ?? arr;
			return node ? node(v, ctx) : typeFail(ctx, expected, v);
		}
		return typeFail(ctx, expected, v);
	};
}

/** A node with no `type`: any storable value, then the node's `enum`/`const`/`rules`. */
export function anyNode(extras: NodeFn | undefined): NodeFn {
	if (!extras) {
		return anyStorable;
	}
	return (v, ctx) => anyStorable(v, ctx) && extras(v, ctx);
}

/** A t-style check as a node: the value must pass it and be storable. t's reason becomes the message. */
export function checkNode(check: (value: unknown) => boolean, extras: NodeFn | undefined): NodeFn {
	return (v, ctx) => {
		// t checks return (passed, reason): two values, which only a LuaTuple can describe.
		// eslint-disable-next-line roblox-ts/no-user-defined-lua-tuple
		const [passed, reason] = (check as unknown as (value: unknown) => LuaTuple<[boolean, unknown]>)(v);
		if (!passed) {
			if (ctx) {
				report(ctx, "RuleFailed", "check", v, reason !== undefined ? tostring(reason) : "failed its check");
			}
			return false;
		}
		if (!anyStorable(v, ctx)) {
			return false;
		}
		return extras ? extras(v, ctx) : true;
	};
}
