/**
 * What went wrong with a value, in categories a caller can branch on:
 * - `TypeMismatch`: the value has the wrong type (rule `type`)
 * - `ConstraintViolated`: a keyword such as `maximum`, `pattern`, `enum` or `uniqueItems` failed
 * - `MissingField`: a `required` property is absent
 * - `UnknownField`: a property not allowed by `additionalProperties: false`
 * - `NotStorable`: the value cannot be saved in a DataStore: NaN or an infinity (rule `finite`), a
 *   function, Instance or other non-JSON value, a mixed or sparse table (rule `json`), nesting deeper than
 *   the limit (rule `maxDepth`), or a JSON encoding longer than the limit (rule `maxSize`)
 * - `RuleFailed`: a custom rule registered by name returned false or a message (rule = its name), or a t
 *   check used as a schema node failed (rule `check`)
 */
export type ValidationErrorKind =
	| "TypeMismatch"
	| "ConstraintViolated"
	| "MissingField"
	| "UnknownField"
	| "NotStorable"
	| "RuleFailed";

/**
 * One violation. `path` locates it: property names joined by `.`, array indices in brackets and
 * **0-based** as in TypeScript (`inventory[3].count` is the fourth item), keys that are not identifiers
 * quoted (`tags["two words"]`); the empty string is the value itself.
 *
 * @example
 * ```ts
 * const result = compiled.validate(data);
 * if (!result.ok) for (const e of result.errors) warn(`${e.path}: ${e.message}`);
 * ```
 */
export interface ValidationError {
	readonly kind: ValidationErrorKind;
	readonly path: string;
	readonly rule: string;
	readonly message: string;
	readonly value: unknown;
}

/** The outcome of a validation: `ok` with no errors, or every violation found, sorted by path. */
export type ValidationResult =
	| { readonly ok: true; readonly errors: [] }
	| { readonly ok: false; readonly errors: ValidationError[] };

/** The outcome of sanitizing: the cleaned copy when it is valid, otherwise every violation (and no value). */
export type SanitizeResult<T> =
	| { readonly ok: true; readonly value: T; readonly errors: [] }
	| {
			readonly ok: false;
			readonly value: undefined;
			readonly errors: ValidationError[];
	  };

/**
 * Formats a path of keys and 0-based indices the way {@link ValidationError.path} documents.
 *
 * @example
 * ```ts
 * formatPath(["inventory", 3, "count"]); // "inventory[3].count"
 * ```
 */
export function formatPath(segments: ReadonlyArray<string | number>): string {
	let out = "";
	for (const segment of segments) {
		if (typeIs(segment, "number")) {
			out += `[${segment}]`;
		} else if (segment.match("^[%a_][%w_]*$")[0] !== undefined) {
			out += out === "" ? segment : `.${segment}`;
		} else {
			out += `[${string.format("%q", segment)}]`;
		}
	}
	return out;
}
