/**
 * Typed access to the runtime's memory tools: force the collector to finish, and count what the engine
 * can still reach (test/runtime/engine/Memory.luau).
 */

/** What the engine can still reach after a full collection. */
export interface Census {
	/** Instances with a state (in a running DataModel, or orphans still referenced). */
	instances: number;
	/** Instances of stopped DataModels that something still references. */
	purged: number;
	/** Threads the scheduler has seen that are still reachable; `liveThreads` of them are not dead. */
	threads: number;
	liveThreads: number;
	signals: number;
	connections: number;
	/** Compiled chunks the Loader keeps (one per module source). */
	chunks: number;
	/** Entries in the scheduler's sleep heap. */
	sleepers: number;
	/** The Luau heap, in KiB. */
	heapKiB: number;
}

/** Runs the collector until `cycles` (default 2) full cycles have finished. */
export function collectGarbage(cycles?: number): void {
	__runtime.Memory.collect(cycles);
}

/** Counts what the engine can still reach, after a full collection. */
export function census(): Census {
	return __runtime.Memory.census() as Census;
}
