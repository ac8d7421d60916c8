import { canonicalJson } from "shared/core/dal/Canonical";
import type { CompiledSchema, ValidationError } from "shared/core/DataValidator";
import { isDataError } from "shared/core/dal/DataError";
import { serviceError } from "./DataServiceError";
import type { ServiceStatistics } from "./DataServiceTypes";

/** A change of one field, by path from the top of the player's data. */
export interface FieldChange {
	readonly path: Array<string>;
	readonly value: unknown;
}

function describeErrors(errors: ReadonlyArray<ValidationError>): string {
	return errors.map((e) => `${e.path === "" ? "(root)" : e.path}: ${e.message}`).join("; ");
}

/**
 * The pipeline's validate stage: the game's schema, the currency rule (configured top-level fields stay
 * finite and at least 0) and, always, storability (no NaN, infinities, functions, mixed or cyclic tables:
 * Roblox stores some of these silently changed, and a profile holding one fails every later save). The
 * schema and currency checks are what `validateAllWrites` turns off; storability cannot be turned off.
 *
 * @example
 * ```ts
 * validator.checkChanges(current, [{ path: ["coins"], value: 10 }]); // throws ValidationFailed
 * ```
 */
export class ChangeValidator {
	/** Changes and whole datas checked so far. */
	validated = 0;

	/**
	 * @param compiled - the game's compiled schema (undefined: no schema check).
	 * @param currencies - top-level numeric fields that must stay finite and at least 0.
	 * @param enabled - the config's `validateAllWrites`.
	 */
	constructor(
		private readonly compiled: CompiledSchema<unknown> | undefined,
		private readonly currencies: ReadonlyArray<string>,
		private readonly enabled: boolean,
		private readonly stats: ServiceStatistics,
	) {}

	/** Validates changes to `current` (an update); throws `ValidationFailed` naming each bad field. */
	checkChanges(current: object, list: ReadonlyArray<FieldChange>): void {
		const errors = new Array<ValidationError>();
		for (const change of list) this.checkStorable(change.path.join("."), change.value, errors);
		if (this.enabled && errors.size() === 0) {
			this.validated += 1;
			if (this.compiled !== undefined) {
				const result = this.compiled.validateChanges(current, list);
				if (!result.ok) for (const e of result.errors) errors.push(e);
			}
			for (const change of list) {
				if (change.path.size() === 1) this.checkCurrency(change.path[0], change.value, errors);
			}
		}
		this.fail(errors, "changes rejected");
	}

	/** Validates a whole new data (transfers, deliveries, migrations); throws `ValidationFailed`. */
	checkWhole(data: unknown, what = "transfer"): void {
		if (!typeIs(data, "table")) {
			throw serviceError("ValidationFailed", `${what} rejected: the data must be a table, got ${typeOf(data)}`);
		}
		const errors = new Array<ValidationError>();
		this.checkStorable("", data, errors);
		if (this.enabled && errors.size() === 0) {
			this.validated += 1;
			if (this.compiled !== undefined) {
				const result = this.compiled.validate(data);
				if (!result.ok) for (const e of result.errors) errors.push(e);
			}
			for (const field of this.currencies) {
				this.checkCurrency(field, (data as Record<string, unknown>)[field], errors);
			}
		}
		this.fail(errors, `${what} rejected`);
	}

	/** Schema errors of a loaded profile's data (always checked, whatever `validateAllWrites` says). */
	problemsOf(data: unknown): Array<ValidationError> {
		const errors = new Array<ValidationError>();
		this.checkStorable("", data, errors);
		if (errors.size() > 0) return errors;
		if (this.compiled !== undefined) {
			const result = this.compiled.validate(data);
			if (!result.ok) for (const e of result.errors) errors.push(e);
		}
		return errors;
	}

	private fail(errors: ReadonlyArray<ValidationError>, what: string): void {
		if (errors.size() === 0) return;
		this.stats.rejectedUpdates += 1;
		throw serviceError("ValidationFailed", `${what}: ${describeErrors(errors)}`, errors);
	}

	private checkStorable(path: string, value: unknown, errors: Array<ValidationError>): void {
		const [ok, err] = pcall(() => canonicalJson(value, path === "" ? "data" : path));
		if (ok) return;
		const message = isDataError(err) ? err.message : tostring(err);
		errors.push({ kind: "RuleFailed", path, rule: "storable", message, value });
	}

	private checkCurrency(field: string, value: unknown, errors: Array<ValidationError>): void {
		if (!this.currencies.includes(field) || value === undefined) return;
		if (!typeIs(value, "number") || value < 0 || value !== value || value === math.huge) {
			errors.push({
				kind: "RuleFailed",
				path: field,
				rule: "currency",
				message: `${field} must be a finite number of at least 0, got ${typeOf(value)} ${tostring(value)}`,
				value,
			});
		}
	}
}
