import { deepCopy } from "shared/protocol/deepCopy";
import { ClientMessage, PROTOCOL_VERSION, RejectReason, ServerMessage } from "shared/protocol/Messages";
import { applyPatch } from "shared/protocol/Patch";
import { ChangeType } from "./ChangeType";
import { LinkMonitor } from "./LinkMonitor";
import { StateLevel } from "./StateLevel";
import { PRIORITY_DELAYS, StatePriority } from "./StatePriority";

/** What a change listener is told beside the values. */
export interface ChangeInfo {
	/** The level the key's value is at now. */
	readonly level: StateLevel;
	/** The server's version of the key now (0 before the server sent any). */
	readonly version: number;
	/** Why the server refused, for `rejected` changes. */
	readonly reason?: RejectReason | "timeout";
}

/** A change listener: `(newValue, oldValue, changeType, info)`; `V` is the key's type when the state map is typed. */
export type ChangeListener<V = unknown> = (
	newValue: V | undefined,
	oldValue: V | undefined,
	changeType: ChangeType,
	info: ChangeInfo,
) => void;

/** Returned by {@link StateManager.AddChangeListener}. */
export interface ListenerHandle {
	/** Stops the listener; calling it again does nothing. */
	Disconnect(): void;
	/** Whether the listener still runs. */
	readonly Connected: boolean;
}

/** Options for {@link StateManager}. */
export interface StateManagerOptions {
	/** Delivers a message to the server (startStateSync fires a RemoteEvent). */
	readonly send: (message: ClientMessage) => void;
	/** The clock, in seconds. Default `os.clock`. */
	readonly now?: () => number;
	/** Seconds before the first retry of an unanswered message; doubles each try. Default 0.5. */
	readonly retryDelay?: number;
	/** Longest wait between retries. Default 4. */
	readonly maxRetryDelay?: number;
	/** Sends of one proposal before it is given up and rolled back. Default 8. */
	readonly maxAttempts?: number;
	/** Warn when a listener errors (default true). */
	readonly warnings?: boolean;
	/**
	 * Seconds without any message from the server before the client pings it; the answer's sequence
	 * number shows whether the client missed anything (then it resyncs). Default 5; `math.huge` turns
	 * pings off (a skipped number in later messages is still noticed).
	 */
	readonly heartbeat?: number;
	/**
	 * Seconds a skipped sequence number may take to arrive (unreliable remotes reorder) before the client
	 * takes it as lost and asks for a resync. Default 0.3.
	 */
	readonly gapGrace?: number;
}

interface Versioned {
	value: unknown;
	version: number;
}

interface InFlight {
	readonly id: number;
	readonly value: unknown;
	readonly base: number;
	attempts: number;
	nextRetryAt: number;
}

interface Queued {
	value: unknown;
	priority: StatePriority;
	dueAt: number;
}

interface KeyState {
	confirmed?: Versioned;
	/** The sequence number of the message that set `confirmed` (a reordered older answer must not undo it). */
	confirmedSeq?: number;
	saved?: Versioned;
	inflight?: InFlight;
	queued?: Queued;
	listeners: Array<{ fn: ChangeListener; connected: boolean }>;
}

const PRIORITY_RANK: Record<StatePriority, number> = { critical: 0, high: 1, normal: 2, low: 3 };

function deepEqual(a: unknown, b: unknown): boolean {
	if (a === b) return true;
	if (!typeIs(a, "table") || !typeIs(b, "table")) return false;
	for (const [k, v] of pairs(a)) {
		if (!deepEqual(v, (b as Record<string, unknown>)[k as string])) return false;
	}
	for (const [k] of pairs(b)) {
		if ((a as Record<string, unknown>)[k as string] === undefined) return false;
	}
	return true;
}

/**
 * The client's view of synced state, transport-agnostic (messages go out through `send` and come in
 * through {@link Receive}). A change is applied locally at once (optimistic), proposed to the server by
 * priority with an idempotent request id, retried with backoff until answered, then confirmed or rolled
 * back. Each key holds three levels — pending, confirmed, saved — and `GetState` reads the top one.
 * Server changes arrive whole or as path patches against the version held; the client notices by itself
 * when it missed messages (a skipped sequence number, a patch for another version, a silence answered with
 * a later number) and asks the server to bring it up to date, with backoff, without the game calling it.
 *
 * @example
 * ```ts
 * const { manager: stateManager } = startStateSync(); // or new StateManager({ send }) in a spec
 * stateManager.SetState("settings", { music: false }, STATE_PRIORITIES.HIGH);
 * stateManager.AddChangeListener("coins", (newValue, oldValue, changeType) => print(oldValue, "→", newValue, changeType));
 * const coins = stateManager.GetState("coins");
 *
 * // Typed per key: give the state map's type (e.g. the server's profile type).
 * const typed = startStateSync<{ coins: number; settings: { music: boolean } }>().manager;
 * const music = typed.GetState("settings")?.music; // boolean | undefined
 * ```
 *
 * @typeParam S - the state keys and their value types (default: any string key, `unknown` values).
 */
