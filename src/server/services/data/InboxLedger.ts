import { DataAccessLayer, KeyRef } from "shared/core/DataAccessLayer";
import { eraseTransactionRecords } from "shared/core/dal/eraseTransactionRecords";
import { heldBy, InboxDocument, InboxEntry, withEntry, withoutEntries, withSession } from "./Inbox";

/** A change of one inbox in a two-inbox transaction: the inbox as read (undefined if none) to the new one. */
export type InboxChange = (inbox?: InboxDocument) => InboxDocument;

/**
 * How {@link InboxLedger.commit} ended:
 * - `committed`: both inboxes changed;
 * - `lost`: the owner in slot `slot` was found taken over (its inbox names another session); nothing changed;
 * - `calledOff`: the transaction did not commit; nothing changed;
 * - `failed`: the DataAccessLayer threw `error`; nothing changed.
 */
export type InboxCommit =
	| { readonly status: "committed" }
	| { readonly status: "lost"; readonly slot: number }
	| { readonly status: "calledOff" }
	| { readonly status: "failed"; readonly error: unknown };

/**
 * How {@link InboxLedger.removeEntries} ended: `removed` (or nothing was left to remove), `lost` (the inbox
 * names another session: nothing removed) or `failed` (the write did not happen).
 */
export type InboxRemoval = "removed" | "lost" | "failed";

/**
 * The per-player inboxes in their DataStore, reached only through the DataAccessLayer: one key per player,
 * holding its transfer entries and the token of the session that holds its profile. Every write that
 * changes a player's side is fenced by that token, so a server that lost the profile (taken over while an
 * operation was in flight) can no longer commit anything for it. The ledger only reports a lost owner;
 * what to do with the session is the caller's business. The pure document helpers are in `Inbox.ts`.
 *
 * @example
 * ```ts
 * const inboxes = new InboxLedger(dal, "DataService.Inbox");
 * const inbox = inboxes.takeForSession(playerId, token);
 * ```
 */
export class InboxLedger {
	/**
	 * @param dal - the DataAccessLayer every read and write goes through.
	 * @param storeName - the name of the inboxes' DataStore.
	 */
	constructor(
		private readonly dal: DataAccessLayer,
		private readonly storeName: string,
	) {}

	/**
	 * Reads a player's inbox past the cache (the DataAccessLayer verifies its checksum). Yields.
	 * @returns the inbox, or undefined when the player has none; throws the DataAccessLayer's error.
	 * @example
	 * ```ts
	 * const inbox = inboxes.read(session.userId);
	 * ```
	 */
	read(playerId: number, priority: "normal" | "background" = "normal"): InboxDocument | undefined {
		return this.dal.read<InboxDocument>(this.ref(playerId), { useCache: false, priority }).expect()?.data;
	}

	/**
	 * Writes session `token` into a player's inbox: from then on, a session that held the profile before can
	 * commit nothing more for this player. Yields.
	 * @returns the inbox as the write left it; throws the DataAccessLayer's error.
	 * @example
	 * ```ts
	 * const inbox = inboxes.takeForSession(playerId, session.token);
	 * ```
	 */
	takeForSession(playerId: number, token: string): InboxDocument | undefined {
		return this.dal.update<InboxDocument>(this.ref(playerId), (inbox) => withSession(inbox, token)).expect()?.data;
	}

	/**
	 * Right to erasure: removes the player's inbox key (transfers still in it are dropped with it) and the
	 * records of the transactions filed under them (see {@link InboxLedger.transact}). Yields.
	 * @example
	 * ```ts
	 * inboxes.erase(userId);
	 * ```
	 */
	erase(playerId: number): void {
		this.dal.remove(this.ref(playerId)).expect();
		eraseTransactionRecords(this.dal, playerId);
	}

