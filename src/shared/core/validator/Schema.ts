/**
 * The schema language DataValidator accepts: a documented subset of JSON Schema (draft 7 keywords), plus
 * two additions for Roblox games: a schema node may be an `@rbxts/t` check, and `rules` names custom
 * validators registered on the {@link DataValidator}.
 *
 * A t check node passes a value when the check does and the value is storable too, so a check for a Roblox
 * type (`t.Vector3`) never passes: store such values as plain numbers and tables.
 *
 * Supported keywords:
 * - any node: `type`, `enum`, `const`, `default`, `rules`, `$ref`, `title`, `description`, `$comment`
 * - numbers (`"number"`, `"integer"`): `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`
 *   (numeric form only), `multipleOf`
 * - strings: `minLength`, `maxLength` (in bytes, as Luau's `#` counts), `pattern`
 * - objects: `properties`, `required`, `additionalProperties` (boolean or schema; absent means any storable
 *   value is allowed)
 * - arrays: `items` (one schema for every element), `minItems`, `maxItems`, `uniqueItems`
 * - any node: `sensitive: true` marks personal data (an email, a real name): the one marker the audit trail
 *   (sensitive paths), the admin API (pii.read) and field encryption read, through `sensitivePathsOf`
 * - root only: `definitions` (or `$defs`), referenced as `{ $ref: "#/definitions/Name" }`; `"#"` refers to
 *   the root itself, so schemas may be recursive.
 *
 * `pattern` is a **Lua pattern**, not a regular expression (Luau has none). As in JSON Schema it is
 * unanchored: write `^...$` to match the whole string. To keep regex habits from silently meaning something
 * else, the characters `|`, `{`, `}` and `\` must be escaped with `%` to be literal, and a quantifier may
 * not follow `)`; such patterns are rejected when the schema is compiled, as are malformed Lua patterns.
 *
 * `"null"` is not a type here: a Luau table cannot hold nil, so "may be absent" is expressed by leaving a
 * property out of `required`. Keywords not listed above (including a misspelt one) are rejected at compile
 * time instead of being ignored.
 */

/**
 * A runtime check in the `@rbxts/t` style; a t check (`t.number`, `t.strictInterface(...)`) is one.
 *
 * @example
 * ```ts
 * const isCoins: Check<number> = t.numberMin(0);
 * ```
 */
export type Check<T = unknown> = (value: unknown) => value is T;

/**
 * The `type` keyword's values. `"integer"` is a number without a fractional part.
 *
 * @example
 * ```ts
 * const kinds: SchemaTypeName[] = ["string", "integer"];
 * ```
 */
export type SchemaTypeName = "string" | "number" | "integer" | "boolean" | "object" | "array";

/**
 * A literal an `enum` or `const` may hold.
 *
 * @example
 * ```ts
 * const rarities: SchemaLiteral[] = ["common", "rare"];
 * ```
 */
export type SchemaLiteral = string | number | boolean;

/**
 * One schema node written as a table. See the module documentation for what each keyword means.
 *
 * @example
 * ```ts
 * const item = {
 * 	type: "object",
 * 	properties: { id: { type: "string", pattern: "^%w+$" }, count: { type: "integer", minimum: 1 } },
 * 	required: ["id", "count"],
 * 	additionalProperties: false,
 * } as const satisfies SchemaObject;
 * ```
 */
export interface SchemaObject {
	readonly type?: SchemaTypeName | ReadonlyArray<SchemaTypeName>;
	readonly title?: string;
	readonly description?: string;
	readonly $comment?: string;
	readonly enum?: ReadonlyArray<SchemaLiteral>;
	readonly const?: SchemaLiteral;
	readonly default?: unknown;
	readonly rules?: ReadonlyArray<string>;
	readonly $ref?: string;
	readonly definitions?: { readonly [name: string]: Schema };
	readonly $defs?: { readonly [name: string]: Schema };
	readonly minimum?: number;
	readonly maximum?: number;
	readonly exclusiveMinimum?: number;
	readonly exclusiveMaximum?: number;
	readonly multipleOf?: number;
	readonly minLength?: number;
	readonly maxLength?: number;
	readonly pattern?: string;
	readonly properties?: { readonly [name: string]: Schema };
	readonly required?: ReadonlyArray<string>;
	readonly additionalProperties?: boolean | Schema;
	readonly items?: Schema;
	readonly minItems?: number;
	readonly maxItems?: number;
	readonly uniqueItems?: boolean;
	/** Personal data: concealed in the audit trail, from admins without pii.read, and encrypted at rest. */
	readonly sensitive?: boolean;
}

/**
 * A schema node: a keyword table, or a t-style check function.
 *
 * @example
 * ```ts
 * const level: Schema = { type: "integer", minimum: 1, maximum: 100 };
 * const mode: Schema = t.literal("solo", "duo");
 * ```
 */
export type Schema = SchemaObject | ((value: unknown) => boolean);
