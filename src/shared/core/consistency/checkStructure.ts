import { HttpService } from "@rbxts/services";
import type { CompiledSchema } from "../validator/CompiledSchema";
import type { ValidationError } from "../validator/ValidationError";
import { ConsistencyIssue, describeValue, issue } from "./ConsistencyIssue";
import { getPath } from "./fieldPath";

/** What the structural checks compare the data with. */
export interface StructureLimits {
	/** The game's schema, compiled (absent: only storability, size and depth are checked). */
	readonly schema?: CompiledSchema<unknown>;
	/** The game's template: the value a `fillDefault` fix puts back. */
	readonly template: object;
	readonly maxDepth: number;
	readonly maxSize: number;
}

/** A path made of identifiers only ("a.b.c"): the fixes address fields by such paths. */
function isDotted(path: string): boolean {
	return path.match("^[%w_]+[%w_%.]*$")[0] !== undefined;
}

/** The fix for a field that must take the template's value, when the template has one there. */
function fillFrom(template: object, path: string): { fix?: "fillDefault"; value?: unknown } {
	if (!isDotted(path)) return {};
	const value = getPath(template, path);
	return value === undefined ? {} : { fix: "fillDefault", value };
}

/**
 * Non-storable values, nesting and size, walked by hand so every NaN, infinity, function or mixed table is
 * reported with its path (the schema stops inside a field at its first failure).
 */
function walk(
	value: unknown,
	path: string,
	depth: number,
	limits: StructureLimits,
	out: Array<ConsistencyIssue>,
): void {
	if (typeIs(value, "number")) {
		if (value !== value || value === math.huge || value === -math.huge) {
			const { fix, value: fill } = fillFrom(limits.template, path);
			out.push(
				issue(
					"notFinite",
					"structural",
					path,
					`${path} is ${describeValue(value)}, not a finite number`,
					fix ?? "fillDefault",
					fill ?? 0,
				),
			);
		}
		return;
	}
	if (typeIs(value, "string") || typeIs(value, "boolean") || value === undefined) return;
	if (!typeIs(value, "table")) {
		out.push(
			issue("notStorable", "structural", path, `${path} is a ${typeOf(value)}, which a DataStore cannot hold`),
		);
		return;
	}
	if (depth > limits.maxDepth) {
		out.push(issue("tooDeep", "structural", path, `${path} nests deeper than ${limits.maxDepth} levels`));
		return;
	}
	let numeric = 0;
	let named = 0;
	for (const [key, child] of pairs(value as object)) {
		if (typeIs(key, "number")) numeric += 1;
		else if (typeIs(key, "string")) named += 1;
		else {
			out.push(
				issue("notStorable", "structural", path, `${path} has a ${typeOf(key)} key, which JSON cannot hold`),
			);
			continue;
		}
		const childPath = typeIs(key, "number") ? `${path}[${key - 1}]` : path === "" ? key : `${path}.${key}`;
		walk(child, childPath, depth + 1, limits, out);
	}
	if (numeric > 0 && (named > 0 || (value as Array<unknown>).size() !== numeric)) {
		out.push(
			issue("notStorable", "structural", path, `${path === "" ? "the data" : path} is a mixed or sparse table`),
		);
	}
}

/** One schema violation as an issue, with its declared fix when it has one. */
function fromSchema(e: ValidationError, template: object): ConsistencyIssue | undefined {
	const path = e.path;
	const what = `${path === "" ? "the data" : path}: ${e.message}`;
	switch (e.kind) {
		case "NotStorable":
			return undefined; // the walk reports each one with its own path
		case "MissingField": {
			const { fix, value } = fillFrom(template, path);
			return issue("missingField", "structural", path, what, fix, value);
		}
		case "UnknownField":
			return issue("unknownField", "structural", path, what, isDotted(path) ? "dropUnknown" : undefined);
		case "TypeMismatch": {
			if (
				e.rule === "type" &&
				typeIs(e.value, "number") &&
				e.value % 1 !== 0 &&
				e.message.find("integer")[0] !== undefined
			) {
				return issue("wrongType", "structural", path, what, "clamp", math.floor(e.value));
			}
			const { fix, value } = fillFrom(template, path);
			return issue("wrongType", "structural", path, what, fix, value);
		}
		case "ConstraintViolated": {
			const bound = e.message.match("the m[ai][nx]imum (%S+)$")[0];
			const value = bound !== undefined ? tonumber(bound) : undefined;
			return issue(
				"outOfRange",
				"structural",
				path,
				what,
				value !== undefined && isDotted(path) ? "clamp" : undefined,
				value,
			);
		}
		default:
			return issue("outOfRange", "structural", path, what);
	}
}

/**
 * The structural checks: storability (NaN, infinities, functions, mixed tables), nesting depth, size of
 * the JSON, and the schema (types, required and unknown fields, ranges).
 *
 * @returns the issues found, each with its path; empty when the data is sound.
 * @example
 * ```ts
 * const issues = checkStructure(data, { schema: compiled, template, maxDepth: 32, maxSize: 4194304 });
 * ```
 */
export function checkStructure(data: unknown, limits: StructureLimits): Array<ConsistencyIssue> {
	const out = new Array<ConsistencyIssue>();
	if (!typeIs(data, "table")) {
		out.push(issue("wrongType", "structural", "", `the data is ${describeValue(data)}, not a table`));
		return out;
	}
	walk(data, "", 1, limits, out);
	if (out.size() === 0) {
		const [ok, json] = pcall(() => HttpService.JSONEncode(data));
		if (ok && (json as string).size() > limits.maxSize) {
			out.push(
				issue(
					"tooLarge",
					"structural",
					"",
					`the data takes ${(json as string).size()} characters of JSON, above ${limits.maxSize}`,
				),
			);
		}
	}
	if (limits.schema !== undefined) {
		const result = limits.schema.validate(data);
		if (!result.ok)
			for (const e of result.errors) {
				const found = fromSchema(e, limits.template);
				if (found !== undefined) out.push(found);
			}
	}
	return out;
}
