import type { DataService } from "server/services/DataService";
import { ApplyContext, ApplyResult, AuthorityListener, StateAuthority, VersionedValue } from "./StateAuthority";

/**
 * Makes a {@link DataService} the authority behind {@link ServerStateSync}: each top-level field of a
 * player's profile is a state key. A client's accepted proposal goes through `UpdatePlayerData` (so the
 * game's schema validates it and the profile saves it); anything DataService refuses is rejected with
 * `invalidValue`. Versions count accepted writes per player and key since the player's profile loaded
 * on this server; call {@link changed} after the server itself changes a field so clients get a push.
 *
 * @example
 * ```ts
 * const authority = new DataServiceAuthority(dataService);
 * bindStateSync({ authority, keys: new KeyRegistry({ coins: {}, settings: { clientWritable: true } }) });
 * dataService.UpdatePlayerData(id, { coins: 10 }, { source: "quest" }).andThen(() => authority.changed(player, "coins"));
 * ```
 */
export class DataServiceAuthority<T extends object> implements StateAuthority {
	private readonly versions = new Map<Player, Map<string, number>>();
	private readonly listeners = new Set<AuthorityListener>();

	constructor(private readonly dataService: DataService<T>) {}

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
		if (context.conflict === "server_wins" && context.base !== this.version(player, key)) {
			return {
				ok: false,
				reason: "conflict",
				message: `base ${context.base}, current ${this.version(player, key)}`,
			};
		}
		const changes = { [key]: value } as unknown as Partial<T>;
		const [ok, err] = this.dataService
			.UpdatePlayerData(player.UserId, changes, { source: "client_state", requestId: context.requestId })
			.await();
		if (!ok)
			return {
				ok: false,
				reason: "invalidValue",
				message: tostring((err as { message?: string }).message ?? err),
			};
		return { ok: true, version: this.bump(player, key) };
	}

	/** Tells clients that the server changed `key` of `player`'s data (a push follows). */
	changed(player: Player, key: string): void {
		this.bump(player, key);
	}

	/** Forgets a player who left. */
	forget(player: Player): void {
		this.versions.delete(player);
	}

	subscribe(listener: AuthorityListener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}
}
