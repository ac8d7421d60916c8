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
	/**
	 * Start the game's own enabled Scripts under ServerScriptService and Workspace, as Roblox does (default
	 * true, or what {@link runGameScripts} set for this spec file).
	 */
	runScripts?: boolean;
	/** The fault plan never crashes this server. */
	faultImmune?: boolean;
}

/** Options for {@link ServerHandle.addPlayer}. */
export interface PlayerOptions {
	userId: number;
	name?: string;
	displayName?: string;
	/** What Player:GetJoinData() returns. */
	joinData?: object;
	/** Also give the player a client environment (see {@link ServerHandle.addClient}). */
	client?: boolean;
}

/** Options for {@link ServerHandle.teleport}. */
export interface TeleportOptions {
	/** Seconds between leaving and joining (default 3). */
	delay?: number;
	/** Arrives as GetJoinData().TeleportData on the target. */
	teleportData?: unknown;
}

type RawClient = {
	game: DataModel;
	player: Player;
	localPlayer: Player;
	state: string;
	run(this: RawClient, fn: () => unknown): unknown;
	spawn(this: RawClient, fn: () => void): thread;
	require(this: RawClient, path: string): unknown;
	stop(this: RawClient): void;
};

/** What servers and clients have in common: a context that runs code and has its own module cache. */
type RawContext = {
	state: string;
	run(this: RawContext, fn: () => unknown): unknown;
	spawn(this: RawContext, fn: () => void): thread;
	require(this: RawContext, path: string): unknown;
};

/** A server or a client of the simulated world: run code inside it and reach its own modules. */
abstract class ContextHandle {
	constructor(private readonly context: RawContext) {}

	/** "running", "closing", "stopped" or "crashed" for servers; "running" or "stopped" for clients. */
	state(): string {
		return this.context.state;
	}

	/** Runs `fn` inside this context and waits for it; rethrows its error. */
	run<T>(fn: () => T): T {
		return this.context.run(fn) as T;
	}

	/** Starts `fn` in a new thread inside this context and returns at once. */
	spawn(fn: () => void): thread {
		return this.context.spawn(fn);
	}

	/** Requires a module of this context's own tree, e.g. "ReplicatedStorage/TS/core/DataAccessLayer". */
	require<T>(path: string): T {
		return this.context.require(path) as T;
	}
}

/** A player's client: its own DataModel, module cache and LocalPlayer, talking to its server over remotes. */
export class ClientHandle extends ContextHandle {
	/** The client's DataModel (copies of the replicated containers). */
	readonly game: DataModel;
	/** The player as the server sees it. */
	readonly player: Player;
	/** Players.LocalPlayer inside the client. */
	readonly localPlayer: Player;

	constructor(private readonly raw: RawClient) {
		super(raw as unknown as RawContext);
		this.game = raw.game;
		this.player = raw.player;
		this.localPlayer = raw.localPlayer;
	}

	/** Disconnects the client: its threads stop where they are. */
	disconnect(): void {
		this.raw.stop();
	}
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
	shutdown(this: RawServer, reason?: Enum.CloseReason): string;
	crash(this: RawServer): void;
	addClient(this: RawServer, player: Player): RawClient;
	clientOf(this: RawServer, player: Player): RawClient | undefined;
	teleport(this: RawServer, player: Player, target: RawServer, options?: TeleportOptions): Player | undefined;
	stop(this: RawServer): void;
	index: number;
};

/** A server of the simulated world. */
export class ServerHandle extends ContextHandle {
	/** This server's DataModel. */
	readonly game: DataModel;
	readonly jobId: string;

	/** The server's number in this run (what fault plans name). */
	readonly index: number;

