import { Players } from "@rbxts/services";
import type { DataService, DataServiceError } from "server/services/DataService";
import { ApplyContext, ApplyResult, AuthorityListener, StateAuthority, VersionedValue } from "./StateAuthority";

/** How a client request id ended here: applied at a version, still being applied, or refused. */
type RequestOutcome =
	| { readonly status: "applied"; readonly version: number }
	| { readonly status: "pending" }
	| { readonly status: "refused"; readonly message: string };

/** Request ids remembered per player (the sync's replay window is 256 too). */
const REQUEST_WINDOW = 256;

/**
 * Makes a {@link DataService} the authority behind {@link ServerStateSync}: each top-level field of a
 * player's profile is a state key. A client's accepted proposal goes through the write pipeline as a
 * `syncProposal` (the game's schema validates it and the profile saves it); anything DataService
 * refuses is rejected with `invalidValue`. Versions count accepted writes per player and key since the
 * player's profile loaded on this server; call {@link changed} after the server itself changes a field so
 * clients get a push. Once a save carrying a key's current version reaches the DataStore, the client is
 * sent `saved`.
 *
 * `apply` never yields: when the player's data is busy (its lock held by an inbox claim or a load) the
 * update finishes in the background and the proposal is answered `throttled`; the client's retry under the
 * same request id then gets the outcome, so a request is never applied twice.
 *
 * @example
 * ```ts
 * const authority = new DataServiceAuthority(dataService);
 * bindStateSync({ authority, keys: new KeyRegistry({ coins: {}, settings: { clientWritable: true } }) });
 * dataService.UpdatePlayerData(id, (d) => ({ coins: d.coins + 10 })).andThen(() => authority.changed(player, "coins"));
 * ```
 */
export class DataServiceAuthority<T extends object> implements StateAuthority {
	private readonly versions = new Map<Player, Map<string, number>>();
	private readonly listeners = new Set<AuthorityListener>();
	private readonly savedListeners = new Set<(player: Player, key: string) => void>();
	private readonly requests = new Map<Player, { byId: Map<number, RequestOutcome>; order: Array<number> }>();
	/** Per player, per key: the save mark that must reach the DataStore before its version counts as saved. */
	private readonly unsavedMarks = new Map<Player, Map<string, number>>();
	private readonly stopSaved: () => void;

	constructor(private readonly dataService: DataService<T>) {
		this.stopSaved = dataService.onSaved((playerId, savedMark) => this.onSaved(playerId, savedMark));
	}

	private version(player: Player, key: string): number {
		return this.versions.get(player)?.get(key) ?? 0;
	}

	private bump(player: Player, key: string): number {
		let byKey = this.versions.get(player);
		if (!byKey) {
			byKey = new Map();
			this.versions.set(player, byKey);
		}
		const version = (byKey.get(key) ?? 0) + 1;
		byKey.set(key, version);
		let marks = this.unsavedMarks.get(player);
		if (!marks) {
			marks = new Map();
			this.unsavedMarks.set(player, marks);
		}
		marks.set(key, this.dataService.getSaveMark(player.UserId));
		for (const listener of this.listeners) listener(player, key, version);
		return version;
	}

	read(player: Player, key: string): VersionedValue {
		const data = this.dataService.GetPlayerData(player.UserId) as Record<string, unknown> | undefined;
		return { value: data?.[key], version: this.version(player, key) };
	}

	/** Whether the player's profile is loaded on this server (a client gets its snapshot only then). */
	ready(player: Player): boolean {
		return this.dataService.GetPlayerData(player.UserId) !== undefined;
	}

	apply(player: Player, key: string, value: unknown, context: ApplyContext): ApplyResult {
		if (this.dataService.GetPlayerData(player.UserId) === undefined) {
			return { ok: false, reason: "denied", message: "the player's data is not loaded on this server" };
		}
		const known = this.requestsOf(player).byId.get(context.requestId);
		if (known !== undefined) return this.answer(known);
		if (context.conflict === "server_wins" && context.base !== this.version(player, key)) {
			return {
				ok: false,
				reason: "conflict",
				message: `base ${context.base}, current ${this.version(player, key)}`,
			};
		}
		// Runs at once unless the player's lock or an operation slot is taken: then it finishes later.
		const promise = this.dataService.applyProposal(player.UserId, key, value, context.requestId);
		const finish = (ok: boolean, err: unknown): RequestOutcome =>
			ok
				? { status: "applied", version: this.bump(player, key) }
				: { status: "refused", message: tostring((err as Partial<DataServiceError>).message ?? err) };
		if (promise.getStatus() !== Promise.Status.Started) {
			const [ok, err] = promise.await();
			const outcome = finish(ok, err);
			this.remember(player, context.requestId, outcome);
			return this.answer(outcome);
		}
		this.remember(player, context.requestId, { status: "pending" });
		// Settled after the player left (forget ran): nothing to remember or push.
		promise.then(
			() => this.requests.has(player) && this.remember(player, context.requestId, finish(true, undefined)),
			(err) => this.requests.has(player) && this.remember(player, context.requestId, finish(false, err)),
		);
		return this.answer({ status: "pending" });
	}

	/** Tells clients that the server changed `key` of `player`'s data (a push follows). */
	changed(player: Player, key: string): void {
		this.bump(player, key);
	}

	/** Forgets a player who left. */
	forget(player: Player): void {
		this.versions.delete(player);
		this.requests.delete(player);
		this.unsavedMarks.delete(player);
	}

	subscribe(listener: AuthorityListener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	subscribeSaved(listener: (player: Player, key: string) => void): () => void {
		this.savedListeners.add(listener);
		return () => this.savedListeners.delete(listener);
	}

	/** Stops listening to the service's saves. */
	destroy(): void {
		this.stopSaved();
	}

	private onSaved(playerId: number, savedMark: number): void {
		const player = Players.GetPlayerByUserId(playerId);
		const marks = player !== undefined ? this.unsavedMarks.get(player) : undefined;
		if (player === undefined || marks === undefined) return;
		for (const [key, mark] of marks) {
			if (mark > savedMark) continue;
			marks.delete(key);
			for (const listener of this.savedListeners) listener(player, key);
		}
	}

	private answer(outcome: RequestOutcome): ApplyResult {
		if (outcome.status === "applied") return { ok: true, version: outcome.version };
		if (outcome.status === "refused") return { ok: false, reason: "invalidValue", message: outcome.message };
		return { ok: false, reason: "throttled", message: "the player's data is busy; the request is being applied" };
	}

	private requestsOf(player: Player) {
		let entry = this.requests.get(player);
		if (entry === undefined) {
			entry = { byId: new Map(), order: [] };
			this.requests.set(player, entry);
		}
		return entry;
	}

	private remember(player: Player, id: number, outcome: RequestOutcome): void {
		const entry = this.requestsOf(player);
		if (!entry.byId.has(id)) entry.order.push(id);
		entry.byId.set(id, outcome);
		while (entry.order.size() > REQUEST_WINDOW) entry.byId.delete(entry.order.shift()!);
	}
}