	/**
	 * Commits a change of several players' inboxes (two for a transfer, every player of a multi-player restore)
	 * in one transaction, only while `owners` (the session tokens
	 * whose side changes, by slot; undefined for a side no session here owns) still hold their profiles.
	 * Its record is filed under the first player (as {@link transact}'s). Yields; never throws.
	 * @returns how it ended; `lost` names the first owner slot found taken over.
	 * @example
	 * ```ts
	 * const result = inboxes.commit([from, to], [addSnapshot, addGift], [session.token, undefined]);
	 * if (result.status === "lost") forget(owners[result.slot]);
	 * ```
	 */
	commit(
		playerIds: ReadonlyArray<number>,
		changes: ReadonlyArray<InboxChange>,
		owners: ReadonlyArray<string | undefined>,
	): InboxCommit {
		let lost: number | undefined;
		const [ok, err] = pcall(
			() =>
				this.dal
					.transaction(
						playerIds.map((id) => this.ref(id)),
						(slots) => {
							// Index loops, not map: an empty inbox is nil, and a Luau array cannot hold a nil.
							for (let i = 0; i < playerIds.size(); i++) {
								const owner = owners[i];
								if (owner !== undefined && !heldBy(slots[i].data as InboxDocument | undefined, owner)) {
									lost = i;
									return undefined;
								}
							}
							const written = new Array<InboxDocument>();
							for (let i = 0; i < playerIds.size(); i++)
								written.push(changes[i](slots[i].data as InboxDocument | undefined));
							return written;
						},
						// Filed under the first player, as transact's: erasing that player removes it.
						{ recordOwner: playerIds[0] },
					)
					.expect().committed,
		);
		if (lost !== undefined) return { status: "lost", slot: lost };
		if (!ok) return { status: "failed", error: err };
		return err === true ? { status: "committed" } : { status: "calledOff" };
	}

	/**
	 * Runs a transaction on two players' inboxes; `fn` sees both (as they are at each attempt) and returns
	 * both new ones, or undefined to write nothing. Its record is filed under the first player (store
	 * `<transactionStoreName>.<UserId>`), so erasing that player removes it. Yields.
	 * @returns whether it committed; throws the DataAccessLayer's error.
	 * @example
	 * ```ts
	 * const committed = inboxes.transact([a, b], (ia, ib) => [withEntry(ia, id, ea), withEntry(ib, id, eb)]);
	 * ```
	 */
	transact(
		playerIds: [number, number],
		fn: (a?: InboxDocument, b?: InboxDocument) => [InboxDocument, InboxDocument] | undefined,
	): boolean {
		const result = this.dal
			.transaction(
				[this.ref(playerIds[0]), this.ref(playerIds[1])],
				(slots) => fn(slots[0].data as InboxDocument | undefined, slots[1].data as InboxDocument | undefined),
				{ recordOwner: playerIds[0] },
			)
			.expect();
		return result.committed;
	}

	/**
	 * Removes claimed entries from a player's inbox, only while session `token` holds the profile. Yields;
	 * never throws.
	 * @returns how it ended (`lost` wins over `failed`).
	 * @example
	 * ```ts
	 * if (inboxes.removeEntries(session.userId, session.token, new Set([id])) === "removed") forget(id);
	 * ```
	 */
	removeEntries(playerId: number, token: string, ids: ReadonlySet<string>): InboxRemoval {
		let lost = false;
		const [ok] = pcall(() =>
			this.dal
				.update<InboxDocument>(this.ref(playerId), (inbox) => {
					// Only the holder removes what it saved; another session still has to apply them.
					lost = !heldBy(inbox, token);
					return lost ? undefined : withoutEntries(inbox, ids);
				})
				.expect(),
		);
		if (lost) return "lost";
		return ok ? "removed" : "failed";
	}

	/**
	 * Adds one entry to a player's inbox, whoever holds the player: its holder claims it (at once when nudged,
	 * else at its next claim) or its next load does, exactly once. Yields; throws the DataAccessLayer's error.
	 * @example
	 * ```ts
	 * inboxes.deliver(friendId, id, { k: "d", d: { coins: 10 }, f: 0 });
	 * ```
	 */
	deliver(playerId: number, id: string, entry: InboxEntry): void {
		this.dal.update<InboxDocument>(this.ref(playerId), (inbox) => withEntry(inbox, id, entry)).expect();
	}

	private ref(playerId: number): KeyRef {
		return { store: this.storeName, key: tostring(playerId) };
	}
}
