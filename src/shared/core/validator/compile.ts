import { patternProblem } from "./pattern";
import { Schema, SchemaLiteral, SchemaObject, SchemaTypeName } from "./Schema";
import {
	anyNode,
	arrayCountsNode,
	arrayNode,
	booleanNode,
	checkNode,
	Collector,
	describe,
	NodeFn,
	numberNode,
	objectNode,
	report,
	runNode,
	stringNode,
	TypedNodes,
	unionNode,
} from "./nodes";

/**
 * A custom validator registered by name: returns true when the value passes, false or a message when it
 * does not. It runs only on values that already passed the rest of their node.
 *
 * @example
 * ```ts
 * const levelCap: Rule = (level) => (level as number) <= 100 || "level is capped at 100";
 * ```
 */
export type Rule = (value: unknown) => boolean | string;

/** What a compile needs besides the schema. @internal */
export interface CompileSettings {
	readonly rules: ReadonlyMap<string, Rule>;
	readonly stripUnknown: boolean;
	readonly applyDefaults: boolean;
	readonly clamp: boolean;
	readonly trim: boolean;
	readonly maxDepth: number;
	readonly maxSize: number;
}

/**
 * A compiled schema node: its check, its sanitizer, and the structure incremental validation walks.
 * `ref` nodes stand for a definition still being compiled (recursion) and forward to `target`.
 *
 * @internal
 */
export interface CompiledNode {
	readonly kind: "object" | "array" | "leaf" | "ref";
	check: NodeFn;
	clean: (value: unknown) => unknown;
	readonly properties?: ReadonlyMap<string, CompiledNode>;
	readonly required?: ReadonlyArray<string>;
	/** `false` rejects undeclared keys; undefined allows any storable value. */
	readonly additional?: CompiledNode | false;
	readonly items?: CompiledNode;
	/** An array's uniqueness check and an object's or array's rules: what a change below can break. */
	readonly container?: NodeFn;
	/** An array's `minItems` and `maxItems`, which only adding or removing an element can break. */
	readonly minItems?: number;
	readonly maxItems?: number;
	target?: CompiledNode;
}

/** Follows `ref` nodes to the node they stand for. @internal */
export function deref(node: CompiledNode): CompiledNode {
	while (node.kind === "ref") {
		node = node.target!;
	}
	return node;
}

const KEYWORDS = new Set([
	"type",
	"title",
	"description",
	"$comment",
	"enum",
	"const",
	"default",
	"rules",
	"$ref",
	"definitions",
	"$defs",
	"minimum",
	"maximum",
	"exclusiveMinimum",
	"exclusiveMaximum",
	"multipleOf",
	"minLength",
	"maxLength",
	"pattern",
	"properties",
	"required",
	"additionalProperties",
	"items",
	"minItems",
	"maxItems",
	"uniqueItems",
	"sensitive",
]);

const TYPE_NAMES = new Set<string>(["string", "number", "integer", "boolean", "object", "array"]);

/** Which types each type-specific keyword belongs to. */
const KEYWORD_TYPES = new Map<string, ReadonlyArray<SchemaTypeName>>([
	["minimum", ["number", "integer"]],
	["maximum", ["number", "integer"]],
	["exclusiveMinimum", ["number", "integer"]],
	["exclusiveMaximum", ["number", "integer"]],
	["multipleOf", ["number", "integer"]],
	["minLength", ["string"]],
	["maxLength", ["string"]],
	["pattern", ["string"]],
	["properties", ["object"]],
	["required", ["object"]],
	["additionalProperties", ["object"]],
	["items", ["array"]],
	["minItems", ["array"]],
	["maxItems", ["array"]],
	["uniqueItems", ["array"]],
]);

const REF_SIBLINGS = new Set(["$ref", "title", "description", "$comment"]);

