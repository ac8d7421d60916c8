import { deepCopy } from "shared/protocol/deepCopy";
import { addAmounts, Amounts, checkAmounts } from "./Amounts";
import { serviceError } from "./DataServiceError";
import type { TradeOfferOptions, TradeOfferResult, UpdateContext } from "./DataServiceTypes";
import {
	DeltaEntry,
	EscrowEntry,
	heldBy,
	InboxEntry,
	OutgoingEntry,
	outgoingKey,
	replaceEntries,
	resultKey,
	TradeOutcome,
	withEntry,
} from "./Inbox";
import type { ServiceContext } from "./ServiceContext";
import type { Session } from "./Session";
import {
	applySnapshot,
	commitInboxes,
	debitedCopy,
	settleTransfer,
	snapshotEntry,
	toServiceError,
} from "./TransferResults";

/** While an offer waits for its outcome, the recipient is nudged (and the offerer's inbox read) this often. */
const OFFER_NUDGE_INTERVAL = 5;
const MAX_OFFER_SECONDS = 30 * 24 * 3600;
/** Thrown by an accept's write when the escrow was answered or refunded first (nothing to do). */
const ALREADY_ANSWERED = serviceError("TransferFailed", "the offer was already answered");
/** Errors before an accept's write that mean the recipient cannot or will not take the offer. */
const DECLINING_KINDS = new Set(["ValidationFailed", "Refused", "TransformFailed", "InvalidArgument"]);
/** Thrown when the game's `acceptTrade` hook says no (or errors). */
const GAME_DECLINED = serviceError("TransferFailed", "the game declined it");

/**
 * Trade offers to a player anywhere: the offerer pays into an escrow in the recipient's inbox; the
 * recipient's server accepts (through the pipeline, as an `offerSettlement`) or declines; an unanswered
 * offer is refunded once it expires. Each outcome removes the escrow and writes the result into the
 * offerer's inbox in one transaction, so exactly one happens.
 *
 * @example
 * ```ts
 * const started = offers.offer(from, to, { coins: 60 }, { "inventory.sword": 1 }, {}, os.clock());
 * ```
 */
export class TradeOffers {
	/** Offers an OfferTrade call here waits for, with their outcome once the offerer's inbox delivered it. */
	private readonly awaited = new Map<string, TradeOutcome | false>();
	/** Open offers of players held here with a cancel already scheduled for their expiry. */
	private readonly scheduledCancels = new Set<string>();

	constructor(private readonly ctx: ServiceContext) {}

	/** Checks the arguments and commits the offer (the offerer pays into escrow); see DataService.OfferTrade. */
	offer(
		fromId: number,
		toId: number,
		give: Amounts,
		take: Amounts,
		options: TradeOfferOptions,
		context: UpdateContext,
		startedAt: number,
	): { id: string; expires: number; deadline: number } {
		const ctx = this.ctx;
		const gives = checkAmounts(give, "give", true);
		const takes = checkAmounts(take, "take", true);
		if (next(gives)[0] === undefined && next(takes)[0] === undefined) {
			throw serviceError("InvalidArgument", "a trade offer must give or take something");
		}
		if (!typeIs(options, "table"))
			throw serviceError("InvalidArgument", `options must be a table, got ${typeOf(options)}`);
		const expiresIn = options.expiresIn ?? ctx.config.tradeOfferTimeout;
		const wait = options.wait ?? expiresIn + OFFER_NUDGE_INTERVAL;
		for (const [name, value] of [
			["expiresIn", expiresIn],
			["wait", wait],
		] as const) {
			if (!typeIs(value, "number") || value < 0 || value > MAX_OFFER_SECONDS || value !== value) {
				throw serviceError(
					"InvalidArgument",
					`options.${name} must be 0 to ${MAX_OFFER_SECONDS} seconds, got ${typeOf(value)} ${tostring(value)}`,
				);
			}
		}
		if (!ctx.config.enableTransactions) throw serviceError("TransferFailed", "trades need enableTransactions");
		const expires = DateTime.now().UnixTimestamp + expiresIn;
		const outcome = ctx.pipeline.run({
			kind: "offer",
			context: { ...context, to: toId, give: gives, take: takes, expiresAt: expires },
			lock: [fromId],
			startedAt,
			durable: true,
			prepare: () => {
				const { session, after } = debitedCopy(ctx, fromId, gives);
				// What the offerer would hold once it completes must fit the schema too.
				const completed = deepCopy(after);
				addAmounts(completed, takes, 1, true);
				ctx.validator.checkWhole(completed, "trade offer");
				return [{ session, after, worth: 1e6 }];
			},
			write: (sides, id) => {
				const { session, after } = sides[0];
				const entry = snapshotEntry(session, id, after!);
				const marker: OutgoingEntry = { k: "o", r: toId, g: gives, e: expires };
				const escrow: EscrowEntry = { k: "x", f: fromId, g: gives, t: takes, e: expires };
				commitInboxes(
					ctx,
					[fromId, toId],
					[
						(inbox) => replaceEntries(inbox, [], { [id]: entry, [outgoingKey(id)]: marker }),
						(inbox) => withEntry(inbox, id, escrow),
					],
					[session, undefined],
				);
				applySnapshot(session, id, after!, entry.n);
				return undefined;
			},
		});
		ctx.stats.tradeOffers += 1;
		this.awaited.set(outcome.id, false);
		// The escrow is committed: the recipient may answer while the offerer's side is being saved. The escrow
		// stands whatever this save does (the inbox holds the offerer's side).
		ctx.rooms.messaging.nudge(toId);
		settleTransfer(ctx, outcome.marks, outcome.id);
		return { id: outcome.id, expires, deadline: os.clock() + wait };
	}

