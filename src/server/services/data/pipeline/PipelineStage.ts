import type { UpdateContext } from "../DataServiceTypes";

/**
 * What kind of change passes the pipeline:
 * - `update`: UpdatePlayerData (functional, absolute or IncrementPlayerData), not durable;
 * - `durableUpdate`: the same with `context.durable` (resolves once saved);
 * - `syncProposal`: a client's accepted StateManager proposal (DataServiceAuthority);
 * - `trade`: Trade between two players of this server (two sides);
 * - `gift`: SendGift, the sender's side (the recipient's arrives as a `delivery`);
 * - `offer`: OfferTrade, the offerer paying into escrow;
 * - `offerSettlement`: the recipient's side of an accepted offer;
 * - `delivery`: inbox entries claimed into a profile (gifts received, offer results, refunds, snapshots);
 * - `migration`: schema migrations run on load;
 * - `adoption`: an existing game's data (ProfileService, ProfileStore, a plain DataStore table) mapped into
 *   a new profile on its first load (DataServiceConfig.adopt);
 * - `restore`: BackupManager replacing a held player's data with a verified backup;
 * - `purchase`: a developer product granted by DataService.ProcessReceipt, its PurchaseId recorded in the
 *   same write (the change's id is the PurchaseId).
 * - `repair`: the ConsistencyChecker's declared fixes (after its emergency backup), or a fresh profile
 *   replacing a quarantined one.
 */
export type ChangeKind =
	| "update"
	| "durableUpdate"
	| "syncProposal"
	| "trade"
	| "gift"
	| "offer"
	| "offerSettlement"
	| "delivery"
	| "migration"
	| "adoption"
	| "restore"
	| "purchase"
	| "repair";

/** One player's side of a change. `before` and `after` are copies: a stage must not keep or edit them. */
export interface ChangeSide {
	readonly playerId: number;
	readonly before: Readonly<object>;
	readonly after: Readonly<object>;
}

/** A change as the stages see it. */
export interface PipelineChange {
	/** Unique per change (a transfer's id for transfers). */
	readonly id: string;
	readonly kind: ChangeKind;
	/** One side per player whose data changes (two for a trade). */
	readonly sides: ReadonlyArray<ChangeSide>;
	/** What the game passed (`source`, `questId`, ...), plus `durable`. */
	readonly context: UpdateContext;
	/**
	 * False for changes that were already committed elsewhere and can only be recorded (deliveries and
	 * migrations of loaded data): stages are not asked to check them.
	 */
	readonly refusable: boolean;
}

/** A stage's refusal: the change is not applied and its Promise rejects with `Refused` naming the stage. */
export interface StageRefusal {
	readonly reason: string;
}

/** Where in the seed's data flow a stage sits. */
export type StageSlot = "backup" | "audit" | "consistency";

/**
 * A module plugged into the write pipeline (BackupManager, AuditLogger, ConsistencyChecker, or a game's
 * own). `check` runs before the write and may refuse (nothing is applied); `observe` runs after the write
 * and cannot undo it. Both run under the players' locks, in slot order (backup, audit, consistency),
 * then in the order stages were added. A stage that errors in `check` refuses; an error in `observe` is
 * reported and ignored.
 *
 * @example
 * ```ts
 * dataService.AddStage({
 * 	name: "capCoins",
 * 	slot: "consistency",
 * 	check: (change) => change.sides.some((s) => (s.after as { coins: number }).coins > 1e9) ? { reason: "coin cap" } : undefined,
 * });
 * ```
 */
export interface PipelineStage {
	readonly name: string;
	readonly slot: StageSlot;
	readonly check?: (change: PipelineChange) => StageRefusal | undefined;
	readonly observe?: (change: PipelineChange) => void;
}

/** The slots in the seed's order. */
export const STAGE_SLOTS: ReadonlyArray<StageSlot> = ["backup", "audit", "consistency"];
