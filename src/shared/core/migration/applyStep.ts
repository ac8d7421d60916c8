import { deepCopy } from "shared/protocol/deepCopy";
import { migrationError } from "./MigrationError";

/**
 * Runs one direction of a step on a copy of `data`, without letting it yield: a step runs under a
 * player's lock (on load) or inside an UpdateAsync transform (batch), where a yield would let other writes
 * in between its read and its result. A step that errors, yields or returns a non-table throws
 * `StepFailed` naming the step and what it returned; `data` itself is never touched.
 *
 * @param label - names the step in messages (`step "add gems" (1 -> 2)`).
 * @throws MigrationError `StepFailed`.
 * @example
 * ```ts
 * const next = applyStep('step "add gems" (1 -> 2)', step.up, data);
 * ```
 */
export function applyStep(label: string, fn: (data: object) => object, data: object): object {
	const input = deepCopy(data);
	const thread = coroutine.create(fn);
	const [ok, result] = coroutine.resume(thread, input);
	if (coroutine.status(thread) !== "dead") {
		coroutine.close(thread);
		throw migrationError("StepFailed", `${label} yielded; a step must return at once (nothing was changed)`);
	}
	if (!ok) {
		const [message] = tostring(
			typeIs(result, "table") ? ((result as { message?: unknown }).message ?? result) : result,
		).gsub("^[%w%._%-/ ]+:%d+: ", "");
		throw migrationError("StepFailed", `${label} errored: ${message} (nothing was changed)`);
	}
	if (!typeIs(result, "table")) {
		throw migrationError(
			"StepFailed",
			`${label} must return a table, got ${typeOf(result)} ${tostring(result)} (nothing was changed)`,
		);
	}
	return result as object;
}
