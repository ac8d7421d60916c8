/**
 * Per-player inboxes for gifts and trades, stored through the DataAccessLayer (one key per player, one
 * entry per transfer id), so a transfer commits with the DataAccessLayer's crash-safe transaction and is
 * claimed exactly once: the claimed id is saved in the profile with the change itself, and only then is
 * the entry removed.
 */

/** The full data of a profile right after a transfer, with the transfer ids applied up to that moment. */
export interface SnapshotEntry {
	readonly k: "s";
	/** The profile's transfer sequence number: the newest snapshot wins. */
	readonly n: number;
	readonly d: object;
	/** Transfer ids the snapshot already contains. */
	readonly a: Array<string>;
	/** The profile's receipt history when the snapshot was taken: the purchases `d` already contains. */
	readonly r?: Array<string>;
}

/** Amounts added to numeric fields of the recipient (top-level names or dotted paths). */
export interface DeltaEntry {
	readonly k: "d";
	readonly d: Record<string, number>;
	/** Sender's user id. */
	readonly f: number;
	/** For the result of a trade offer: the offer's id. */
	readonly x?: string;
	/** For the result of a trade offer: how it ended. */
	readonly o?: TradeOutcome;
}

/** How a trade offer ended. */
export type TradeOutcome = "completed" | "declined" | "expired";

/**
 * A trade offer held in escrow in the recipient's inbox: the offerer already paid `g`; the recipient's
 * server accepts it (paying `t`) or declines it, or the offerer's server cancels it once expired. Each of
 * those removes the escrow and writes the result into the offerer's inbox in one transaction, so exactly
 * one of them happens.
 */
export interface EscrowEntry {
	readonly k: "x";
	/** The offerer's user id. */
	readonly f: number;
	/** What the offerer gives (already taken from it). */
	readonly g: Record<string, number>;
	/** What the offerer asks in return. */
	readonly t: Record<string, number>;
	/** Unix seconds after which the offer may only be refunded. */
	readonly e: number;
}

/** In the offerer's inbox, under `outgoingKey(id)`: an offer of its that is still open. */
export interface OutgoingEntry {
	readonly k: "o";
	/** The recipient's user id. */
	readonly r: number;
	/** What the offerer gave, refunded if the offer does not complete. */
	readonly g: Record<string, number>;
	/** Unix seconds when the offer expires. */
	readonly e: number;
}

/** One inbox entry. */
export type InboxEntry = SnapshotEntry | DeltaEntry | EscrowEntry | OutgoingEntry;

/**
 * The inbox key of the open-offer marker of trade `id`.
 * @example
 * ```ts
 * const marker = inbox.e[outgoingKey(id)];
 * ```
 */
export function outgoingKey(id: string): string {
	return `${id}:o`;
}

/**
 * The inbox key of the result of trade `id` in the offerer's inbox.
 * @example
 * ```ts
 * withEntry(inbox, resultKey(id), { k: "d", d: take, f: recipient, x: id, o: "completed" });
 * ```
 */
export function resultKey(id: string): string {
	return `${id}:r`;
}

/** The stored inbox of one player. */
export interface InboxDocument {
	readonly e: Record<string, InboxEntry>;
	/**
	 * The token of the session that holds the player's profile, written when a server loads it. Every
	 * transaction that changes the player's side checks it, so a server that lost the profile (taken over
	 * while an operation was in flight) can no longer commit anything for it.
	 */
	readonly s?: string;
}

/**
 * The inbox with its session token set to `token` (a copy).
 * @example
 * ```ts
 * dal.update(ref, (inbox) => withSession(inbox, session.token));
 * ```
 */
export function withSession(inbox: InboxDocument | undefined, token: string): InboxDocument {
	return { e: inbox?.e ?? {}, s: token };
}

/**
 * Whether the inbox says the session `token` holds its player's profile.
 * @example
 * ```ts
 * if (!heldBy(inbox, session.token)) return undefined; // taken over: write nothing
 * ```
 */
export function heldBy(inbox: InboxDocument | undefined, token: string): inbox is InboxDocument {
	return inbox !== undefined && inbox.s === token;
}

/**
 * The inbox with `entry` added under `id` (a copy; the input is not changed).
 * @example
 * ```ts
 * const next = withEntry(current, "gift-1", { k: "d", d: { coins: 10 }, f: 7 });
 * ```
 */