	/** Records the outcome of an offer an OfferTrade call here waits for. */
	noteOutcome(id: string, outcome: TradeOutcome): void {
		if (this.awaited.has(id)) this.awaited.set(id, outcome);
		if (outcome === "completed") this.ctx.stats.offersCompleted += 1;
		else if (outcome === "declined") this.ctx.stats.offersDeclined += 1;
		else this.ctx.stats.offersExpired += 1;
	}

	/**
	 * On the recipient's server, under its lock: accepts an offer in escrow when it is still open, the
	 * recipient can pay, the pipeline's stages and the game's `acceptTrade` agree; otherwise declines it
	 * (refunds the offerer). One transaction does either, only if the escrow is still there. Errors leave the
	 * escrow for a later claim or the offerer's refund.
	 */
	answer(session: Session, id: string, escrow: EscrowEntry): void {
		const ctx = this.ctx;
		const recipient = session.userId;
		let outcome: TradeOutcome = "completed";
		if (DateTime.now().UnixTimestamp >= escrow.e) outcome = "expired";
		else {
			const [ok, result] = pcall(() => this.accept(session, id, escrow));
			if (ok) {
				ctx.saves.waitSaved(session, result.marks[0].mark);
				ctx.rooms.claims.removeEntries(session, new Set([id]));
				ctx.rooms.messaging.nudge(escrow.f);
				return;
			}
			if (result === ALREADY_ANSWERED) return;
			const err = toServiceError(result, "TransferFailed");
			if (err.kind === "NotLoaded") throw err;
			if (result !== GAME_DECLINED && !DECLINING_KINDS.has(err.kind)) {
				ctx.warn(`offer ${id} to ${recipient} not answered yet: ${err.message}`);
				return;
			}
			outcome = "declined";
		}
		// Declined or expired: the recipient's data does not change; the refund is the offerer's delivery.
		const refund: DeltaEntry = { k: "d", d: escrow.g, f: recipient, x: id, o: outcome };
		let lost = false;
		const [ok, committed] = pcall(() =>
			ctx.inboxes.transact([escrow.f, recipient], (offerer, mine) => {
				if (mine?.e[id]?.k !== "x") return undefined; // Answered or refunded already.
				lost = !heldBy(mine, session.token);
				if (lost) return undefined;
				return [
					replaceEntries(offerer, [outgoingKey(id)], { [resultKey(id)]: refund }),
					replaceEntries(mine, [id], {}),
				];
			}),
		);
		if (!ok) {
			ctx.warn(
				`offer ${id} to ${recipient} not answered yet: ${toServiceError(committed, "TransferFailed").message}`,
			);
			return;
		}
		if (lost) {
			ctx.sessions.lose(session);
			throw ctx.sessions.lostError(recipient);
		}
		if (committed === true) ctx.rooms.messaging.nudge(escrow.f);
	}