export class StateManager<S extends object = Record<string, unknown>> {
	private readonly keys = new Map<string, KeyState>();
	private readonly inflightById = new Map<number, string>();
	private readonly send: (message: ClientMessage) => void;
	private readonly now: () => number;
	private readonly retryDelay: number;
	private readonly maxRetryDelay: number;
	private readonly maxAttempts: number;
	private readonly warnings: boolean;
	private nextId = 1;
	private synced = false;
	private helloAt = -math.huge;
	private helloAttempts = 0;
	private resyncAt = -math.huge;
	private resyncAttempts = 0;
	private readonly link: LinkMonitor;

	constructor(options: StateManagerOptions) {
		this.send = options.send;
		this.now = options.now ?? os.clock;
		this.retryDelay = options.retryDelay ?? 0.5;
		this.maxRetryDelay = options.maxRetryDelay ?? 4;
		this.maxAttempts = options.maxAttempts ?? 8;
		this.warnings = options.warnings ?? true;
		this.link = new LinkMonitor({
			now: this.now,
			heartbeat: options.heartbeat ?? 5,
			gapGrace: options.gapGrace ?? 0.3,
			backoff: (attempts) => this.backoff(attempts),
		});
	}

	private state(key: string): KeyState {
		let state = this.keys.get(key);
		if (state === undefined) {
			state = { listeners: [] };
			this.keys.set(key, state);
		}
		return state;
	}

	private top(state: KeyState): unknown {
		if (state.queued !== undefined) return state.queued.value;
		if (state.inflight !== undefined) return state.inflight.value;
		return state.confirmed?.value;
	}

	private levelOf(state: KeyState): StateLevel {
		if (state.queued !== undefined || state.inflight !== undefined) return "pending";
		if (
			state.saved !== undefined &&
			state.confirmed !== undefined &&
			state.saved.version >= state.confirmed.version
		) {
			return "saved";
		}
		return "confirmed";
	}

	private notify(
		key: string,
		state: KeyState,
		newValue: unknown,
		oldValue: unknown,
		changeType: ChangeType,
		reason?: RejectReason | "timeout",
	) {
		const info: ChangeInfo = { level: this.levelOf(state), version: state.confirmed?.version ?? 0, reason };
		for (const listener of [...state.listeners]) {
			if (!listener.connected) continue;
			const [ok, err] = pcall(listener.fn, deepCopy(newValue), deepCopy(oldValue), changeType, info);
			if (!ok && this.warnings) warn(`[StateManager] a listener of "${key}" errored: ${err}`);
		}
	}

	private backoff(attempts: number): number {
		return math.min(this.maxRetryDelay, this.retryDelay * 2 ** (attempts - 1));
	}

	private propose(key: string, state: KeyState): void {
		const queued = state.queued;
		if (queued === undefined || state.inflight !== undefined) return;
		const id = this.nextId;
		this.nextId += 1;
		state.queued = undefined;
		state.inflight = { id, value: queued.value, base: state.confirmed?.version ?? 0, attempts: 0, nextRetryAt: 0 };
		this.inflightById.set(id, key);
		this.transmit(key, state.inflight);
	}

	private transmit(key: string, inflight: InFlight): void {
		inflight.attempts += 1;
		inflight.nextRetryAt = this.now() + this.backoff(inflight.attempts);
		this.send({
			type: "propose",
			v: PROTOCOL_VERSION,
			id: inflight.id,
			key,
			value: inflight.value,
			base: inflight.base,
		});
	}

