// The empty object type is the identity of the intersections built below, not a value type.
/* eslint-disable @typescript-eslint/no-empty-object-type */
/**
 * The TypeScript type a schema describes. Write the schema with `as const` so its literals survive:
 *
 * - a t check `Check<T>` gives `T`; `const` gives its literal; `enum` gives the union of its members
 * - `"string"`, `"number"`/`"integer"`, `"boolean"` give `string`, `number`, `boolean`
 * - `"array"` gives `Array<Infer<items>>`
 * - `"object"` gives its `properties`, required ones as required fields and the rest optional; an
 *   `additionalProperties` schema adds a string index signature
 * - `{ $ref: "#/definitions/Name" }` gives the named definition's type (a recursive `"#"` gives `unknown`)
 * - a node without `type` gives `unknown`
 *
 * @example
 * ```ts
 * const schema = { type: "object", properties: { coins: { type: "integer" } }, required: ["coins"] } as const;
 * type Profile = Infer<typeof schema>; // { coins: number }
 * ```
 */
export type Infer<S> = InferNode<S, DefinitionsOf<S>>;

type DefinitionsOf<S> = S extends { readonly definitions: infer D }
	? D
	: S extends { readonly $defs: infer D }
		? D
		: {};

type InferNode<S, D> = S extends (value: unknown) => value is infer U
	? U
	: S extends { readonly const: infer C }
		? C
		: S extends { readonly enum: ReadonlyArray<infer E> }
			? E
			: S extends { readonly $ref: infer R }
				? InferRef<R, D>
				: S extends { readonly type: infer T }
					? InferTyped<T extends ReadonlyArray<infer U> ? U : T, S, D>
					: unknown;

type InferRef<R, D> = R extends `#/definitions/${infer N}`
	? N extends keyof D
		? InferNode<D[N], D>
		: unknown
	: R extends `#/$defs/${infer N}`
		? N extends keyof D
			? InferNode<D[N], D>
			: unknown
		: unknown;

type InferTyped<T, S, D> = T extends "string"
	? string
	: T extends "number" | "integer"
		? number
		: T extends "boolean"
			? boolean
			: T extends "object"
				? InferObject<S, D>
				: T extends "array"
					? S extends { readonly items: infer I }
						? Array<InferNode<I, D>>
						: Array<unknown>
					: never;

type RequiredKeys<S> = S extends { readonly required: ReadonlyArray<infer R> } ? R : never;

type Flatten<T> = { [K in keyof T]: T[K] };

type InferAdditional<S, D> = S extends {
	readonly additionalProperties: infer A;
}
	? A extends boolean
		? {}
		: { [key: string]: InferNode<A, D> }
	: {};

type InferObject<S, D> = S extends { readonly properties: infer P }
	? Flatten<
			{ -readonly [K in keyof P & RequiredKeys<S>]: InferNode<P[K], D> } & {
				-readonly [K in Exclude<keyof P, RequiredKeys<S>>]?: InferNode<P[K], D>;
			} & InferAdditional<S, D>
		>
	: S extends { readonly additionalProperties: infer A }
		? A extends boolean
			? { [key: string]: unknown }
			: { [key: string]: InferNode<A, D> }
		: { [key: string]: unknown };
