import { deepCopy } from "shared/protocol/deepCopy";
import { addAmounts } from "./Amounts";
import { heldBy, InboxDocument, planClaim } from "./Inbox";
import { rememberReceipts } from "./Receipts";
import type { ServiceContext } from "./ServiceContext";
import type { Session } from "./Session";
import { toServiceError } from "./TransferResults";
import type { DataServiceError } from "./DataServiceError";

/** What a delivery leaves to finish outside the lock: the inbox it read, entries to remove, the save to await. */
interface Delivered {
	readonly inbox: InboxDocument;
	readonly removable: ReadonlyArray<string>;
	readonly mark?: number;
}

/** Claims of one player tried in a row after failures before waiting for the next nudge or load. */
const MAX_CLAIM_ATTEMPTS = 5;

/**
 * Delivers what a held player's inbox holds into the profile (gifts received, trade snapshots, offer
 * results and refunds), through the write pipeline as a `delivery`; entries are removed only once the
 * change they made is saved. Also hands escrowed offers to {@link TradeOffers} for an answer.
 *
 * @example
 * ```ts
 * claims.claimQuietly(playerId); // after a nudge: never throws
 * ```
 */
export class InboxClaims {
	/** Players whose quiet claim runs now: true once another was asked for meanwhile (it runs once more). */
	private readonly quiet = new Map<number, boolean>();

	constructor(private readonly ctx: ServiceContext) {}

	/**
	 * Applies whatever the inbox holds for a held player (saving before removing the entries), then answers
	 * the trade offers waiting in it and refunds its own expired ones. The caller holds the player's lock
	 * (a load); {@link claimQuietly} holds it only while the delivery is applied.
	 * @param known - the inbox as just read or written (the load's token write), saving a read.
	 */
	claim(session: Session, depth = 0, known?: InboxDocument): void {
		this.settle(session, this.deliver(session, known), depth);
	}

	/**
	 * Under the player's lock: reads the inbox and applies what it holds that the profile has not applied
	 * (one `delivery` through the pipeline). Returns what {@link settle} finishes outside the lock.
	 */
	private deliver(session: Session, known?: InboxDocument): Delivered {
		const ctx = this.ctx;
		const inbox = known ?? ctx.inboxes.read(session.userId);
		if (!heldBy(inbox, session.token)) {
			ctx.audit.security("fencingRefused", [session.userId], { operation: "claim" });
			ctx.sessions.lose(session);
			throw ctx.sessions.lostError(session.userId);
		}
		if (inbox !== undefined && inbox.e !== undefined && next(inbox.e)[0] !== undefined) {
			session.inboxEntriesSeen = (session.inboxEntriesSeen ?? 0) + 1;
		}
		const stored = session.profile.Data;
		const applied = new Set<string>();
		for (const [id] of pairs(stored.applied)) applied.add(id);
		const plan = planClaim(inbox, applied);
		let mark: number | undefined;
		if (plan.newlyApplied.size() > 0) {
			const outcome = ctx.pipeline.run({
				kind: "delivery",
				context: { source: "inbox", ids: [...plan.newlyApplied] },
				lock: [session.userId],
				refusable: false,
				what: "delivery",
				durable: true,
				prepare: () => {
					const after = deepCopy(plan.snapshot !== undefined ? plan.snapshot.d : stored.data);
					for (const [id, entry] of plan.deltas) {
						// A delivery that does not fit (a field that is no longer numeric, a schema it would break) is
						// dropped with a warning: it was committed elsewhere and cannot be refused.
						const trial = deepCopy(after);
						const [ok, err] = pcall(() => {
							addAmounts(trial, entry.d, 1, true);
							ctx.validator.checkWhole(trial, "delivery");
						});
						if (ok) addAmounts(after, entry.d, 1, true);
						else {
							ctx.warn(
								`player ${session.userId}: delivery ${id} does not fit the data: ${toServiceError(err, "ValidationFailed").message}`,
							);
						}
					}
					return [{ session, after, worth: 1e6 }];
				},
				write: (sides) => {
					stored.data = deepCopy(sides[0].after!);
					if (plan.snapshot !== undefined) stored.seq = math.max(stored.seq, plan.snapshot.n);
					if (plan.snapshot?.r !== undefined)
						rememberReceipts(stored, plan.snapshot.r, ctx.config.receiptHistorySize);
					for (const id of plan.newlyApplied) {
						stored.applied[id] = true;
						session.appliedAt.set(id, session.saveSeq);
					}
					return undefined;
				},
			});
			for (const [, entry] of plan.deltas) {
				if (entry.x !== undefined && entry.o !== undefined) ctx.rooms.offers.noteOutcome(entry.x, entry.o);
			}
			ctx.stats.inboxClaims += plan.newlyApplied.size();
			mark = outcome.marks[0].mark;
		} else if (plan.removable.some((id) => !this.isSaved(session, id))) {
			// Entries are removed only once what they changed is saved (a transfer of this session may still be
			// waiting for its save: removing its entry first would lose it in a crash).
			session.unsaved += 1e6;
			mark = ctx.saves.mark(session);
		}
		return { inbox, removable: plan.removable, mark };
	}

