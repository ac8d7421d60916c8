import { serviceError } from "../DataServiceError";

/**
 * Runs a game's callback that must not yield (it runs while the player's lock is held and its result is
 * applied at once): a yield is an error and the callback's thread is closed, so nothing it would have
 * done after the yield happens. The callback's own error is rethrown as `TransformFailed` without the
 * position Luau prefixes to string errors.
 *
 * @param what - names the callback in error messages ("the update function").
 * @throws `TransformFailed` when `fn` yields or errors.
 * @example
 * ```ts
 * const change = noYield("the update function", () => fn(copy));
 * ```
 */
export function noYield<R>(what: string, fn: () => R): R {
	const thread = coroutine.create(fn);
	const [ok, result] = coroutine.resume(thread);
	if (coroutine.status(thread) !== "dead") {
		coroutine.close(thread);
		throw serviceError("TransformFailed", `${what} yielded; it must return at once (nothing was changed)`);
	}
	if (!ok) {
		if (typeIs(result, "table")) throw result;
		throw serviceError("TransformFailed", `${what} errored: ${stripPosition(tostring(result))}`);
	}
	return result as R;
}

/** Drops the "Module:12: " prefix Luau puts before a string error. */
export function stripPosition(message: string): string {
	const [rest] = message.gsub("^[%w%._%-/ ]+:%d+: ", "");
	return rest;
}
