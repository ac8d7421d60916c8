/**
 * Small helpers shared by the cloud conformance specs.
 */

/** The error message `fn` throws, or undefined when it does not throw. */
export function errorOf(fn: () => unknown): string | undefined {
	const [ok, err] = pcall(fn);
	return ok ? undefined : tostring(err);
}

/** True when `message` starts with `prefix`. */
export function startsWith(message: string | undefined, prefix: string): boolean {
	return message !== undefined && message.sub(1, prefix.size()) === prefix;
}

/** Waits until every thread in `threads` has finished (their `done` flags are set), in virtual time. */
export function waitAll(done: () => boolean, limitSeconds = 600): void {
	let waited = 0;
	while (!done()) {
		if (waited > limitSeconds) error(`waitAll: still waiting after ${limitSeconds} virtual seconds`);
		waited += task.wait(0.05);
	}
}

/**
 * What an UpdateAsync transform returns: (newValue, userIds?, metadata?). The @rbxts/types signature of
 * GlobalDataStore.UpdateAsync asks for a LuaTuple, so this is the one place the specs build one.
 */
/* eslint-disable roblox-ts/no-user-defined-lua-tuple */
export function transformed<R>(
	value: R | undefined,
	userIds?: Array<number>,
	metadata?: object,
): LuaTuple<[R | undefined, Array<number>?, object?]> {
	return $tuple(value, userIds, metadata);
}
/* eslint-enable roblox-ts/no-user-defined-lua-tuple */