	/**
	 * Sets `key` locally at once (listeners hear `local`) and proposes it to the server by `priority`.
	 *
	 * @param key a state key the server registered as client-writable
	 * @param value the new value (copied)
	 * @param priority how soon to send it (default `normal`)
	 * @example
	 * ```ts
	 * stateManager.SetState("settings", { music: false }, STATE_PRIORITIES.CRITICAL);
	 * ```
	 */
	SetState<K extends keyof S & string>(key: K, value: S[K], priority: StatePriority = "normal"): void {
		if (!typeIs(key, "string")) error("[StateManager] SetState needs a string key", 2);
		if (PRIORITY_DELAYS[priority] === undefined) error(`[StateManager] unknown priority ${priority}`, 2);
		const state = this.state(key);
		const oldValue = this.top(state);
		const copy = deepCopy(value);
		const dueAt = this.now() + PRIORITY_DELAYS[priority];
		const queued = state.queued;
		if (queued !== undefined) {
			queued.value = copy;
			if (PRIORITY_RANK[priority] < PRIORITY_RANK[queued.priority]) queued.priority = priority;
			queued.dueAt = math.min(queued.dueAt, dueAt);
		} else {
			state.queued = { value: copy, priority, dueAt };
		}
		this.notify(key, state, copy, oldValue, "local");
		if (priority === "critical") this.propose(key, state);
	}

	/**
	 * Reads `key` at `level` (default: the top level that has a value).
	 *
	 * @returns a copy of the value, or undefined when that level holds none
	 * @example
	 * ```ts
	 * const shown = stateManager.GetState("coins");
	 * const durable = stateManager.GetState("coins", "saved");
	 * ```
	 */
	GetState<K extends keyof S & string>(key: K, level?: StateLevel): S[K] | undefined {
		return this.read(key, level) as S[K] | undefined;
	}

	/** GetState's untyped body. */
	private read(key: string, level?: StateLevel): unknown {
		const state = this.keys.get(key);
		if (state === undefined) return undefined;
		if (level === undefined) return deepCopy(this.top(state));
		if (level === "pending") {
			if (state.queued !== undefined) return deepCopy(state.queued.value);
			return deepCopy(state.inflight?.value);
		}
		if (level === "confirmed") return deepCopy(state.confirmed?.value);
		return deepCopy(state.saved?.value);
	}

	/** @returns the level `key`'s top value is at, and the server's version of it */
	GetLevel(key: keyof S & string): ChangeInfo {
		const state = this.state(key);
		return { level: this.levelOf(state), version: state.confirmed?.version ?? 0 };
	}

	/** @returns whether any change is waiting to be sent or answered */
	HasPending(): boolean {
		for (const [, state] of this.keys) {
			if (state.queued !== undefined || state.inflight !== undefined) return true;
		}
		return false;
	}

	/** @returns whether a snapshot from the server arrived since the last {@link Connect} */
	IsSynced(): boolean {
		return this.synced;
	}

	/**
	 * Calls `fn(newValue, oldValue, changeType, info)` whenever `key` changes.
	 *
	 * @returns a handle whose `Disconnect()` stops it
	 * @example
	 * ```ts
	 * const handle = stateManager.AddChangeListener("coins", (value, old, changeType) => print(value, changeType));
	 * handle.Disconnect();
	 * ```
	 */
	AddChangeListener<K extends keyof S & string>(key: K, fn: ChangeListener<S[K]>): ListenerHandle {
		if (!typeIs(fn, "function")) error("[StateManager] AddChangeListener needs a function", 2);
		const state = this.state(key);
		const entry = { fn: fn as ChangeListener, connected: true };
		state.listeners.push(entry);
		const handle = {
			Connected: true,
			Disconnect() {
				if (!entry.connected) return;
				entry.connected = false;
				handle.Connected = false;
				const index = state.listeners.indexOf(entry);
				if (index >= 0) state.listeners.remove(index);
			},
		};
		return handle;
	}

	/**
	 * Asks the server for a snapshot of every key (startStateSync calls it on start). Messages lost later
	 * are noticed and resynced without it; call it to start again from the server's truth. In-flight
	 * proposals are sent again with their ids, so the server answers them without applying any twice.
	 */
	Connect(): void {
		this.synced = false;
		this.resyncAttempts = 0;
		this.helloAttempts = 1;
		this.helloAt = this.now();
		this.send({ type: "hello", v: PROTOCOL_VERSION });
	}

	/**
	 * Asks the server for every key whose version differs from the one held (after a loss was noticed),
	 * unless a snapshot or a resync is already on its way; retried with backoff until answered.
	 */
	private requestResync(): void {
		if (!this.synced || this.resyncAttempts > 0) return;
		this.resyncAttempts = 1;
		this.resyncAt = this.now();
		this.sendResync();
	}

	private sendResync(): void {
		const versions: Record<string, number> = {};
		for (const [key, state] of this.keys) {
			if (state.confirmed !== undefined) versions[key] = state.confirmed.version;
		}
		this.send({ type: "resync", v: PROTOCOL_VERSION, versions });
	}