	constructor(private readonly raw: RawServer) {
		super(raw as unknown as RawContext);
		this.game = raw.game;
		this.jobId = raw.jobId;
		this.index = raw.index;
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

	/**
	 * Graceful shutdown: players leave (PlayerRemoving), then BindToClose callbacks run (30 s limit), each given
	 * `reason` (default Enum.CloseReason.DeveloperShutdown). Yields; returns "completed" or "timed out".
	 */
	shutdown(reason?: Enum.CloseReason): string {
		return this.raw.shutdown(reason);
	}

	/** Stops the server at once: no callback runs, every thread stops at its current yield. */
	crash(): void {
		this.raw.crash();
	}

	/** Gives a player of this server a client environment (returns the existing one if it has one). */
	addClient(player: Player): ClientHandle {
		return new ClientHandle(this.raw.addClient(player));
	}

	/** The client of one of this server's players, if it has one (e.g. after addPlayer({ client: true })). */
	clientOf(player: Player): ClientHandle | undefined {
		const raw = this.raw.clientOf(player);
		return raw !== undefined ? new ClientHandle(raw) : undefined;
	}

	/** Adds a player with a client environment; returns both. */
	addPlayerWithClient(options: PlayerOptions): { player: Player; client: ClientHandle } {
		const player = this.raw.addPlayer(options);
		return { player, client: this.addClient(player) };
	}

	/**
	 * Moves a player to `target`: it leaves here at once and joins there after the delay, as a new Player.
	 * Yields until it joined; returns the new Player (undefined if the target stopped meanwhile).
	 */
	teleport(player: Player, target: ServerHandle, options?: TeleportOptions): Player | undefined {
		return this.raw.teleport(player, target.raw, options);
	}
}

type RawNetwork = {
	fireServerAs(this: void, player: Player, remote: Instance, ...args: Array<unknown>): void;
	invokeServerAs(this: void, player: Player, remote: Instance, ...args: Array<unknown>): unknown;
};

/**
 * Acts as an exploiting client: fires the server's `remote` as `player` with any arguments, bypassing all
 * client code. The arguments still cross the wire (remote copy rules, latency).
 */
export function fireServerAs(player: Player, remote: RemoteEvent | UnreliableRemoteEvent, ...args: Array<unknown>) {
	(__runtime.Network as RawNetwork).fireServerAs(player, remote, ...args);
}

/** Invokes the server's RemoteFunction as `player` with any arguments; yields for the answer. */
export function invokeServerAs(player: Player, remote: RemoteFunction, ...args: Array<unknown>): unknown {
	return (__runtime.Network as RawNetwork).invokeServerAs(player, remote, ...args);
}

/**
 * Sets the source of a Script or LocalScript (scripts cannot set Source themselves; the runtime reads it
 * from the instance's internal state, as it does for code that came from the Rojo project).
 */
export function setScriptSource(target: LuaSourceContainer, source: string): void {
	const internals = __runtime.Instance as { state(this: void, instance: Instance): { source?: string } };
	internals.state(target).source = source;
}

/** Waits `seconds` of virtual time. */
export function advance(seconds: number): void {
	task.wait(seconds);
}

/** Creates a server in the simulated world (its own DataModel, module cache, JobId and players). */
export function newServer(options: ServerOptions = {}): ServerHandle {
	// runtime.d.ts declares newServer as a method, which would compile to World:newServer(options) and pass
	// the World table as the options; the engine function takes its options first.
	const world = __runtime.World as unknown as { newServer(this: void, options: ServerOptions): RawServer };
	return new ServerHandle(world.newServer(options));
}

/**
 * Chooses whether the servers this spec file creates without a `runScripts` option run the game's own
 * server Scripts (default true, as on Roblox). A file that tests a library alone turns them off, so a game
 * script added later cannot change its outcome; every spec file starts with them on again.
 * @example runGameScripts(false); const server = newServer(); // the game's scripts do not start
 */
export function runGameScripts(enabled: boolean): void {
	const world = __runtime.World as unknown as { setRunGameScripts(this: void, enabled: boolean): void };
	world.setRunGameScripts(enabled);
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

/**
 * Stops every server of the world except the one running the specs, so a spec whose numbers depend on
 * how many servers are live (quotas that scale with servers) starts from a known world.
 */
export function stopOtherServers(): void {
	for (const server of [...(__runtime.World.servers as Array<RawServer>)]) {
		if (server.game !== game) server.stop();
	}
}
