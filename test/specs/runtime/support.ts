/**
 * Small helpers shared by the runtime conformance specs.
 */

/**
 * Yields through one resumption point: every handler or thread deferred before this call has run when it
 * returns (the deferred queue is first in, first out).
 */
export function settle(): void {
	task.defer(coroutine.running());
	coroutine.yield();
}

/** The message of an error without the "Chunk:line: " position Luau puts in front of it. */
export function stripPosition(message: string): string {
	const [stripped] = message.gsub("^[^:\n]+:%d+: ", "");
	return stripped;
}

/** Builds a ModuleScript whose code is `source` (the runtime's Loader compiles Source on require). */
export function moduleWithSource(name: string, source: string, parent?: Instance): ModuleScript {
	const module = new Instance("ModuleScript");
	module.Name = name;
	(module as unknown as { Source: string }).Source = source;
	if (parent) module.Parent = parent;
	return module;
}

/** Runs `fn` and returns the message it threw (without its position), or undefined when it did not throw. */
export function errorOf(fn: () => unknown): string | undefined {
	const [ok, err] = pcall(fn);
	return ok ? undefined : stripPosition(tostring(err));
}

/** Runs `fn` and returns the message it threw, position included, or undefined when it did not throw. */
export function rawErrorOf(fn: () => unknown): string | undefined {
	const [ok, err] = pcall(fn);
	return ok ? undefined : tostring(err);
}

/** Builds a Folder named `name`, optionally parented. */
export function folder(name: string, parent?: Instance): Folder {
	const f = new Instance("Folder");
	f.Name = name;
	if (parent) f.Parent = parent;
	return f;
}
