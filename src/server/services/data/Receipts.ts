import { deepCopy } from "shared/protocol/deepCopy";
import { fieldChanges } from "./PlayerUpdates";
import { applyChanges } from "./pipeline/WritePipeline";
import { noYield } from "./pipeline/noYield";
import type { ServiceContext } from "./ServiceContext";
import type { Session, StoredProfile } from "./Session";

/**
 * What a developer product gives: called with a copy of the buyer's data and the receipt, it returns the
 * changed top-level fields (like UpdatePlayerData's function), or undefined when the product changes no
 * data (the purchase is still recorded). It runs under the player's lock and must not yield; an error
 * grants nothing and leaves the purchase unresolved (Roblox offers it again).
 */
export type ProductGrant<T> = (data: T, receipt: ReceiptInfo) => Partial<T> | undefined;

/** A purchase recorded in a session, and the save mark that covers it (0: known saved). */
export interface RecordedPurchase {
	readonly purchaseId: string;
	readonly session: Session;
	readonly mark: number;
}

/**
 * Adds `ids` to a profile's receipt history (those not in it yet, in order), then drops the oldest past
 * `limit`, so a profile's size does not grow with every purchase.
 * @example
 * ```ts
 * rememberReceipts(session.profile.Data, [receipt.PurchaseId], 100);
 * ```
 */
export function rememberReceipts(stored: StoredProfile, ids: ReadonlyArray<string>, limit: number): void {
	const history = stored.receipts ?? [];
	for (const id of ids) if (!history.includes(id)) history.push(id);
	while (history.size() > limit) history.remove(0);
	stored.receipts = history;
}

/**
 * Roblox's documented developer-product pattern (MarketplaceService.ProcessReceipt: "called again until it
 * returns PurchaseGranted", on the buyer's current server, after a rejoin too): the purchase's grant and
 * its PurchaseId go into the profile in **one** change through the write pipeline (kind `purchase`), and
 * PurchaseGranted is answered only once a save carrying that change reached the DataStore. A PurchaseId
 * already in the profile's history is answered PurchaseGranted without granting again, once it is saved.
 * So a purchase is granted exactly once whatever happens between: a retry, a crash before or after the
 * save, a hop to another server (the session lock makes one server at a time hold the history).
 *
 * The history keeps the newest `receiptHistorySize` ids (default 100) and travels with the data: a trade's
 * inbox snapshot carries it, so data restored from a snapshot after a crash keeps the ids of the purchases
 * it contains.
 *
 * @example
 * ```ts
 * const recorded = receipts.record(receipt, grant, os.clock());
 * receipts.confirm(recorded); // yields until saved; throws SaveFailed
 * ```
 */
export class Receipts {
	/** Purchases recorded by a session here whose save was not seen yet, by PurchaseId. */
	private readonly unconfirmed = new Map<string, RecordedPurchase>();

	constructor(private readonly ctx: ServiceContext) {}

	/**
	 * Under the buyer's lock: grants the purchase and records its id in one pipeline change, or finds it
	 * recorded already. Throws `NotLoaded` when the buyer's profile is not held here, `TransformFailed` /
	 * `ValidationFailed` / `Refused` when the grant cannot apply (nothing changed).
	 */
	record<T>(receipt: ReceiptInfo, grant: ProductGrant<T>, startedAt: number): RecordedPurchase {
		const ctx = this.ctx;
		const purchaseId = receipt.PurchaseId;
		const playerId = receipt.PlayerId;
		this.forgetReleased();
		let session!: Session;
		const outcome = ctx.pipeline.run({
			kind: "purchase",
			id: purchaseId,
			context: { source: "purchase", purchaseId, productId: receipt.ProductId },
			lock: [playerId],
			startedAt,
			durable: true,
			what: "the grant",
			prepare: () => {
				session = ctx.sessions.require(playerId);
				// Granted before (here, on another server, before a crash): the data already holds it.
				if ((session.profile.Data.receipts ?? []).includes(purchaseId)) return undefined;
				const copy = deepCopy(session.profile.Data.data) as T;
				const given = deepCopy(receipt);
				const result = noYield("the grant function", () => grant(copy, given));
				const changes = result === undefined ? [] : fieldChanges(result, "the grant function's result");
				return [{ session, changes, worth: 1e6 }];
			},
			// The grant and its id in the same write, hence in the same save: never one without the other.
			write: (sides) => {
				const stored = sides[0].session.profile.Data;
				applyChanges(stored.data, sides[0].changes!);
				rememberReceipts(stored, [purchaseId], ctx.config.receiptHistorySize);
				return undefined;
			},
		});
		if (outcome.applied) {
			const recorded = { purchaseId, session, mark: outcome.marks[0].mark };
			this.unconfirmed.set(purchaseId, recorded);
			return recorded;
		}
		// In the history: recorded by this session and not seen saved yet, or loaded (hence saved).
		const earlier = this.unconfirmed.get(purchaseId);
		return earlier !== undefined && earlier.session === session ? earlier : { purchaseId, session, mark: 0 };
	}

	/**
	 * Outside the lock: yields until the save carrying the recorded purchase reached the DataStore. Throws
	 * `SaveFailed` (not confirmed within operationTimeout, or the profile was released first).
	 */
	confirm(recorded: RecordedPurchase): void {
		if (recorded.mark === 0) return;
		this.ctx.saves.waitSaved(recorded.session, recorded.mark);
		if (this.unconfirmed.get(recorded.purchaseId) === recorded) this.unconfirmed.delete(recorded.purchaseId);
	}

	/** Drops purchases of sessions no longer held: a later load reads what the DataStore holds. */
	private forgetReleased(): void {
		for (const [id, recorded] of this.unconfirmed) {
			if (this.ctx.sessions.get(recorded.session.userId) !== recorded.session) this.unconfirmed.delete(id);
		}
	}
}

/**
 * Throws a plain message (misuse, like a wrong argument) unless `receipt` looks like the receipt Roblox
 * passes to ProcessReceipt: PurchaseId a non-empty string, PlayerId and ProductId numbers.
 * @example
 * ```ts
 * checkReceipt(receipt);
 * ```
 */
export function checkReceipt(receipt: unknown): asserts receipt is ReceiptInfo {
	if (!typeIs(receipt, "table")) error(`[DataService] receipt must be a table, got ${typeOf(receipt)}`, 3);
	const r = receipt as { PurchaseId?: unknown; PlayerId?: unknown; ProductId?: unknown };
	if (!typeIs(r.PurchaseId, "string") || r.PurchaseId === "") {
		error(`[DataService] receipt.PurchaseId must be a non-empty string, got ${typeOf(r.PurchaseId)}`, 3);
	}
	if (!typeIs(r.PlayerId, "number")) {
		error(`[DataService] receipt.PlayerId must be a number, got ${typeOf(r.PlayerId)}`, 3);
	}
	if (!typeIs(r.ProductId, "number")) {
		error(`[DataService] receipt.ProductId must be a number, got ${typeOf(r.ProductId)}`, 3);
	}
}
