import { CompiledSchema } from "./validator/CompiledSchema";
import { Rule, SchemaCompiler } from "./validator/compile";
import { Infer } from "./validator/Infer";
import { Schema } from "./validator/Schema";
import { Change } from "./validator/validateChanges";
import { ValidationResult } from "./validator/ValidationError";

export { CompiledSchema } from "./validator/CompiledSchema";
export type { Rule } from "./validator/compile";
export type { Infer } from "./validator/Infer";
export type { Check, Schema, SchemaLiteral, SchemaObject, SchemaTypeName } from "./validator/Schema";
export type { Change } from "./validator/validateChanges";
export type {
	SanitizeResult,
	ValidationError,
	ValidationErrorKind,
	ValidationResult,
} from "./validator/ValidationError";
export { formatPath } from "./validator/ValidationError";

/**
 * The largest value a DataStore accepts, in characters of its JSON encoding (Roblox creator docs,
 * cloud-services/data-stores/error-codes-and-limits).
 *
 * @example
 * ```ts
 * const tight = new DataValidator({ maxSize: DATASTORE_VALUE_LIMIT / 2 }); // leave room for growth
 * ```
 */
export const DATASTORE_VALUE_LIMIT = 4_194_304;

/**
 * Limits every schema of a {@link DataValidator} enforces.
 *
 * @example
 * ```ts
 * const validator = new DataValidator({ maxDepth: 16 });
 * ```
 */
export interface DataValidatorConfig {
	/**
	 * Deepest table nesting accepted (the root table is 1); also stops cyclic tables. Default 32: this
	 * library's guard against runaway nesting, not a documented DataStore limit.
	 */
	readonly maxDepth?: number;
	/** Longest JSON encoding accepted, in characters. Default {@link DATASTORE_VALUE_LIMIT}. */
	readonly maxSize?: number;
}

/**
 * Sanitization a compiled schema performs in `sanitize`, all off unless asked for:
 * - `stripUnknown`: drop properties no `properties` entry declares (kept where `additionalProperties` is
 *   `true` or a schema)
 * - `applyDefaults`: fill absent values that have a `default` with a copy of it
 * - `clamp`: pull numbers below `minimum` or above `maximum` to that bound
 * - `trim`: remove leading and trailing whitespace from strings
 *
 * @example
 * ```ts
 * const loose = validator.compile(PROFILE_SCHEMA, { stripUnknown: true, applyDefaults: true });
 * const result = loose.sanitize(loadedData);
 * ```
 */
export interface SanitizeOptions {
	readonly stripUnknown?: boolean;
	readonly applyDefaults?: boolean;
	readonly clamp?: boolean;
	readonly trim?: boolean;
}

/**
 * Validates player data against schemas before it is written (the seed's "Data Validation and Schema
 * Enforcement"). Schemas are a documented JSON Schema subset (see `validator/Schema.ts`); each compiles
 * once into closures and is cached by identity. Every value is also held to what a DataStore can store:
 * no NaN or infinities, no functions or Instances, no mixed or sparse tables, bounded depth and size.
 *
 * @example
 * ```ts
 * const validator = new DataValidator();
 * validator.registerRule("levelCap", (level) => (level as number) <= 100 || "level is capped at 100");
 * const profile = validator.compile({
 * 	type: "object",
 * 	properties: { level: { type: "integer", rules: ["levelCap"] }, coins: { type: "integer", minimum: 0 } },
 * 	required: ["level", "coins"],
 * } as const);
 * const result = profile.validate({ level: 5, coins: 10 }); // { ok: true, errors: [] }
 * ```
 */
export class DataValidator {
	private readonly rules = new Map<string, Rule>();
	private readonly cache = new Map<Schema, Map<string, CompiledSchema<unknown>>>();
	private readonly maxDepth: number;
	private readonly maxSize: number;

	/**
	 * @param config - depth and size limits; defaults fit a DataStore value.
	 * @throws when a limit is not a positive whole number.
	 */
	constructor(config: DataValidatorConfig = {}) {
		const maxDepth = config.maxDepth ?? 32;
		const maxSize = config.maxSize ?? DATASTORE_VALUE_LIMIT;
		for (const [name, value] of [
			["maxDepth", maxDepth],
			["maxSize", maxSize],
		] as const) {
			if (!typeIs(value, "number") || value < 1 || value % 1 !== 0) {
				error(`[DataValidator] ${name} must be a whole number of at least 1, got ${tostring(value)}`, 2);
			}
		}
		this.maxDepth = maxDepth;
		this.maxSize = maxSize;
	}