	/**
	 * Sends changes that are due, retries unanswered ones, and resyncs when messages were lost;
	 * startStateSync calls it every frame.
	 */
	Update(): void {
		const now = this.now();
		if (!this.synced && this.helloAttempts > 0 && now >= this.helloAt + this.backoff(this.helloAttempts)) {
			this.helloAttempts += 1;
			this.helloAt = now;
			this.send({ type: "hello", v: PROTOCOL_VERSION });
		}
		if (this.synced && this.resyncAttempts > 0 && now >= this.resyncAt + this.backoff(this.resyncAttempts)) {
			this.resyncAttempts += 1;
			this.resyncAt = now;
			this.sendResync();
		}
		const action = this.link.poll(this.synced && this.resyncAttempts === 0);
		if (action === "resync") {
			this.requestResync();
		} else if (action === "ping") {
			this.send({ type: "ping", v: PROTOCOL_VERSION });
		}
		for (const [key, state] of this.keys) {
			const inflight = state.inflight;
			if (inflight !== undefined) {
				if (now >= inflight.nextRetryAt) {
					if (inflight.attempts >= this.maxAttempts) {
						this.giveUp(key, state, "timeout");
						// The server may have applied it and only the answers were lost: a snapshot settles that.
						if (this.synced) this.Connect();
					} else {
						this.transmit(key, inflight);
					}
				}
			} else if (state.queued !== undefined && now >= state.queued.dueAt) {
				this.propose(key, state);
			}
		}
	}

	/** Sends every waiting change now, whatever its priority. */
	Flush(): void {
		for (const [key, state] of this.keys) this.propose(key, state);
	}

	private giveUp(key: string, state: KeyState, reason: RejectReason | "timeout"): void {
		const oldValue = this.top(state);
		if (state.inflight !== undefined) this.inflightById.delete(state.inflight.id);
		state.inflight = undefined;
		state.queued = undefined;
		this.notify(key, state, state.confirmed?.value, oldValue, "rejected", reason);
	}

	private setConfirmed(state: KeyState, value: unknown, version: number, seq: unknown, owned = false): void {
		state.confirmed = { value: owned ? value : deepCopy(value), version };
		if (typeIs(seq, "number")) state.confirmedSeq = seq;
	}

	/** A newer server value of `key` (a push or a patch): confirmed, and heard unless a change is pending. */
	private serverValue(key: string, state: KeyState, value: unknown, version: number, seq: unknown, owned = false) {
		const oldValue = this.top(state);
		this.setConfirmed(state, value, version, seq, owned);
		// Under a pending change the optimistic value stays on top; the server decides on it.
		if (state.inflight === undefined && state.queued === undefined) {
			this.notify(key, state, state.confirmed!.value, oldValue, "server");
		}
	}

	/**
	 * Applies a patch of `key` from version `base` to `version`, only onto exactly version `base`.
	 *
	 * @returns false when it could not be applied (another base, or ops that do not fit): the caller resyncs
	 */
	private patchValue(key: string, state: KeyState, base: unknown, version: number, ops: unknown, seq: unknown) {
		const confirmed = state.confirmed;
		if (confirmed === undefined || confirmed.version !== base) return false;
		const patched = applyPatch(confirmed.value, ops);
		if (patched === undefined) return false;
		this.serverValue(key, state, patched.value, version, seq, true);
		return true;
	}

	/**
	 * Applies the entries of a snapshot. An entry never undoes a key set by a later-numbered message (an
	 * unreliable remote may deliver a push before the snapshot that precedes it); otherwise the snapshot is
	 * the server's truth, even at an older version than this client saw.
	 */
	private applySnapshot(message: ServerMessage & { type: "snapshot" }): void {
		const partial = message.partial === true;
		const seq = message.seq;
		let refused = false;
		for (const entry of message.entries) {
			if (!typeIs(entry, "table") || !typeIs(entry.key, "string") || !typeIs(entry.version, "number")) continue;
			const state = this.state(entry.key);
			const stale = typeIs(seq, "number") && state.confirmedSeq !== undefined && state.confirmedSeq > seq;
			if (stale || (!partial && entry.ops !== undefined)) {
				if (!partial && state.inflight !== undefined) this.transmit(entry.key, state.inflight);
				continue;
			}
			if (entry.ops !== undefined) {
				if (!this.patchValue(entry.key, state, entry.base, entry.version, entry.ops, seq)) refused = true;
				continue;
			}
			const oldValue = this.top(state);
			const before = state.confirmed;
			this.setConfirmed(state, entry.value, entry.version, seq);
			if (state.inflight !== undefined) {
				if (!partial) this.transmit(entry.key, state.inflight);
			} else if (state.queued === undefined) {
				const changed =
					before === undefined || before.version !== entry.version || !deepEqual(oldValue, entry.value);
				if (changed && !deepEqual(oldValue, entry.value)) {
					this.notify(entry.key, state, entry.value, oldValue, "server");
				}
			}
		}
		this.resyncAttempts = 0;
		if (partial) {
			this.link.settle(message.seq);
		} else {
			this.synced = true;
			this.helloAttempts = 0;
			this.link.reset(message.seq);
		}
		// A patch entry for a version this client no longer holds (it moved on meanwhile): ask again.
		if (refused) this.requestResync();
	}