/** Copies a JSON value so the copy shares no table with it; tables nested past `depthLeft` are shared. */
export function deepCopy(value: unknown, depthLeft = 64): unknown {
	if (!typeIs(value, "table") || depthLeft <= 0) {
		return value;
	}
	const out = new Map<unknown, unknown>();
	for (const [k, x] of pairs(value as Map<unknown, unknown>)) {
		out.set(k, deepCopy(x, depthLeft - 1));
	}
	return out;
}

function isLiteral(value: unknown): value is SchemaLiteral {
	return typeIs(value, "string") || typeIs(value, "boolean") || (typeIs(value, "number") && value - value === 0);
}

function literalType(value: SchemaLiteral): SchemaTypeName {
	return typeIs(value, "number") ? (value % 1 === 0 ? "integer" : "number") : (typeOf(value) as SchemaTypeName);
}

/** The node of a type list that handles `v`, told apart the way `unionNode` does. */
function pickTyped<N>(nodes: { readonly [K in keyof TypedNodes]?: N }, v: unknown): N | undefined {
	if (typeIs(v, "string")) return nodes.string;
	if (typeIs(v, "number")) return nodes.number;
	if (typeIs(v, "boolean")) return nodes.boolean;
	if (!typeIs(v, "table")) return undefined;
	if (nodes.object !== undefined && nodes.array !== undefined) {
		const [first] = next(v);
		return first === undefined || typeIs(first, "number") ? nodes.array : nodes.object;
	}
	return nodes.object ?? nodes.array;
}

/** Compiles one schema (the root) into a node tree. Throws a plain message naming the bad keyword. */
export class SchemaCompiler {
	private readonly definitions = new Map<string, Schema>();
	private readonly compiled = new Map<string, CompiledNode>();
	private readonly pending = new Map<string, CompiledNode | false>();
	private rootProxy?: CompiledNode;
	/** Checks of `default` values, run once every reference can be followed. */
	private readonly deferred = new Array<() => void>();

	constructor(
		private readonly root: Schema,
		private readonly settings: CompileSettings,
	) {}

	/** Compiles the root schema. */
	compileRoot(): CompiledNode {
		const root = this.root;
		if (typeIs(root, "table")) {
			for (const key of ["definitions", "$defs"] as const) {
				const defs = (root as SchemaObject)[key];
				if (defs === undefined) continue;
				if (!typeIs(defs, "table")) this.bad("#", `"${key}" must be a table of named schemas`);
				for (const [name, schema] of pairs(defs as unknown as Map<unknown, Schema>)) {
					if (!typeIs(name, "string")) this.bad(`#/${key}`, "definition names must be strings");
					this.definitions.set(`#/${key}/${name}`, schema);
				}
			}
		}
		const node = this.compileNode(root, "#");
		if (this.rootProxy) {
			this.rootProxy.target = node;
		}
		for (const check of this.deferred) {
			check();
		}
		return node;
	}

	private bad(at: string, message: string): never {
		error(`[DataValidator] invalid schema at ${at}: ${message}`, 0);
	}

	private resolveRef(ref: unknown, at: string): CompiledNode {
		if (!typeIs(ref, "string")) this.bad(at, "$ref must be a string");
		if (ref === "#") {
			return (this.rootProxy ??= this.proxy());
		}
		const done = this.compiled.get(ref);
		if (done) return done;
		const schema = this.definitions.get(ref);
		if (schema === undefined) {
			this.bad(at, `$ref ${string.format("%q", ref)} names no definition (write "#/definitions/Name" or "#")`);
		}
		if (this.pending.has(ref)) {
			// Recursion: hand out a forwarding node, pointed at the definition once it is compiled.
			let forward = this.pending.get(ref);
			if (!forward) {
				forward = this.proxy();
				this.pending.set(ref, forward);
			}
			return forward;
		}
		this.pending.set(ref, false);
		const node = this.compileNode(schema, ref);
		const forward = this.pending.get(ref);
		if (forward) forward.target = node;
		this.pending.delete(ref);
		this.compiled.set(ref, node);
		return node;
	}

