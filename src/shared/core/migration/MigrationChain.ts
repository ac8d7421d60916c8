import type { EncodingServiceLike } from "../audit/sha256Hex";
import { canonicalJson } from "../dal/Canonical";
import { isDataError } from "../dal/DataError";
import { applyStep } from "./applyStep";
import { isMigrationError, migrationError } from "./MigrationError";
import type { MigrationStep } from "./MigrationStep";
import { stepChecksum } from "./stepChecksum";

/** What the history records of one step. */
export interface PublishedStep {
	readonly name: string;
	readonly from: number;
	readonly checksum: string;
	readonly compatibleBackTo: number;
}

/** What migrating one document did. */
export interface Migrated {
	readonly data: object;
	readonly version: number;
	/** The names of the steps applied, in order (empty when the document was already current). */
	readonly applied: ReadonlyArray<string>;
}

/**
 * Checks the target version's schema: returns what is wrong with `data`, or undefined when it is valid.
 * DataService passes its schema; the tool alone takes one from its config.
 */
export type MigrationValidator = (data: object, version: number) => string | undefined;

function stepLabel(step: MigrationStep): string {
	return `step "${step.name}" (${step.from} -> ${step.from + 1})`;
}

/**
 * A declared chain of steps 1 -> 2 -> ... -> `target`. Construction checks the declarations (a gap, a
 * duplicate name, a step without `up`, a bad `compatibleBackTo`, a sample the step fails on) and computes
 * each step's checksum; `upgrade` is idempotent through the document's version: a document already at the
 * target comes back unchanged, one in the middle of the chain runs only the steps after its version.
 *
 * @example
 * ```ts
 * const chain = new MigrationChain([addGems, splitInventory], encoding);
 * const { data, version } = chain.upgrade(stored.data, stored.v); // version === chain.target
 * ```
 */
export class MigrationChain {
	/** The newest version: one more than the number of steps. */
	readonly target: number;
	private readonly published: ReadonlyArray<PublishedStep>;

	/** @throws MigrationError `InvalidChain` naming the step and what is wrong. */
	constructor(
		private readonly steps: ReadonlyArray<MigrationStep>,
		encoding: EncodingServiceLike,
	) {
		if (!typeIs(steps, "table")) {
			throw migrationError("InvalidChain", `steps must be an array, got ${typeOf(steps)}`);
		}
		const names = new Set<string>();
		const published = new Array<PublishedStep>();
		steps.forEach((step, i) => {
			const where = `steps[${i}]`;
			if (!typeIs(step, "table"))
				throw migrationError("InvalidChain", `${where} must be a table, got ${typeOf(step)}`);
			if (!typeIs(step.name, "string") || step.name.size() === 0) {
				throw migrationError(
					"InvalidChain",
					`${where}.name must be a non-empty string, got ${typeOf(step.name)}`,
				);
			}
			if (names.has(step.name))
				throw migrationError("InvalidChain", `${where}.name "${step.name}" is used twice`);
			names.add(step.name);
			if (step.from !== i + 1) {
				throw migrationError(
					"InvalidChain",
					`${where}.from must be ${i + 1} (steps go 1 -> 2 -> ... in order), got ${typeOf(step.from)} ${tostring(step.from)}`,
					step.name,
				);
			}
			if (!typeIs(step.up, "function")) {
				throw migrationError(
					"InvalidChain",
					`${where}.up must be a function, got ${typeOf(step.up)}`,
					step.name,
				);
			}
			if (step.down !== undefined && !typeIs(step.down, "function")) {
				throw migrationError(
					"InvalidChain",
					`${where}.down must be a function, got ${typeOf(step.down)}`,
					step.name,
				);
			}
			const back = step.compatibleBackTo ?? step.from + 1;
			if (!typeIs(back, "number") || back % 1 !== 0 || back < 1 || back > step.from + 1) {
				throw migrationError(
					"InvalidChain",
					`${where}.compatibleBackTo must be a whole number from 1 to ${step.from + 1}, got ${typeOf(back)} ${tostring(back)}`,
					step.name,
				);
			}
			if (step.sample !== undefined && !typeIs(step.sample, "table")) {
				throw migrationError(
					"InvalidChain",
					`${where}.sample must be a table, got ${typeOf(step.sample)}`,
					step.name,
				);
			}
			const [ok, checksum] = pcall(() => stepChecksum(encoding, step));
			if (!ok) {
				const message =
					isMigrationError(checksum) || isDataError(checksum) ? checksum.message : tostring(checksum);
				throw migrationError("InvalidChain", `${where} fails on its own sample: ${message}`, step.name);
			}
			published.push({ name: step.name, from: step.from, checksum: checksum as string, compatibleBackTo: back });
		});
		this.published = published;
		this.target = steps.size() + 1;
	}

