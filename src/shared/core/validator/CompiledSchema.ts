import { CompiledNode } from "./compile";
import { Collector, NodeFn, runNode } from "./nodes";
import { Change, checkChanges, ChangeSettings } from "./validateChanges";
import { SanitizeResult, ValidationError, ValidationResult } from "./ValidationError";

const VALID: ValidationResult = table.freeze({
	ok: true,
	errors: table.freeze([]) as [],
});

function collected(ctx: Collector, fallback: string): ValidationError[] {
	if (ctx.errors.size() === 0) {
		// A fast run failed where the collecting run found nothing to name: never report success for it.
		ctx.errors.push({
			kind: "NotStorable",
			path: "",
			rule: "json",
			message: fallback,
			value: undefined,
		});
	}
	// pairs() visits keys in no fixed order: sort by path (stable, so one value's errors keep their order).
	const order = new Map<ValidationError, number>();
	ctx.errors.forEach((e, i) => order.set(e, i));
	ctx.errors.sort((a, b) => (a.path !== b.path ? a.path < b.path : order.get(a)! < order.get(b)!));
	return ctx.errors;
}

/**
 * A schema compiled into closures, ready to check values of type `T` (inferred from the schema). Get one
 * from `DataValidator.compile`; compiling is the slow part, so keep it and reuse it.
 *
 * @example
 * ```ts
 * const profile = validator.compile({ type: "object", properties: { coins: { type: "integer", minimum: 0 } } } as const);
 * if (profile.check(data)) print(data.coins); // data is typed here
 * ```
 */
export class CompiledSchema<T> {
	/**
	 * True when `value` conforms: a `(value: unknown) => value is T` that works wherever a t check does
	 * (`t.array(profile.check)`). Stops at the first violation and allocates nothing.
	 */
	readonly check: (value: unknown) => value is T;

	private readonly node: NodeFn;
	private readonly changeSettings: ChangeSettings;

	/** @internal Use `DataValidator.compile`. */
	constructor(
		private readonly root: CompiledNode,
		private readonly maxDepth: number,
		private readonly maxSize: number,
	) {
		const node = root.check;
		this.node = node;
		this.changeSettings = {
			maxDepth,
			maxSize,
			bounds: new WeakMap<object, number>(),
		};
		this.check = (value: unknown): value is T => runNode(node, value, undefined, maxDepth, maxSize).ok;
	}

	/**
	 * Checks `value` and lists every violation, each with its path, rule and the offending value.
	 *
	 * @returns `{ ok: true, errors: [] }` (one shared, frozen object) or `{ ok: false, errors }`.
	 * @example
	 * ```ts
	 * const result = profile.validate(data);
	 * if (!result.ok) warn(result.errors.map((e) => `${e.path}: ${e.message}`).join("; "));
	 * ```
	 */
	validate(value: unknown): ValidationResult {
		const outcome = runNode(this.node, value, undefined, this.maxDepth, this.maxSize);
		if (outcome.ok) {
			if (typeIs(value, "table")) {
				this.changeSettings.bounds.set(value as object, outcome.bound);
			}
			return VALID;
		}
		const ctx: Collector = { path: [], errors: [] };
		runNode(this.node, value, ctx, this.maxDepth, this.maxSize);
		return { ok: false, errors: collected(ctx, "value failed validation") };
	}

	/**
	 * Returns a cleaned copy of `value` when the copy is valid. What cleaning does is chosen when the schema
	 * is compiled (`stripUnknown`, `applyDefaults`, `clamp`, `trim`); with none of them this is a validated
	 * deep copy. `value` itself is never modified, and an invalid result is never returned.
	 *
	 * @example
	 * ```ts
	 * const result = profile.sanitize(loaded);
	 * if (result.ok) save(result.value);
	 * ```
	 */
	sanitize(value: unknown): SanitizeResult<T> {
		const cleaned = this.root.clean(value);
		const result = this.validate(cleaned);
		if (result.ok) {
			return { ok: true, value: cleaned as T, errors: [] };
		}
		return { ok: false, value: undefined, errors: result.errors };
	}

	/** @internal Use `DataValidator.validateChanges`. */
	validateChanges(current: T, changes: ReadonlyArray<Change>): ValidationResult {
		if (checkChanges(this.root, current, changes, undefined, this.changeSettings)) {
			return VALID;
		}
		const ctx: Collector = { path: [], errors: [] };
		checkChanges(this.root, current, changes, ctx, this.changeSettings);
		return { ok: false, errors: collected(ctx, "changes failed validation") };
	}
}
