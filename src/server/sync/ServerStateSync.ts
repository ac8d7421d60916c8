import { KeyRegistry } from "shared/protocol/KeyRegistry";
import { deepCopy } from "shared/protocol/deepCopy";
import { PROTOCOL_VERSION, RejectReason, ServerMessage, SnapshotEntry } from "shared/protocol/Messages";
import { diffValue, PatchOp, patchInPlace, smallerPatch } from "shared/protocol/Patch";
import { DEFAULT_GUARD_LIMITS, GuardLimits, guardPayload } from "shared/protocol/PayloadGuard";
import { TokenBucket } from "shared/protocol/TokenBucket";
import { StateAuthority } from "./StateAuthority";

/** Options for {@link ServerStateSync}. */
export interface ServerStateSyncOptions {
	/** Delivers a message to one player (bindStateSync fires a RemoteEvent). */
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
	/**
	 * Told about every refused payload, after its `reject` is sent (the audit trail's security events; wrap
	 * it in auditRefusals to bound what a flooding client can make it record). Must not yield.
	 */
	readonly onReject?: (player: Player, reason: RejectReason, message: string, key?: string) => void;
}

/** What the server believes a client holds of one key: what it last sent it, or what the client proposed. */
interface Shadow {
	readonly value: unknown;
	readonly version: number;
}

/** A patch message carries `base` and `ops` where a push carries `value`: about this many bytes more. */
const PATCH_OVERHEAD = 16;

interface PlayerSync {
	readonly flood: TokenBucket;
	/** The protocol version the client's last well-formed message spoke; it is answered in it. */
	peer: number;
	/** The last sequence number sent to this player. */
	seq: number;
	/**
	 * Per key, the value the client holds if every message so far arrived (kept for v2 clients only):
	 * patches are computed against it, and carry its version so a client that missed one refuses them.
	 */
	readonly shadows: Map<string, Shadow>;
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
	/** Key changes sent as path patches (in `patch` messages or patch entries of a snapshot). */
	patched: number;
	/** `resync` requests answered. */
	resyncs: number;
	rejected: Record<string, number>;
}