	/** Each step as the history records it, in order. */
	declarations(): ReadonlyArray<PublishedStep> {
		return this.published;
	}

	/**
	 * Runs the steps from `version` to `to` (default the target) on a copy of `data`, then checks the result
	 * with `validate` (the target version's schema) and that it can be stored.
	 *
	 * @throws MigrationError `NewerVersion` (version above the target), `InvalidArgument` (not a whole
	 *   version), `StepFailed`, `InvalidResult`; `data` is never changed.
	 */
	upgrade(data: object, version: number, validate?: MigrationValidator, to = this.target): Migrated {
		if (!typeIs(version, "number") || version % 1 !== 0 || version < 1) {
			throw migrationError(
				"InvalidArgument",
				`the document's version must be a whole number >= 1, got ${typeOf(version)} ${tostring(version)}`,
			);
		}
		if (version > this.target) {
			throw migrationError(
				"NewerVersion",
				`the document is version ${version}; this code knows up to ${this.target}`,
			);
		}
		if (!typeIs(data, "table")) {
			throw migrationError("InvalidArgument", `the document's data must be a table, got ${typeOf(data)}`);
		}
		const applied = new Array<string>();
		let current = data;
		for (let v = version; v < to; v++) {
			const step = this.steps[v - 1];
			current = applyStep(stepLabel(step), step.up, current);
			applied.push(step.name);
		}
		if (applied.size() > 0) this.check(current, to, applied[applied.size() - 1], validate);
		return { data: current, version: math.max(version, to), applied };
	}

	/**
	 * Runs the `down` steps from `version` back to `to` on a copy of `data`.
	 * @throws MigrationError `NoDownStep` when a step on the way declares none, `StepFailed`, `InvalidResult`.
	 */
	downgrade(data: object, version: number, to: number, validate?: MigrationValidator): Migrated {
		if (version > this.target) {
			throw migrationError(
				"NewerVersion",
				`the document is version ${version}; this code knows up to ${this.target}`,
			);
		}
		const applied = new Array<string>();
		let current = data;
		for (let v = version; v > to; v--) {
			const step = this.steps[v - 2];
			if (step.down === undefined) {
				throw migrationError("NoDownStep", `${stepLabel(step)} declares no down step`, step.name);
			}
			current = applyStep(`${stepLabel(step)}'s down`, step.down, current);
			applied.push(step.name);
		}
		if (applied.size() > 0) this.check(current, to, applied[applied.size() - 1], validate);
		return { data: current, version: to, applied };
	}

	private check(data: object, version: number, lastStep: string, validate?: MigrationValidator): void {
		const [storable, err] = pcall(() => canonicalJson(data, "data"));
		if (!storable) {
			const message = isDataError(err) ? err.message : tostring(err);
			throw migrationError(
				"InvalidResult",
				`after step "${lastStep}" the data cannot be stored: ${message}`,
				lastStep,
			);
		}
		if (validate === undefined) return;
		const problem = validate(data, version);
		if (problem !== undefined) {
			throw migrationError(
				"InvalidResult",
				`after step "${lastStep}" the data breaks the schema of version ${version}: ${problem}`,
				lastStep,
			);
		}
	}
}