	private proxy(): CompiledNode {
		const forward: CompiledNode = {
			kind: "ref",
			check: (v, ctx) => forward.target!.check(v, ctx),
			clean: (v) => forward.target!.clean(v),
		};
		return forward;
	}

	private nonNegativeInteger(s: SchemaObject, key: keyof SchemaObject, at: string): number | undefined {
		const value = s[key];
		if (value === undefined) return undefined;
		if (!typeIs(value, "number") || value < 0 || value % 1 !== 0 || value === math.huge) {
			this.bad(at, `"${key}" must be a whole number of at least 0, got ${describe(value)}`);
		}
		return value;
	}

	private finiteNumber(s: SchemaObject, key: keyof SchemaObject, at: string): number | undefined {
		const value = s[key];
		if (value === undefined) return undefined;
		if (!typeIs(value, "number") || value - value !== 0) {
			this.bad(at, `"${key}" must be a finite number, got ${describe(value)}`);
		}
		return value;
	}

	private parseTypes(s: SchemaObject, at: string): Set<SchemaTypeName> | undefined {
		const t = s.type;
		if (t === undefined) return undefined;
		const list = typeIs(t, "string") ? [t] : t;
		if (!typeIs(list, "table") || (list as ReadonlyArray<unknown>).size() === 0) {
			this.bad(at, `"type" must be a type name or a non-empty list of them, got ${describe(t)}`);
		}
		const types = new Set<SchemaTypeName>();
		for (const name of list as ReadonlyArray<unknown>) {
			if (name === "null") {
				this.bad(
					at,
					`"null" is not supported: a Luau table cannot hold nil; leave the property out of "required"`,
				);
			} else if (!typeIs(name, "string") || !TYPE_NAMES.has(name)) {
				this.bad(at, `unknown type ${describe(name)} (use string, number, integer, boolean, object or array)`);
			}
			types.add(name as SchemaTypeName);
		}
		return types;
	}

	private buildExtras(s: SchemaObject, types: Set<SchemaTypeName> | undefined, at: string): NodeFn | undefined {
		const allows = (value: SchemaLiteral) => {
			if (!types) return true;
			const lt = literalType(value);
			return types.has(lt) || (lt === "integer" && types.has("number"));
		};
		let enumSet: Map<unknown, true> | undefined;
		let enumText = "";
		if (s.enum !== undefined) {
			if (!typeIs(s.enum, "table") || s.enum.size() === 0) {
				this.bad(at, `"enum" must be a non-empty list of strings, numbers or booleans`);
			}
			enumSet = new Map();
			const shown = new Array<string>();
			for (const member of s.enum) {
				if (!isLiteral(member))
					this.bad(at, `"enum" members must be strings, finite numbers or booleans, got ${describe(member)}`);
				if (!allows(member)) this.bad(at, `"enum" member ${describe(member)} does not match the node's type`);
				enumSet.set(member, true);
				shown.push(typeIs(member, "string") ? string.format("%q", member) : tostring(member));
			}
			enumText = shown.join(", ");
		}
		const hasConst = s.const !== undefined;
		const constValue = s.const;
		if (hasConst) {
			if (!isLiteral(constValue)) this.bad(at, `"const" must be a string, finite number or boolean`);
			if (!allows(constValue)) this.bad(at, `"const" ${describe(constValue)} does not match the node's type`);
		}
		const ruleNames = new Array<string>();
		const ruleFns = new Array<Rule>();
		if (s.rules !== undefined) {
			if (!typeIs(s.rules, "table")) this.bad(at, `"rules" must be a list of registered rule names`);
			for (const name of s.rules) {
				const rule = typeIs(name, "string") ? this.settings.rules.get(name) : undefined;
				if (!rule) {
					this.bad(at, `rule ${describe(name)} is not registered (call registerRule before compile)`);
				}
				ruleNames.push(name);
				ruleFns.push(rule);
			}
		}
		const ruleCount = ruleFns.size();
		if (!enumSet && !hasConst && ruleCount === 0) {
			return undefined;
		}
		return (v, ctx) => {
			if (enumSet && !enumSet.has(v)) {
				if (ctx) report(ctx, "ConstraintViolated", "enum", v, `${describe(v)} is not one of ${enumText}`);
				return false;
			}
			if (hasConst && v !== constValue) {
				if (ctx) report(ctx, "ConstraintViolated", "const", v, `${describe(v)} is not ${describe(constValue)}`);
				return false;
			}
			let ok = true;
			for (let i = 0; i < ruleCount; i++) {
				const [called, result] = pcall(ruleFns[i], v);
				if (!called || result !== true) {
					if (!ctx) return false;
					const name = ruleNames[i];
					const message = !called
						? `rule "${name}" threw: ${tostring(result)}`
						: typeIs(result, "string")
							? result
							: `failed rule "${name}"`;
					report(ctx, "RuleFailed", name, v, message);
					ok = false;
				}
			}
			return ok;
		};
	}

