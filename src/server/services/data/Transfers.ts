import { deepCopy } from "shared/protocol/deepCopy";
import { Amounts, checkAmounts } from "./Amounts";
import { serviceError } from "./DataServiceError";
import type { TransferResult, UpdateContext } from "./DataServiceTypes";
import { DeltaEntry, withEntry } from "./Inbox";
import { noYield } from "./pipeline/noYield";
import type { ServiceContext } from "./ServiceContext";
import { applySnapshot, commitInboxes, debitedCopy, settleTransfer, snapshotEntry } from "./TransferResults";

/**
 * Trades between two players of this server and gifts to anyone. Each commits first as entries of the
 * players' inboxes (one DataAccessLayer transaction, fenced by the holders' session tokens), then changes
 * the profiles, so a crash at any moment leaves a whole transfer or none; the profiles' saves are awaited
 * after the pipeline, outside every lock, and the result says whether they were confirmed.
 *
 * @example
 * ```ts
 * const { id, saved } = transfers.gift(from, to, { coins: 10 }, os.clock());
 * ```
 */
export class Transfers {
	constructor(private readonly ctx: ServiceContext) {}

	/** See DataService.Trade. */
	trade<T>(
		playerA: number,
		playerB: number,
		fn: (a: T, b: T) => [T, T] | undefined,
		context: UpdateContext,
		startedAt: number,
	): TransferResult {
		const ctx = this.ctx;
		if (!ctx.config.enableTransactions) throw serviceError("TransferFailed", "trades need enableTransactions");
		const outcome = ctx.pipeline.run({
			kind: "trade",
			context,
			lock: [playerA, playerB],
			startedAt,
			durable: true,
			prepare: () => {
				const sa = ctx.sessions.require(playerA);
				const sb = ctx.sessions.require(playerB);
				const copyA = deepCopy(sa.profile.Data.data) as T;
				const copyB = deepCopy(sb.profile.Data.data) as T;
				const result = noYield("the trade function", () => fn(copyA, copyB));
				if (result === undefined) throw serviceError("TransferFailed", "the trade was called off");
				if (!typeIs(result, "table") || !typeIs(result[0], "table") || !typeIs(result[1], "table")) {
					throw serviceError(
						"ValidationFailed",
						`the trade function must return two data tables, got ${typeOf(result)}`,
					);
				}
				return [
					{ session: sa, after: result[0] as object, worth: 1e6 },
					{ session: sb, after: result[1] as object, worth: 1e6 },
				];
			},
			write: (sides, id) => {
				const [a, b] = sides;
				const entryA = snapshotEntry(a.session, id, a.after!);
				const entryB = snapshotEntry(b.session, id, b.after!);
				commitInboxes(
					ctx,
					[playerA, playerB],
					[(inbox) => withEntry(inbox, id, entryA), (inbox) => withEntry(inbox, id, entryB)],
					[a.session, b.session],
				);
				applySnapshot(a.session, id, a.after!, entryA.n);
				applySnapshot(b.session, id, b.after!, entryB.n);
				return undefined;
			},
		});
		if (!outcome.applied) throw serviceError("TransferFailed", "the trade was called off");
		ctx.stats.trades += 1;
		return { id: outcome.id, committed: true, saved: settleTransfer(ctx, outcome.marks, outcome.id) };
	}

	/** See DataService.SendGift. */
	gift(fromId: number, toId: number, amounts: Amounts, context: UpdateContext, startedAt: number): TransferResult {
		const ctx = this.ctx;
		const gift = checkAmounts(amounts, "gift amounts", false);
		if (!ctx.config.enableTransactions) throw serviceError("TransferFailed", "gifts need enableTransactions");
		const delta: DeltaEntry = { k: "d", d: gift, f: fromId };
		const outcome = ctx.pipeline.run({
			kind: "gift",
			context: { ...context, to: toId, amounts: gift },
			lock: [fromId],
			startedAt,
			durable: true,
			prepare: () => {
				const { session, after } = debitedCopy(ctx, fromId, gift);
				return [{ session, after, worth: 1e6 }];
			},
			write: (sides, id) => {
				const { session, after } = sides[0];
				const entry = snapshotEntry(session, id, after!);
				commitInboxes(
					ctx,
					[fromId, toId],
					[(inbox) => withEntry(inbox, id, entry), (inbox) => withEntry(inbox, id, delta)],
					[session, undefined],
				);
				applySnapshot(session, id, after!, entry.n);
				return undefined;
			},
		});
		ctx.stats.gifts += 1;
		ctx.rooms.messaging.nudge(toId);
		return { id: outcome.id, committed: true, saved: settleTransfer(ctx, outcome.marks, outcome.id) };
	}
}