	/**
	 * Handles one message from the server. Anything that is not a well-formed server message is ignored; a
	 * patch that does not fit the version held is never applied and makes the client ask for a resync.
	 */
	Receive(raw: unknown): void {
		if (!typeIs(raw, "table")) return;
		const message = raw as ServerMessage;
		if (message.v !== PROTOCOL_VERSION) return;
		this.link.heard(message.seq);
		if (message.type === "ack") {
			if (!typeIs(message.id, "number") || !typeIs(message.version, "number")) return;
			const key = this.inflightById.get(message.id);
			if (key === undefined || key !== message.key) return;
			const state = this.state(key);
			const inflight = state.inflight;
			if (inflight === undefined || inflight.id !== message.id) return;
			this.inflightById.delete(message.id);
			state.inflight = undefined;
			if (state.confirmed === undefined || message.version > state.confirmed.version) {
				this.setConfirmed(state, inflight.value, message.version, message.seq);
			}
			const value = this.top(state);
			this.notify(key, state, value, value, "confirmed");
		} else if (message.type === "reject") {
			if (!typeIs(message.id, "number")) return;
			const key = this.inflightById.get(message.id);
			if (key === undefined) return;
			const state = this.state(key);
			// A flood refusal was not processed at all: the retry timer sends the same proposal again.
			if (message.reason === "throttled") return;
			if (
				message.version !== undefined &&
				(state.confirmed === undefined || message.version >= state.confirmed.version)
			) {
				this.setConfirmed(state, message.value, message.version, message.seq);
			}
			this.giveUp(key, state, message.reason);
		} else if (message.type === "push") {
			if (!typeIs(message.key, "string") || !typeIs(message.version, "number")) return;
			const state = this.state(message.key);
			if (state.confirmed !== undefined && message.version <= state.confirmed.version) return;
			this.serverValue(message.key, state, message.value, message.version, message.seq);
		} else if (message.type === "patch") {
			if (!typeIs(message.key, "string") || !typeIs(message.version, "number")) return;
			const state = this.state(message.key);
			if (state.confirmed !== undefined && message.version <= state.confirmed.version) return;
			// Never onto another version than the patch's base: the value would silently be wrong.
			if (!this.patchValue(message.key, state, message.base, message.version, message.ops, message.seq)) {
				this.requestResync();
			}
		} else if (message.type === "saved") {
			if (!typeIs(message.key, "string") || !typeIs(message.version, "number")) return;
			const state = this.state(message.key);
			let value = message.value;
			if (value === undefined) {
				// Left out: the server believes this client holds that version. If it does not, it missed it.
				if (state.confirmed === undefined || state.confirmed.version < message.version) {
					this.requestResync();
					return;
				}
				if (state.confirmed.version !== message.version) return;
				value = state.confirmed.value;
			}
			if (state.saved === undefined || message.version > state.saved.version) {
				state.saved = { value: deepCopy(value), version: message.version };
			}
			if (state.confirmed === undefined || message.version > state.confirmed.version) {
				this.serverValue(message.key, state, value, message.version, message.seq);
			}
		} else if (message.type === "snapshot") {
			if (!typeIs(message.entries, "table")) return;
			this.applySnapshot(message);
		}
	}

	// --- former names (the class now follows one rule: PascalCase for every public method) -----------

	/** @deprecated use {@link Connect} (renamed so the class has one casing rule). */
	connect(): void {
		this.Connect();
	}

	/** @deprecated use {@link Update}. */
	update(): void {
		this.Update();
	}

	/** @deprecated use {@link Flush}. */
	flush(): void {
		this.Flush();
	}

	/** @deprecated use {@link Receive}. */
	receive(raw: unknown): void {
		this.Receive(raw);
	}
}
