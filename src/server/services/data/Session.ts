import type { Profile } from "@rbxts/profileservice/globals";
import type { ConsistencyMarks } from "shared/core/consistency/ConsistencyMarks";

/** What a profile stores: the game's data in a migrations-ready envelope. */
export interface StoredProfile {
	/** Schema version of `data`. */
	v: number;
	data: object;
	/** Transfer ids applied to `data` whose inbox entries may still exist. */
	applied: Record<string, boolean>;
	/** Transfer sequence number (orders snapshots). */
	seq: number;
	/** Developer-product PurchaseIds granted into `data`, oldest first, the newest `receiptHistorySize` kept (Receipts). */
	receipts?: Array<string>;
	/** What the last committed change left of the data, for the consistency check of the next load (ConsistencyChecks). */
	marks?: ConsistencyMarks;
}

/** One load of one player's profile on this server. */
export interface Session {
	readonly userId: number;
	/** Unique to this load of the profile: written to the player's inbox, it fences every transfer. */
	readonly token: string;
	readonly profile: Profile<StoredProfile, unknown>;
	/** Worth of changes not yet saved: BindToClose saves the most valuable first. */
	unsaved: number;
	saveSeq: number;
	/**
	 * Transfer ids applied by this session, with the save mark count when they were applied: an id is
	 * saved once a save with a higher mark reached the DataStore. Its inbox entry may only be removed then.
	 */
	readonly appliedAt: Map<string, number>;
	/**
	 * A frozen copy of the data as of the last write, shared by every read-only view of this player until
	 * the next write drops it (the write path's cache stage); built on the first view after a write.
	 */
	view?: object;
	/**
	 * The template's top-level fields the stored data lacked on load, before the session store's Reconcile
	 * filled them in (so the consistency check can tell a deleted field from a field added to the template).
	 */
	reconciled?: ReadonlyArray<string>;
	/**
	 * How many times a claim of this session found entries in the player's inbox (another server's
	 * delivery, escrow or offer): the consistency schedule checks again after any.
	 */
	inboxEntriesSeen?: number;
}
