import type { EncodingServiceLike } from "../audit/sha256Hex";
import { sha256Hex } from "../audit/sha256Hex";
import { canonicalJson } from "../dal/Canonical";
import { applyStep } from "./applyStep";
import type { MigrationStep } from "./MigrationStep";

/**
 * The SHA-256 (EncodingService) of a step's declaration: its name, versions, `compatibleBackTo`, whether it
 * has a `down`, its sample and what the sample becomes (up, and up then down). Equal declarations give
 * equal checksums on every server; an edit of the name, the versions or the behaviour on the sample
 * changes it, an edit the sample does not exercise does not (see {@link MigrationStep}).
 *
 * @throws MigrationError `StepFailed` when the step fails on its own sample, `InvalidResult` (through
 *   canonicalJson's DataError) when the result cannot be stored.
 * @example
 * ```ts
 * const c = stepChecksum(game.GetService("EncodingService"), step); // 64 hex digits
 * ```
 */
export function stepChecksum(encoding: EncodingServiceLike, step: MigrationStep): string {
	const to = step.from + 1;
	const label = `step "${step.name}" (${step.from} -> ${to})`;
	const declaration: Record<string, unknown> = {
		name: step.name,
		from: step.from,
		to,
		compatibleBackTo: step.compatibleBackTo ?? to,
		hasDown: step.down !== undefined,
	};
	if (step.sample !== undefined) {
		const up = applyStep(`${label} on its sample`, step.up, step.sample);
		declaration.sample = step.sample;
		declaration.up = up;
		if (step.down !== undefined) declaration.downOfUp = applyStep(`${label}'s down on its sample`, step.down, up);
	}
	return sha256Hex(encoding, canonicalJson(declaration, label));
}
