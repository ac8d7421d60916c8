import { RunService } from "@rbxts/services";

/** The one RunService method {@link assertServer} needs; specs pass a stand-in. */
export interface RealmCheck {
	IsServer(): boolean;
}

/**
 * Throws when called outside a server. The core modules hold DataStore credentials' worth of power, so
 * each one calls this when it is constructed: a client that requires one gets a clear error instead of
 * a module that silently fails later.
 *
 * @param moduleName - the name used in the error message, e.g. `"DataAccessLayer"`.
 * @param runService - the RunService to ask; injected by specs, defaults to the real one.
 * @throws when `runService.IsServer()` is false.
 * @example
 * ```ts
 * assertServer("DataAccessLayer");
 * ```
 */
export function assertServer(moduleName: string, runService: RealmCheck = RunService): void {
	if (!runService.IsServer()) {
		error(`[${moduleName}] is server-only and cannot run on a client`, 2);
	}
}