	private compileNode(schema: Schema, at: string): CompiledNode {
		if (typeIs(schema, "function")) {
			return {
				kind: "leaf",
				check: checkNode(schema, undefined),
				clean: (v) => deepCopy(v),
			};
		} else if (!typeIs(schema, "table")) {
			this.bad(at, `a schema must be a table or a check function, got ${describe(schema)}`);
		}
		const s = schema as SchemaObject;
		for (const [key] of pairs(s as unknown as Map<unknown, unknown>)) {
			if (!typeIs(key, "string") || !KEYWORDS.has(key)) {
				this.bad(at, `unknown keyword ${describe(key)}`);
			}
		}
		if (s.sensitive !== undefined && !typeIs(s.sensitive, "boolean")) {
			this.bad(at, `sensitive must be a boolean, got ${describe(s.sensitive)}`);
		}
		if (at !== "#" && (s.definitions !== undefined || s.$defs !== undefined)) {
			this.bad(at, "definitions are only read at the root of a schema");
		}
		if (s.$ref !== undefined) {
			for (const [key] of pairs(s as unknown as Map<string, unknown>)) {
				if (!REF_SIBLINGS.has(key) && !(at === "#" && (key === "definitions" || key === "$defs"))) {
					this.bad(at, `"${key}" cannot sit beside "$ref": put it in the referenced definition`);
				}
			}
			return this.resolveRef(s.$ref, `${at}/$ref`);
		}
		const types = this.parseTypes(s, at);
		for (const [key, owners] of KEYWORD_TYPES) {
			if (s[key as keyof SchemaObject] === undefined) continue;
			if (!types) {
				this.bad(at, `"${key}" needs a "type" (${owners.join(" or ")})`);
			}
			if (!owners.some((owner) => types.has(owner))) {
				this.bad(at, `"${key}" applies to ${owners.join(" or ")}, but the type is not one of them`);
			}
		}
		const extras = this.buildExtras(s, types, at);
		let node: CompiledNode;
		if (!types) {
			node = {
				kind: "leaf",
				check: anyNode(extras),
				clean: (v) => deepCopy(v),
			};
		} else if (types.size() === 1) {
			const [only] = [...types];
			node = this.typedNode(only, s, at, extras);
		} else {
			const nodes: { -readonly [K in keyof TypedNodes]?: CompiledNode } = {};
			for (const name of types) {
				const key = name === "integer" ? "number" : name;
				if (name === "integer" && types.has("number")) continue;
				nodes[key] = this.typedNode(name, s, at, extras);
			}
			const checks: TypedNodes = {
				string: nodes.string?.check,
				number: nodes.number?.check,
				boolean: nodes.boolean?.check,
				object: nodes.object?.check,
				array: nodes.array?.check,
			};
			const names = [...types].join(" or ");
			node = {
				kind: "leaf",
				check: unionNode(checks, names),
				clean: (v) => {
					const pick = pickTyped(nodes, v);
					return pick ? pick.clean(v) : deepCopy(v);
				},
			};
		}
		if (s.default !== undefined) {
			const check = node.check;
			const fallback = s.default;
			this.deferred.push(() => {
				const ctx: Collector = { path: [], errors: [] };
				if (!runNode(check, fallback, ctx, this.settings.maxDepth, this.settings.maxSize).ok) {
					const first = ctx.errors[0];
					this.bad(at, `"default" does not match its own schema: ${first ? first.message : "invalid"}`);
				}
			});
			if (this.settings.applyDefaults) {
				const base = node.clean;
				node.clean = (v) => (v === undefined ? deepCopy(fallback) : base(v));
			}
		}
		return node;
	}

