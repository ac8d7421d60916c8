import type { Lease } from "shared/core/DataAccessLayer";
import type { ServerHandle } from "../harness/World";

/**
 * What FileIsolation.first leaves behind for FileIsolation.second. Each spec file has its own module
 * copies, so the hand-over goes through the runtime table, which outlives both.
 */
export interface IsolationProbe {
	server: ServerHandle;
	threads: Array<thread>;
	/** Messages the left-behind subscription heard. */
	heard: number;
	/** Virtual time when the first file finished. */
	leftAt: number;
	lease: Lease;
}

export const PROBE_KEY = "fileIsolationProbe";

/** The probe the first file left, or an error saying how to run both files. */
export function takeProbe(): IsolationProbe {
	const probe = (__runtime as Record<string, unknown>)[PROBE_KEY] as IsolationProbe | undefined;
	if (probe === undefined) {
		error("FileIsolation.first did not run before this file: run both (npm test -- --filter FileIsolation)");
	}
	return probe;
}