	/**
	 * Outside the lock (a save is a DataStore round trip, retried with backoff when the store fails, and the
	 * player's updates must not wait for it): waits for the delivery's save, removes the entries, answers
	 * the offers in escrow and refunds expired ones of the player's own.
	 */
	private settle(session: Session, delivered: Delivered, depth: number): void {
		const ctx = this.ctx;
		if (delivered.mark !== undefined) ctx.saves.waitSaved(session, delivered.mark);
		if (delivered.removable.size() > 0) this.removeEntries(session, new Set(delivered.removable));
		let refunded = false;
		for (const [key, entry] of pairs(delivered.inbox.e)) {
			if (entry.k === "x") ctx.rooms.offers.answer(session, key, entry);
			else if (entry.k === "o" && ctx.rooms.offers.expire(session, key.sub(1, -3), entry)) refunded = true;
		}
		// A refund was written to this inbox: deliver it now (it holds no offer that could loop).
		if (refunded && depth === 0) this.settle(session, this.deliverLocked(session), 1);
	}

	/** {@link deliver} under the player's lock (the lock is reentrant: a load's claim holds it already). */
	private deliverLocked(session: Session): Delivered {
		return this.ctx.locks.run(tostring(session.userId), () => this.deliver(session));
	}

	/**
	 * Claims the inbox of a held player under its lock; reports failures instead of throwing, and tries
	 * again later (a claim that could not confirm its save leaves its entries in the inbox).
	 */
	claimQuietly(playerId: number, attempt = 1): void {
		const ctx = this.ctx;
		// One quiet claim of a player at a time: a claim asked for while one runs makes that one run again
		// (the inbox may have changed since it read it). Claims side by side would answer the same offers in
		// transactions on the same inboxes, each aborting the others' prepares, round after round.
		if (this.quiet.has(playerId)) {
			this.quiet.set(playerId, true);
			return;
		}
		let failure: DataServiceError | undefined;
		do {
			this.quiet.set(playerId, false);
			const [ok, err] = pcall(() => {
				const session = ctx.sessions.get(playerId);
				if (session === undefined || !session.profile.IsActive()) return;
				this.settle(session, this.deliverLocked(session), 0);
			});
			if (!ok) failure = toServiceError(err, "LoadFailed");
		} while (failure === undefined && this.quiet.get(playerId) === true);
		this.quiet.delete(playerId);
		if (failure === undefined) return;
		ctx.warn(`inbox claim of ${playerId} failed: ${failure.message}`);
		if (failure.kind !== "NotLoaded" && attempt < MAX_CLAIM_ATTEMPTS) this.claimLater(playerId, attempt + 1);
	}

	/** Claims the player's inbox again after `operationTimeout` seconds, if it is still held here. */
	claimLater(playerId: number, attempt = 1): void {
		task.delay(this.ctx.config.operationTimeout, () => {
			if (this.ctx.sessions.has(playerId)) this.claimQuietly(playerId, attempt);
		});
	}

	/** Removes claimed entries from a player's inbox, then forgets their ids (they can never come back). */
	removeEntries(session: Session, ids: ReadonlySet<string>): void {
		const removal = this.ctx.inboxes.removeEntries(session.userId, session.token, ids);
		if (removal === "lost") {
			this.ctx.audit.security("fencingRefused", [session.userId], { operation: "removeEntries" });
			this.ctx.sessions.lose(session);
		}
		if (removal !== "removed") return; // Left for the next claim: the ids stay applied, so the entries are skipped.
		for (const id of ids) {
			delete session.profile.Data.applied[id];
			session.appliedAt.delete(id);
		}
	}

	/** Whether transfer `id`, applied to the session's data, is in what the DataStore holds. */
	isSaved(session: Session, id: string): boolean {
		const at = session.appliedAt.get(id);
		// Not applied by this session: it came with the loaded profile, so it is saved.
		return at === undefined || this.ctx.saves.savedMark(session) > at;
	}
}
