/**
 * Typed access to the headless runtime's world for specs: create servers that share the emulated cloud,
 * add players, run code inside a server, shut servers down or crash them, and read the virtual clock.
 */

/** Options for {@link newServer}. */
export interface ServerOptions {
	name?: string;
	placeId?: number;
	jobId?: string;
	/** Seconds this server's clock is ahead (positive) or behind (negative) of true virtual time. */
	clockSkew?: number;
	/** Start enabled Scripts under ServerScriptService and Workspace (default true). */
	runScripts?: boolean;
}

/** Options for {@link ServerHandle.addPlayer}. */
export interface PlayerOptions {
	userId: number;
	name?: string;
	displayName?: string;
}

type RawServer = {
	game: DataModel;
	jobId: string;
	state: string;
	run(this: RawServer, fn: () => unknown): unknown;
	spawn(this: RawServer, fn: () => void): thread;
	require(this: RawServer, path: string): unknown;
	addPlayer(this: RawServer, options: PlayerOptions): Player;
	removePlayer(this: RawServer, player: Player): void;
	players(this: RawServer): Array<Player>;
	shutdown(this: RawServer): string;
	crash(this: RawServer): void;
};

/** A server of the simulated world. */
export class ServerHandle {
	/** This server's DataModel. */
	readonly game: DataModel;
	readonly jobId: string;

	constructor(private readonly raw: RawServer) {
		this.game = raw.game;
		this.jobId = raw.jobId;
	}

	/** "running", "closing", "stopped" or "crashed". */
	state(): string {
		return this.raw.state;
	}

	/** Runs `fn` inside this server and waits for it; rethrows its error. */
	run<T>(fn: () => T): T {
		return this.raw.run(fn) as T;
	}

	/** Starts `fn` in a new thread inside this server and returns at once. */
	spawn(fn: () => void): thread {
		return this.raw.spawn(fn);
	}

	/** Requires a module of this server's own tree, e.g. "ReplicatedStorage/TS/core/DataAccessLayer". */
	require<T>(path: string): T {
		return this.raw.require(path) as T;
	}

	/** Adds a player (fires PlayerAdded) and returns it. */
	addPlayer(options: PlayerOptions): Player {
		return this.raw.addPlayer(options);
	}

	/** Removes a player (fires PlayerRemoving). */
	removePlayer(player: Player): void {
		this.raw.removePlayer(player);
	}

	/** The server's players. */
	players(): Array<Player> {
		return this.raw.players();
	}

	/** Graceful shutdown: runs BindToClose callbacks (30 s limit). Yields; returns "completed" or "timed out". */
	shutdown(): string {
		return this.raw.shutdown();
	}

	/** Stops the server at once: no callback runs, every thread stops at its current yield. */
	crash(): void {
		this.raw.crash();
	}
}

/** Creates a server in the simulated world (its own DataModel, module cache, JobId and players). */
export function newServer(options: ServerOptions = {}): ServerHandle {
	return new ServerHandle(__runtime.World.newServer(options) as RawServer);
}

/** Virtual seconds since the run began. */
export function now(): number {
	return __runtime.Scheduler.now();
}

/** Real (wall-clock) seconds since the VM started: for measurements, never for assertions on behaviour. */
export function realtime(): number {
	return __runtime.host.realtime();
}

/**
 * Records every print, warning and error written while `fn` runs, in any context, and returns them.
 */
export function captureOutput(fn: () => void): Array<{ kind: string; message: string; context?: string }> {
	const [list, stop] = __runtime.Output.capture();
	try {
		fn();
	} finally {
		stop();
	}
	return list;
}
