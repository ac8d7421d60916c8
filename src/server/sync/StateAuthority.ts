import { ConflictStrategy } from "shared/protocol/KeyRegistry";
import { RejectReason } from "shared/protocol/Messages";

/** A key's authoritative value and the version it is at (0: never written). */
export interface VersionedValue {
	readonly value: unknown;
	readonly version: number;
}

/** What the authority is told about a client proposal it is asked to apply. */
export interface ApplyContext {
	/** The version the client made its change from. */
	readonly base: number;
	/** The client's request id. */
	readonly requestId: number;
	/** The key's declared strategy for a stale base: refuse with `conflict`, or apply anyway. */
	readonly conflict: ConflictStrategy;
}

/** The outcome of {@link StateAuthority.apply}. */
export type ApplyResult =
	| { readonly ok: true; readonly version: number }
	| { readonly ok: false; readonly reason: RejectReason; readonly message?: string };

/** Tells the sync that a key of a player changed on the server's side (not through a proposal). */
export type AuthorityListener = (player: Player, key: string, version: number) => void;

/**
 * Where the truth lives: the store ServerStateSync reads from and asks to apply client proposals. The
 * sync has already checked the payload, the key's registration, its rate limit and its validator.
 * DataService implements it over player profiles; {@link MemoryStateAuthority} keeps state in memory.
 *
 * @example
 * ```ts
 * const authority: StateAuthority = {
 * 	read(player, key) {
 * 		return { value: profiles.get(player)!.Data[key], version: versions.get(player, key) };
 * 	},
 * 	apply(player, key, value, context) {
 * 		if (context.conflict === "server_wins" && context.base !== versions.get(player, key)) {
 * 			return { ok: false, reason: "conflict" };
 * 		}
 * 		profiles.get(player)!.Data[key] = value;
 * 		return { ok: true, version: versions.bump(player, key) };
 * 	},
 * };
 * ```
 */
export interface StateAuthority {
	/**
	 * The key's current value and version for `player`. A version names one value: bump it whenever the
	 * value changes, since clients are sent patches against the version they hold and skip keys whose
	 * version they already have.
	 */
	read(player: Player, key: string): VersionedValue;
	/** Applies a validated client proposal, or refuses it with a reason. Must not yield. */
	apply(player: Player, key: string, value: unknown, context: ApplyContext): ApplyResult;
	/**
	 * Optional: whether `player`'s state can be read yet (default: always). Until it can, a client's `hello`
	 * gets no snapshot, so the client keeps asking instead of syncing to empty values (DataService loads a
	 * profile seconds after the player joins, longer after a teleport).
	 */
	ready?(player: Player): boolean;
	/** Optional: drops what the authority keeps for a player who left (the sync calls it from removePlayer). */
	forget?(player: Player): void;
	/** Optional: calls `listener` whenever a key changes by other means, so the sync can push it. */
	subscribe?(listener: AuthorityListener): () => void;
	/**
	 * Optional: calls `listener(player, key)` once the key's current version is saved durably, so the sync
	 * sends the client a `saved` message (its "saved" level).
	 */
	subscribeSaved?(listener: (player: Player, key: string) => void): () => void;
}
