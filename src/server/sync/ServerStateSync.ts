import { KeyRegistry } from "shared/protocol/KeyRegistry";
import { PROTOCOL_VERSION, RejectReason, ServerMessage, SnapshotEntry } from "shared/protocol/Messages";
import { DEFAULT_GUARD_LIMITS, GuardLimits, guardPayload } from "shared/protocol/PayloadGuard";
import { TokenBucket } from "shared/protocol/TokenBucket";
import { StateAuthority } from "./StateAuthority";

/** Options for {@link ServerStateSync}. */
export interface ServerStateSyncOptions {
	/** Delivers a message to one player (the RemoteAdapter fires a RemoteEvent). */
	readonly send: (player: Player, message: ServerMessage) => void;
	/** Where state is read and proposals applied. */
	readonly authority: StateAuthority;
	/** The state keys clients may see and, where declared, propose. */
	readonly keys: KeyRegistry;
	/** Per-player flood limit over every message. Default 30/s, burst 60. */
	readonly flood?: { readonly rate: number; readonly burst: number };
	/** Payload size and depth limits. Default {@link DEFAULT_GUARD_LIMITS}. */
	readonly limits?: GuardLimits;
	/** How many answered request ids each player's replay cache keeps. Default 256. */
	readonly replayWindow?: number;
	/** The clock, in seconds. Default `os.clock`. */
	readonly now?: () => number;
}

interface PlayerSync {
	readonly flood: TokenBucket;
	readonly keyBuckets: Map<string, TokenBucket>;
	/** Answers of recent request ids, replayed when a client retries. */
	readonly answers: Map<number, ServerMessage>;
	readonly answerOrder: Array<number>;
	/** Every id at or below this was answered and has left the cache. */
	forgottenUpTo: number;
}

/** Counters for monitoring and specs. */
export interface SyncStats {
	received: number;
	applied: number;
	replayed: number;
	rejected: Record<string, number>;
}

/**
 * The server half of state sync, transport-agnostic: it takes raw payloads through {@link receive} and
 * answers through the `send` callback, so specs drive it with plain tables as players. Every payload goes
 * through the flood throttle, the payload guard, the key registry, the key's rate limit and validator,
 * and only then the authority. Request ids are idempotent: a retried proposal gets the first answer
 * again and is never applied twice.
 *
 * @example
 * ```ts
 * const sync = new ServerStateSync({ send: (player, message) => remote.FireClient(player, message), authority, keys });
 * remote.OnServerEvent.Connect((player, payload) => sync.receive(player, payload));
 * ```
 */
export class ServerStateSync {
	private readonly players = new Map<Player, PlayerSync>();
	private readonly send: (player: Player, message: ServerMessage) => void;
	private readonly authority: StateAuthority;
	private readonly keys: KeyRegistry;
	private readonly flood: { readonly rate: number; readonly burst: number };
	private readonly limits: GuardLimits;
	private readonly replayWindow: number;
	private readonly now: () => number;
	private readonly unsubscribe?: () => void;
	private readonly stats: SyncStats = { received: 0, applied: 0, replayed: 0, rejected: {} };

	constructor(options: ServerStateSyncOptions) {
		this.send = options.send;
		this.authority = options.authority;
		this.keys = options.keys;
		this.flood = options.flood ?? { rate: 30, burst: 60 };
		this.limits = options.limits ?? DEFAULT_GUARD_LIMITS;
		this.replayWindow = options.replayWindow ?? 256;
		this.now = options.now ?? os.clock;
		if (this.authority.subscribe !== undefined) {
			this.unsubscribe = this.authority.subscribe((player, key) => this.push(player, key));
		}
	}

	private playerSync(player: Player): PlayerSync {
		let sync = this.players.get(player);
		if (sync === undefined) {
			sync = {
				flood: new TokenBucket(this.flood.rate, this.flood.burst, this.now()),
				keyBuckets: new Map(),
				answers: new Map(),
				answerOrder: [],
				forgottenUpTo: 0,
			};
			this.players.set(player, sync);
		}
		return sync;
	}

	private reject(player: Player, reason: RejectReason, message: string, id?: number, key?: string): void {
		this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1;
		let value: unknown;
		let version: number | undefined;
		// Only a conflict carries the authoritative value: then the client's copy is stale. Otherwise it already
		// holds the server's value (pushes arrive in order), and echoing a large key to every refused
		// proposal would let a client make the server send it far more than it sends.
		if (reason === "conflict" && key !== undefined && this.keys.get(key) !== undefined) {
			const current = this.authority.read(player, key);
			value = current.value;
			version = current.version;
		}
		const answer: ServerMessage = { type: "reject", v: PROTOCOL_VERSION, id, key, reason, message, value, version };
		if (id !== undefined) this.remember(this.playerSync(player), id, answer);
		this.send(player, answer);
	}

	private remember(sync: PlayerSync, id: number, answer: ServerMessage): void {
		if (sync.answers.has(id)) return;
		sync.answers.set(id, answer);
		sync.answerOrder.push(id);
		while (sync.answerOrder.size() > this.replayWindow) {
			const old = sync.answerOrder.shift()!;
			sync.answers.delete(old);
			sync.forgottenUpTo = math.max(sync.forgottenUpTo, old);
		}
	}