	/** The recipient's side of an accepted offer, through the pipeline; throws before the write to decline. */
	private accept(session: Session, id: string, escrow: EscrowEntry) {
		const ctx = this.ctx;
		const recipient = session.userId;
		const result: DeltaEntry = { k: "d", d: escrow.t, f: recipient, x: id, o: "completed" };
		return ctx.pipeline.run({
			kind: "offerSettlement",
			context: { source: "trade_offer", offerId: id, from: escrow.f, give: escrow.g, take: escrow.t },
			lock: [recipient],
			durable: true,
			what: "trade offer",
			prepare: () => {
				const after = deepCopy(session.profile.Data.data);
				addAmounts(after, escrow.t, -1, false);
				addAmounts(after, escrow.g, 1, true);
				const view = { id, from: escrow.f, to: recipient, give: escrow.g, take: escrow.t, expiresAt: escrow.e };
				const [asked, agreed] = pcall(() =>
					ctx.config.acceptTrade(deepCopy(view), deepCopy(session.profile.Data.data)),
				);
				if (!asked || agreed !== true) throw GAME_DECLINED;
				return [{ session, after, worth: 1e6 }];
			},
			write: (sides) => {
				const after = sides[0].after!;
				const entry = snapshotEntry(session, id, after);
				let lost = false;
				const [ok, committed] = pcall(() =>
					ctx.inboxes.transact([escrow.f, recipient], (offerer, mine) => {
						if (mine?.e[id]?.k !== "x") return undefined;
						lost = !heldBy(mine, session.token);
						if (lost) return undefined;
						const own: Record<string, InboxEntry> = { [id]: entry };
						return [
							replaceEntries(offerer, [outgoingKey(id)], { [resultKey(id)]: result }),
							replaceEntries(mine, [id], own),
						];
					}),
				);
				if (lost) {
					ctx.sessions.lose(session);
					throw ctx.sessions.lostError(recipient);
				}
				if (!ok) throw toServiceError(committed, "TransferFailed");
				if (committed !== true) throw ALREADY_ANSWERED;
				applySnapshot(session, id, after, entry.n);
				return undefined;
			},
		});
	}

	/**
	 * On the offerer's server: refunds an offer of a held player once it expired, in one transaction with
	 * the escrow's removal (nothing happens if the recipient answered first). Before that, schedules itself
	 * for the expiry. Returns whether a refund was written.
	 */
	expire(session: Session, id: string, marker: OutgoingEntry): boolean {
		const ctx = this.ctx;
		const remaining = marker.e - DateTime.now().UnixTimestamp;
		if (remaining > 0) {
			if (!this.scheduledCancels.has(id)) {
				// First seen here (a new load of the offerer): make sure the recipient heard of it.
				ctx.rooms.messaging.nudge(marker.r);
				this.scheduledCancels.add(id);
				task.delay(remaining + 1, () => {
					this.scheduledCancels.delete(id);
					ctx.rooms.claims.claimQuietly(session.userId);
				});
			}
			return false;
		}
		const refund: DeltaEntry = { k: "d", d: marker.g, f: session.userId, x: id, o: "expired" };
		const [ok, committed] = pcall(() =>
			ctx.inboxes.transact([session.userId, marker.r], (mine, theirs) => {
				if (theirs?.e[id]?.k !== "x") return undefined; // Answered first: its result is in `mine`.
				return [
					replaceEntries(mine, [outgoingKey(id)], { [resultKey(id)]: refund }),
					replaceEntries(theirs, [id], {}),
				];
			}),
		);
		if (!ok) ctx.warn(`offer ${id} not refunded yet: ${toServiceError(committed, "TransferFailed").message}`);
		return ok && committed === true;
	}

	/**
	 * Waits (outside any lock and slot) for the outcome of an offer made here: nudges the recipient and
	 * reads the offerer's inbox now and then, and once it expired lets the offerer's claim refund it.
	 */
	await(fromId: number, toId: number, id: string, expires: number, deadline: number): TradeOfferResult["status"] {
		const ctx = this.ctx;
		let lastNudge = os.clock();
		let lastExpiry = -math.huge;
		for (;;) {
			const outcome = this.awaited.get(id);
			if (outcome !== undefined && outcome !== false) {
				this.awaited.delete(id);
				return outcome;
			}
			if (os.clock() >= deadline || !ctx.sessions.has(fromId)) {
				this.awaited.delete(id);
				return "pending";
			}
			const expired = DateTime.now().UnixTimestamp >= expires;
			// The claims run beside this loop, so a slow one never holds the offer past its deadline.
			if (expired && os.clock() - lastExpiry >= 1) {
				lastExpiry = os.clock();
				task.spawn(() => ctx.rooms.claims.claimQuietly(fromId));
			} else if (os.clock() - lastNudge >= OFFER_NUDGE_INTERVAL) {
				lastNudge = os.clock();
				ctx.rooms.messaging.nudge(toId);
				task.spawn(() => ctx.rooms.claims.claimQuietly(fromId));
			}
			task.wait(0.25);
		}
	}
}