export function withEntry(inbox: InboxDocument | undefined, id: string, entry: InboxEntry): InboxDocument {
	const e: Record<string, InboxEntry> = {};
	if (inbox !== undefined) for (const [key, value] of pairs(inbox.e)) e[key] = value;
	e[id] = entry;
	return { e, s: inbox?.s };
}

/**
 * The inbox without the entries `ids`, or undefined when nothing changes (so no write is made).
 * @example
 * ```ts
 * const next = withoutEntries(current, new Set(["gift-1"]));
 * ```
 */
export function withoutEntries(inbox: InboxDocument | undefined, ids: ReadonlySet<string>): InboxDocument | undefined {
	if (inbox === undefined) return undefined;
	let removed = false;
	const e: Record<string, InboxEntry> = {};
	for (const [key, value] of pairs(inbox.e)) {
		if (ids.has(key)) removed = true;
		else e[key] = value;
	}
	return removed ? { e, s: inbox.s } : undefined;
}

/**
 * The inbox without the entries `remove` and with the entries `add` (always a new document).
 * @example
 * ```ts
 * const next = replaceEntries(current, [id], { [resultKey(id)]: refund });
 * ```
 */
export function replaceEntries(
	inbox: InboxDocument | undefined,
	remove: ReadonlyArray<string>,
	add: Record<string, InboxEntry>,
): InboxDocument {
	const e: Record<string, InboxEntry> = {};
	if (inbox !== undefined) for (const [key, value] of pairs(inbox.e)) if (!remove.includes(key)) e[key] = value;
	for (const [key, value] of pairs(add)) e[key] = value;
	return { e, s: inbox?.s };
}

/** What claiming an inbox does to a profile. */
export interface ClaimPlan {
	/** Replacement data from the newest unapplied snapshot, if any. */
	readonly snapshot?: SnapshotEntry;
	/** Deltas to add, in id order. */
	readonly deltas: Array<[string, DeltaEntry]>;
	/** Ids that become applied by this claim. */
	readonly newlyApplied: Array<string>;
	/** Every id that may be removed from the inbox once the profile is saved. */
	readonly removable: Array<string>;
}

/**
 * Decides what an inbox changes in a profile whose saved state already applied `applied`: the newest
 * snapshot not applied replaces the data (it contains every transfer listed in its `a`), then every delta
 * not applied by then is added. Trade escrows and open-offer markers are not claimed this way (they are
 * settled by transactions of their own) and are left in the inbox.
 * @example
 * ```ts
 * const plan = planClaim(inbox, new Set(Object.keys(stored.applied)));
 * ```
 */
export function planClaim(inbox: InboxDocument | undefined, applied: ReadonlySet<string>): ClaimPlan {
	const plan: ClaimPlan = { deltas: [], newlyApplied: [], removable: [] };
	if (inbox === undefined) return plan;
	let snapshot: SnapshotEntry | undefined;
	let snapshotId: string | undefined;
	for (const [id, entry] of pairs(inbox.e)) {
		if (entry.k === "s" && !applied.has(id) && (snapshot === undefined || entry.n > snapshot.n)) {
			snapshot = entry;
			snapshotId = id;
		}
	}
	const covered = new Set<string>();
	for (const id of applied) covered.add(id);
	if (snapshot !== undefined && snapshotId !== undefined) {
		for (const id of snapshot.a) covered.add(id);
		covered.add(snapshotId);
		for (const id of snapshot.a) if (!applied.has(id)) plan.newlyApplied.push(id);
		if (!applied.has(snapshotId) && !snapshot.a.includes(snapshotId)) plan.newlyApplied.push(snapshotId);
	}
	const ids = new Array<string>();
	for (const [id, entry] of pairs(inbox.e)) if (entry.k === "s" || entry.k === "d") ids.push(id as string);
	ids.sort();
	for (const id of ids) {
		const entry = inbox.e[id];
		if (entry.k === "d" && !covered.has(id)) {
			plan.deltas.push([id, entry]);
			plan.newlyApplied.push(id);
			covered.add(id);
		} else if (entry.k === "s" && !covered.has(id)) {
			// An older snapshot the newest one does not list cannot exist (snapshots are taken in order).
			covered.add(id);
			plan.newlyApplied.push(id);
		}
		plan.removable.push(id);
	}
	return { ...plan, snapshot: snapshot !== undefined && !applied.has(snapshotId!) ? snapshot : undefined };
}