	private typedNode(typeName: SchemaTypeName, s: SchemaObject, at: string, extras: NodeFn | undefined): CompiledNode {
		const settings = this.settings;
		if (typeName === "number" || typeName === "integer") {
			const minimum = this.finiteNumber(s, "minimum", at);
			const maximum = this.finiteNumber(s, "maximum", at);
			const exclusiveMinimum = this.finiteNumber(s, "exclusiveMinimum", at);
			const exclusiveMaximum = this.finiteNumber(s, "exclusiveMaximum", at);
			const multipleOf = this.finiteNumber(s, "multipleOf", at);
			if (minimum !== undefined && maximum !== undefined && minimum > maximum) {
				this.bad(at, `"minimum" ${minimum} is greater than "maximum" ${maximum}`);
			}
			if (multipleOf !== undefined && multipleOf <= 0) {
				this.bad(at, `"multipleOf" must be greater than 0`);
			}
			const check = numberNode({
				integer: typeName === "integer",
				minimum,
				maximum,
				exclusiveMinimum,
				exclusiveMaximum,
				multipleOf,
				extras,
			});
			const clamp = settings.clamp && (minimum !== undefined || maximum !== undefined);
			return {
				kind: "leaf",
				check,
				clean: clamp
					? (v) => {
							if (!typeIs(v, "number") || v - v !== 0) return v;
							if (minimum !== undefined && v < minimum) return minimum;
							if (maximum !== undefined && v > maximum) return maximum;
							return v;
						}
					: (v) => v,
			};
		} else if (typeName === "string") {
			const minLength = this.nonNegativeInteger(s, "minLength", at);
			const maxLength = this.nonNegativeInteger(s, "maxLength", at);
			if (minLength !== undefined && maxLength !== undefined && minLength > maxLength) {
				this.bad(at, `"minLength" ${minLength} is greater than "maxLength" ${maxLength}`);
			}
			const pattern = s.pattern;
			if (pattern !== undefined) {
				if (!typeIs(pattern, "string")) this.bad(at, `"pattern" must be a string (a Lua pattern)`);
				const problem = patternProblem(pattern);
				if (problem !== undefined) {
					this.bad(at, `"pattern" ${string.format("%q", pattern)} is not a usable Lua pattern: ${problem}`);
				}
			}
			return {
				kind: "leaf",
				check: stringNode({ minLength, maxLength, pattern, extras }),
				clean: settings.trim
					? (v) => (typeIs(v, "string") ? (v.match("^%s*(.-)%s*$")[0] as string) : v)
					: (v) => v,
			};
		} else if (typeName === "boolean") {
			return { kind: "leaf", check: booleanNode(extras), clean: (v) => v };
		} else if (typeName === "object") {
			return this.objectNode(s, at, extras);
		}
		return this.arrayNode(s, at, extras);
	}

