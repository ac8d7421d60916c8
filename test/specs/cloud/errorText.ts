/**
 * Error helpers for the MemoryStore and Messaging specs. TestEZ's expect exists only inside the spec
 * callbacks, so helpers report instead of asserting.
 */

/** The error `fn` raises, as text, or "<no error>". */
export function errorOf(fn: () => unknown): string {
	const [ok, err] = pcall(fn);
	return ok ? "<no error>" : tostring(err);
}

/** Plain (not pattern) substring test. */
export function contains(text: string, part: string): boolean {
	return text.find(part, 1, true)[0] !== undefined;
}