/**
 * The server half of state sync, transport-agnostic: it takes raw payloads through {@link receive} and
 * answers through the `send` callback, so specs drive it with plain tables as players. Every payload goes
 * through the flood throttle, the payload guard, the key registry, the key's rate limit and validator,
 * and only then the authority. Request ids are idempotent: a retried proposal gets the first answer
 * again and is never applied twice. Every message to a player carries the next number of that player's
 * sequence, and a change of a table key goes out as a path patch against the version the client holds
 * when that is smaller than the value (v2 clients; v1 clients get whole values).
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
	private readonly unsubscribeSaved?: () => void;
	private readonly onReject?: ServerStateSyncOptions["onReject"];
	private readonly stats: SyncStats = { received: 0, applied: 0, replayed: 0, patched: 0, resyncs: 0, rejected: {} };

	constructor(options: ServerStateSyncOptions) {
		this.send = options.send;
		this.authority = options.authority;
		this.keys = options.keys;
		this.flood = options.flood ?? { rate: 30, burst: 60 };
		this.limits = options.limits ?? DEFAULT_GUARD_LIMITS;
		this.replayWindow = options.replayWindow ?? 256;
		this.now = options.now ?? os.clock;
		this.onReject = options.onReject;
		if (this.authority.subscribe !== undefined) {
			this.unsubscribe = this.authority.subscribe((player, key) => this.push(player, key));
		}
		if (this.authority.subscribeSaved !== undefined) {
			this.unsubscribeSaved = this.authority.subscribeSaved((player, key) => this.markSaved(player, key));
		}
	}

	private playerSync(player: Player): PlayerSync {
		let sync = this.players.get(player);
		if (sync === undefined) {
			sync = {
				flood: new TokenBucket(this.flood.rate, this.flood.burst, this.now()),
				keyBuckets: new Map(),
				peer: PROTOCOL_VERSION,
				seq: 0,
				shadows: new Map(),
				answers: new Map(),
				answerOrder: [],
				forgottenUpTo: 0,
			};
			this.players.set(player, sync);
		}
		return sync;
	}

	/**
	 * Sends `message` stamped with the player's protocol version and next sequence number. A player the sync
	 * has not heard from yet has no sequence: its messages go out unnumbered (its hello starts one).
	 */
	private deliver(player: Player, message: ServerMessage): void {
		const sync = this.players.get(player);
		if (sync === undefined) {
			this.send(player, message);
			return;
		}
		sync.seq += 1;
		this.send(player, { ...message, v: sync.peer, seq: sync.seq });
	}

	/**
	 * Records what the client holds of `key` after a message, by the rule the client applies that message
	 * with: a newer version, a version not older (a conflict's rollback), or always (a snapshot).
	 */
	private track(
		sync: PlayerSync | undefined,
		key: string,
		value: unknown,
		version: number,
		rule: "newer" | "notOlder" | "always" = "newer",
	): void {
		if (sync === undefined || sync.peer < PROTOCOL_VERSION) return;
		const shadow = sync.shadows.get(key);
		const held = shadow === undefined ? -1 : shadow.version;
		if (rule === "always" || version > held || (rule === "notOlder" && version === held)) {
			sync.shadows.set(key, { value: deepCopy(value), version });
		}
	}

	/** Ops turning the client's `shadow` into `current`, when they are smaller than the value itself. */
	private patchFor(shadow: Shadow, current: unknown): Array<PatchOp> | undefined {
		return smallerPatch(shadow.value, current, PATCH_OVERHEAD);
	}

	/**
	 * Moves a shadow forward by the ops just sent (instead of copying the whole value again): applying a
	 * diff to its own base gives the new value.
	 */
	private advance(sync: PlayerSync, key: string, shadow: Shadow, ops: ReadonlyArray<PatchOp>, version: number) {
		sync.shadows.set(key, { value: patchInPlace(shadow.value, ops), version });
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
			this.track(this.players.get(player), key, value, version, "notOlder");
		}
		const answer: ServerMessage = { type: "reject", v: PROTOCOL_VERSION, id, key, reason, message, value, version };
		// A throttled proposal was not applied and may succeed when retried under the same id: not remembered.
		if (id !== undefined && reason !== "throttled") this.remember(this.playerSync(player), id, answer);
		this.deliver(player, answer);
		this.onReject?.(player, reason, message, key);
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
			const key = guarded.key !== undefined && this.keys.get(guarded.key) !== undefined ? guarded.key : undefined;
			this.deliver(player, {
				type: "reject",
				v: PROTOCOL_VERSION,
				id: guarded.id,
				key,
				reason: guarded.reason,
				message: guarded.detail,
			});
			this.onReject?.(player, guarded.reason, guarded.detail, key);
			return;
		}
		const message = guarded.message;
		if (message.v !== sync.peer) {
			// A client that changes version (an old build, or a spoof) starts from the truth again.
			sync.peer = message.v;
			sync.shadows.clear();
		}
		if (message.type === "hello") {
			// Not ready (the player's data is still loading): no snapshot yet; the client asks again with backoff.
			if (this.authority.ready !== undefined && !this.authority.ready(player)) return;
			this.sendSnapshot(player);
			return;
		}
		if (message.type === "ping") {
			this.deliver(player, { type: "pong", v: PROTOCOL_VERSION });
			return;
		}
		if (message.type === "resync") {
			this.resync(player, sync, message.versions);
			return;
		}
		const previous = sync.answers.get(message.id);
		if (previous !== undefined) {
			this.stats.replayed += 1;
			this.deliver(player, previous);
			return;
		}
		if (message.id <= sync.forgottenUpTo) {
			this.deliver(player, {
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
		// The client now holds its own proposal at the new version (whatever the authority stored).
		this.track(sync, message.key, message.value, result.version);
		const ack: ServerMessage = {
			type: "ack",
			v: PROTOCOL_VERSION,
			id: message.id,
			key: message.key,
			version: result.version,
		};
		this.remember(sync, message.id, ack);
		this.deliver(player, ack);
	}

	/** Sends `player` every registered key whole (call on connect; clients also ask with `hello`). */
	sendSnapshot(player: Player): void {
		const sync = this.players.get(player);
		const entries = new Array<SnapshotEntry>();
		for (const key of this.keys.names()) {
			const current = this.authority.read(player, key);
			entries.push({ key, value: current.value, version: current.version });
			// A full snapshot is the client's truth, even older than what it held.
			this.track(sync, key, current.value, current.version, "always");
		}
		this.deliver(player, { type: "snapshot", v: PROTOCOL_VERSION, entries });
	}

	/**
	 * Answers a `resync`: every registered key whose version differs from the one the client reported,
	 * as a patch when the client holds the version the server last sent and the patch is smaller, whole
	 * otherwise; nothing for keys the client holds at the current version.
	 */
	private resync(player: Player, sync: PlayerSync, versions: Readonly<Record<string, number>>): void {
		this.stats.resyncs += 1;
		const entries = new Array<SnapshotEntry>();
		for (const key of this.keys.names()) {
			const reported = versions[key];
			const current = this.authority.read(player, key);
			if (reported === current.version) continue;
			const shadow = sync.shadows.get(key);
			const ops =
				shadow !== undefined && shadow.version === reported && current.version > reported
					? this.patchFor(shadow, current.value)
					: undefined;
			if (ops !== undefined && shadow !== undefined) {
				this.stats.patched += 1;
				entries.push({ key, version: current.version, base: reported, ops });
				this.advance(sync, key, shadow, ops, current.version);
			} else {
				entries.push({ key, version: current.version, value: current.value });
				this.track(sync, key, current.value, current.version, "always");
			}
		}
		this.deliver(player, { type: "snapshot", v: PROTOCOL_VERSION, entries, partial: true });
	}

	/**
	 * Sends the key's authoritative value to `player` (automatic when the authority has `subscribe`): a
	 * `patch` against the version the client holds when that is smaller, a whole `push` otherwise.
	 */
	push(player: Player, key: string): void {
		if (this.keys.get(key) === undefined) return;
		const current = this.authority.read(player, key);
		const sync = this.players.get(player);
		const shadow = sync?.shadows.get(key);
		const ops =
			shadow !== undefined && current.version > shadow.version ? this.patchFor(shadow, current.value) : undefined;
		if (ops !== undefined && shadow !== undefined && sync !== undefined) {
			this.stats.patched += 1;
			this.advance(sync, key, shadow, ops, current.version);
			this.deliver(player, {
				type: "patch",
				v: PROTOCOL_VERSION,
				key,
				base: shadow.version,
				version: current.version,
				ops,
			});
		} else {
			this.track(sync, key, current.value, current.version);
			this.deliver(player, {
				type: "push",
				v: PROTOCOL_VERSION,
				key,
				value: current.value,
				version: current.version,
			});
		}
	}

	/**
	 * Tells `player` the key's current version is saved durably (DataService calls it after a save). The
	 * value is left out when the client already holds exactly it (v2 clients).
	 */
	markSaved(player: Player, key: string): void {
		if (this.keys.get(key) === undefined) return;
		const current = this.authority.read(player, key);
		const sync = this.players.get(player);
		const shadow = sync?.shadows.get(key);
		// An empty diff within a 1-byte budget: the shadow equals the value (any difference spends the budget).
		const held =
			shadow !== undefined &&
			shadow.version === current.version &&
			diffValue(shadow.value, current.value, 1)?.size() === 0;
		this.track(sync, key, current.value, current.version);
		this.deliver(player, {
			type: "saved",
			v: PROTOCOL_VERSION,
			key,
			value: held ? undefined : current.value,
			version: current.version,
		});
	}

	/** Forgets a player's throttles and replay cache, and tells the authority to forget them (call when they leave). */
	removePlayer(player: Player): void {
		this.players.delete(player);
		this.authority.forget?.(player);
	}

	/** @returns the counters so far (a live object: read, do not keep) */
	getStats(): SyncStats {
		return this.stats;
	}

	/** Stops listening to the authority. */
	destroy(): void {
		this.unsubscribe?.();
		this.unsubscribeSaved?.();
		this.players.clear();
	}
}