	private objectNode(s: SchemaObject, at: string, extras: NodeFn | undefined): CompiledNode {
		const properties = new Map<string, CompiledNode>();
		const checks = new Map<string, NodeFn>();
		const names = new Array<string>();
		if (s.properties !== undefined) {
			if (!typeIs(s.properties, "table")) this.bad(at, `"properties" must be a table of schemas`);
			for (const [name, schema] of pairs(s.properties as unknown as Map<unknown, Schema>)) {
				if (!typeIs(name, "string")) this.bad(`${at}/properties`, `property names must be strings`);
				const node = this.compileNode(schema, `${at}/properties/${name}`);
				properties.set(name, node);
				checks.set(name, node.check);
				names.push(name);
			}
		}
		let additional: CompiledNode | false | undefined;
		const ap = s.additionalProperties;
		if (ap === false) {
			additional = false;
		} else if (ap !== undefined && ap !== true) {
			additional = this.compileNode(ap, `${at}/additionalProperties`);
		}
		const required = new Array<string>();
		if (s.required !== undefined) {
			if (!typeIs(s.required, "table")) this.bad(at, `"required" must be a list of property names`);
			const seen = new Set<string>();
			for (const name of s.required) {
				if (!typeIs(name, "string")) this.bad(at, `"required" entries must be strings, got ${describe(name)}`);
				if (seen.has(name)) this.bad(at, `"required" lists ${string.format("%q", name)} twice`);
				if (additional === false && !properties.has(name)) {
					this.bad(
						at,
						`${string.format("%q", name)} is required but additionalProperties is false and it is not a property`,
					);
				}
				seen.add(name);
				required.push(name);
			}
		}
		const check = objectNode({
			properties: checks,
			required,
			additional: additional === false ? false : additional?.check,
			extras,
		});
		// Keys that sanitizing keeps although no property declares them.
		const keepUnknown = !this.settings.stripUnknown || ap === true || typeIs(ap, "table") || typeIs(ap, "function");
		const additionalNode = additional === false ? undefined : additional;
		return {
			kind: "object",
			check,
			properties,
			required,
			additional,
			container: extras,
			clean: (v) => {
				if (!typeIs(v, "table")) return v;
				const out = new Map<unknown, unknown>();
				for (const [k, x] of pairs(v as Map<unknown, unknown>)) {
					const node = properties.get(k as string);
					if (node) {
						out.set(k, node.clean(x));
					} else if (keepUnknown) {
						out.set(k, additionalNode ? additionalNode.clean(x) : deepCopy(x));
					}
				}
				for (const name of names) {
					if (out.get(name) === undefined) {
						const filled = properties.get(name)!.clean(undefined);
						if (filled !== undefined) out.set(name, filled);
					}
				}
				return out;
			},
		};
	}

	private arrayNode(s: SchemaObject, at: string, extras: NodeFn | undefined): CompiledNode {
		let items: CompiledNode | undefined;
		if (s.items !== undefined) {
			if (typeIs(s.items, "table") && (s.items as unknown as Array<unknown>).size() > 0) {
				this.bad(at, `"items" must be one schema; tuple lists are not supported`);
			}
			items = this.compileNode(s.items, `${at}/items`);
		}
		const minItems = this.nonNegativeInteger(s, "minItems", at);
		const maxItems = this.nonNegativeInteger(s, "maxItems", at);
		if (minItems !== undefined && maxItems !== undefined && minItems > maxItems) {
			this.bad(at, `"minItems" ${minItems} is greater than "maxItems" ${maxItems}`);
		}
		if (s.uniqueItems !== undefined && !typeIs(s.uniqueItems, "boolean")) {
			this.bad(at, `"uniqueItems" must be true or false`);
		}
		const spec = {
			minItems,
			maxItems,
			uniqueItems: s.uniqueItems === true,
			extras,
		};
		const itemNode = items;
		return {
			kind: "array",
			check: arrayNode({ ...spec, items: itemNode?.check }),
			items,
			container: arrayCountsNode({ uniqueItems: spec.uniqueItems, extras }),
			minItems,
			maxItems,
			clean: (v) => {
				if (!typeIs(v, "table")) return v;
				const out = new Map<unknown, unknown>();
				for (const [k, x] of pairs(v as Map<unknown, unknown>)) {
					out.set(k, itemNode ? itemNode.clean(x) : deepCopy(x));
				}
				return out;
			},
		};
	}
}