	/**
	 * Registers a custom rule that schemas name in `rules: ["name"]`. It receives a value that already passed
	 * the rest of its node and returns true, or false or a message for the error. A rule that throws fails.
	 * Register rules before compiling the schemas that use them.
	 *
	 * @throws when the name is empty or already registered.
	 * @example
	 * ```ts
	 * validator.registerRule("coinsNeverNegative", (coins) => (coins as number) >= 0 || "coins went negative");
	 * ```
	 */
	registerRule(name: string, rule: Rule): void {
		if (!typeIs(name, "string") || name === "") {
			error("[DataValidator] a rule needs a non-empty name", 2);
		} else if (this.rules.has(name)) {
			error(`[DataValidator] a rule named "${name}" is already registered`, 2);
		} else if (!typeIs(rule, "function")) {
			error(`[DataValidator] rule "${name}" must be a function`, 2);
		}
		this.rules.set(name, rule);
	}

	/**
	 * Compiles a schema into a {@link CompiledSchema} whose type is inferred from the schema (write it
	 * `as const`). The same schema table with the same options returns the same compiled schema.
	 *
	 * @param schema - a schema in the documented JSON Schema subset, or a t check.
	 * @param options - sanitization `sanitize` performs; none by default.
	 * @throws a message naming the schema location and keyword when the schema is invalid: unknown
	 *   keywords, contradictory bounds, regex syntax in `pattern`, unregistered rules, unresolved `$ref`.
	 * @example
	 * ```ts
	 * const coins = validator.compile({ type: "integer", minimum: 0 } as const);
	 * coins.check(5); // true
	 * ```
	 */
	compile<S extends Schema>(schema: S, options: SanitizeOptions = {}): CompiledSchema<Infer<S>> {
		const key = `${options.stripUnknown === true}${options.applyDefaults === true}${options.clamp === true}${options.trim === true}`;
		let byOptions = this.cache.get(schema);
		const cached = byOptions?.get(key);
		if (cached) {
			return cached as CompiledSchema<Infer<S>>;
		}
		const root = new SchemaCompiler(schema, {
			rules: this.rules,
			stripUnknown: options.stripUnknown === true,
			applyDefaults: options.applyDefaults === true,
			clamp: options.clamp === true,
			trim: options.trim === true,
			maxDepth: this.maxDepth,
			maxSize: this.maxSize,
		}).compileRoot();
		const compiled = new CompiledSchema<Infer<S>>(root, this.maxDepth, this.maxSize);
		if (!byOptions) {
			byOptions = new Map();
			this.cache.set(schema, byOptions);
		}
		byOptions.set(key, compiled as CompiledSchema<unknown>);
		return compiled;
	}

	/**
	 * Validates `value` against `schema`, compiling it on first use (then from the cache).
	 *
	 * @example
	 * ```ts
	 * const result = validator.validate(PROFILE_SCHEMA, data);
	 * ```
	 */
	validate(schema: Schema, value: unknown): ValidationResult {
		return this.compile(schema).validate(value);
	}

	/**
	 * Incremental validation: checks only what `changes` touch in `current`, a document that already passed
	 * validation. Each new value is checked fully; removals are checked against `required`; the array
	 * counts, uniqueness and rules of the tables above a change are re-run; the document's size is tracked as
	 * a bound recorded by the last full `validate` of that table (or computed once). `current` is not
	 * modified. Give each change a distinct path: each is checked against `current` as it is.
	 *
	 * @param compiled - the document's compiled schema.
	 * @param current - the document before the changes.
	 * @param changes - paths (property names, 0-based indices) and their new values; undefined removes.
	 * @returns `{ ok: true, errors: [] }` or every violation, with paths from the document root.
	 * @example
	 * ```ts
	 * validator.validateChanges(profile, data, [{ path: ["inventory", 3, "count"], value: 7 }]);
	 * ```
	 */
	validateChanges<T>(compiled: CompiledSchema<T>, current: T, changes: ReadonlyArray<Change>): ValidationResult {
		return compiled.validateChanges(current, changes);
	}
}