	/**
	 * Handles one raw payload from `player`. Never throws on bad input: every refusal is answered with a
	 * typed `reject`.
	 */
	receive(player: Player, payload: unknown): void {
		this.stats.received += 1;
		const sync = this.playerSync(player);
		if (!sync.flood.take(this.now())) {
			this.reject(player, "throttled", "too many messages");
			return;
		}
		const guarded = guardPayload(payload, this.limits);
		if (!guarded.ok) {
			// A throttled or malformed message is not remembered: its id may be reused by a good retry.
			this.stats.rejected[guarded.reason] = (this.stats.rejected[guarded.reason] ?? 0) + 1;
			this.send(player, {
				type: "reject",
				v: PROTOCOL_VERSION,
				id: guarded.id,
				key: guarded.key !== undefined && this.keys.get(guarded.key) !== undefined ? guarded.key : undefined,
				reason: guarded.reason,
				message: guarded.detail,
			});
			return;
		}
		const message = guarded.message;
		if (message.type === "hello") {
			// Not ready (the player's data is still loading): no snapshot yet; the client asks again with backoff.
			if (this.authority.ready !== undefined && !this.authority.ready(player)) return;
			this.sendSnapshot(player);
			return;
		}
		const previous = sync.answers.get(message.id);
		if (previous !== undefined) {
			this.stats.replayed += 1;
			this.send(player, previous);
			return;
		}
		if (message.id <= sync.forgottenUpTo) {
			this.send(player, {
				type: "reject",
				v: PROTOCOL_VERSION,
				id: message.id,
				reason: "duplicate",
				message: "request id already answered",
			});
			return;
		}
		const definition = this.keys.get(message.key);
		if (definition === undefined) {
			this.reject(player, "unknownKey", `no state key "${message.key}"`, message.id);
			return;
		}
		if (!definition.clientWritable) {
			this.reject(player, "serverOnly", `"${message.key}" is server-only`, message.id, message.key);
			return;
		}
		let bucket = sync.keyBuckets.get(message.key);
		if (bucket === undefined) {
			bucket = new TokenBucket(definition.rateLimit.rate, definition.rateLimit.burst, this.now());
			sync.keyBuckets.set(message.key, bucket);
		}
		if (!bucket.take(this.now())) {
			this.reject(player, "rateLimited", `"${message.key}" proposed too often`, message.id, message.key);
			return;
		}
		const [checked, valid] = pcall(definition.check, message.value);
		if (!checked || valid !== true) {
			this.reject(player, "invalidValue", `value refused for "${message.key}"`, message.id, message.key);
			return;
		}
		const [ran, result] = pcall(() =>
			this.authority.apply(player, message.key, message.value, {
				base: message.base,
				requestId: message.id,
				conflict: definition.conflict,
			}),
		);
		if (!ran) {
			warn(`[StateSync] authority failed applying "${message.key}" for ${player.Name}: ${result}`);
			this.reject(player, "denied", "the server could not apply it", message.id, message.key);
			return;
		}
		if (!result.ok) {
			this.reject(player, result.reason, result.message ?? result.reason, message.id, message.key);
			return;
		}
		this.stats.applied += 1;
		const ack: ServerMessage = {
			type: "ack",
			v: PROTOCOL_VERSION,
			id: message.id,
			key: message.key,
			version: result.version,
		};
		this.remember(sync, message.id, ack);
		this.send(player, ack);
	}

	/** Sends `player` every registered key (call on connect; clients also ask with `hello`). */
	sendSnapshot(player: Player): void {
		const entries = new Array<SnapshotEntry>();
		for (const key of this.keys.names()) {
			const current = this.authority.read(player, key);
			entries.push({ key, value: current.value, version: current.version });
		}
		this.send(player, { type: "snapshot", v: PROTOCOL_VERSION, entries });
	}

	/** Pushes the key's authoritative value to `player` (automatic when the authority has `subscribe`). */
	push(player: Player, key: string): void {
		if (this.keys.get(key) === undefined) return;
		const current = this.authority.read(player, key);
		this.send(player, { type: "push", v: PROTOCOL_VERSION, key, value: current.value, version: current.version });
	}

	/** Tells `player` the key's current version is saved durably (DataService calls it after a save). */
	markSaved(player: Player, key: string): void {
		if (this.keys.get(key) === undefined) return;
		const current = this.authority.read(player, key);
		this.send(player, { type: "saved", v: PROTOCOL_VERSION, key, value: current.value, version: current.version });
	}

	/** Forgets a player's throttles and replay cache (call when they leave). */
	removePlayer(player: Player): void {
		this.players.delete(player);
	}

	/** @returns the counters so far (a live object: read, do not keep) */
	getStats(): SyncStats {
		return this.stats;
	}

	/** Stops listening to the authority. */
	destroy(): void {
		this.unsubscribe?.();
		this.players.clear();
	}
}
