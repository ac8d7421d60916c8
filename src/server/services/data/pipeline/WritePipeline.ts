import { HttpService } from "@rbxts/services";
import { deepCopy } from "shared/protocol/deepCopy";
import type { ChangeValidator, FieldChange } from "../ChangeValidator";
import { serviceError } from "../DataServiceError";
import type { UpdateContext } from "../DataServiceTypes";
import type { DurableSaves } from "../DurableSaves";
import type { KeyedMutex } from "shared/core/dal/KeyedMutex";
import type { Session } from "../Session";
import type { SessionRegistry } from "../SessionRegistry";
import { stripPosition } from "./noYield";
import { ChangeKind, ChangeSide, PipelineChange, PipelineStage, STAGE_SLOTS } from "./PipelineStage";

/**
 * One player's side of a change as its plan computed it: either field `changes` to the current data
 * (updates: validated incrementally, applied in place) or a whole new data `after` (transfers, deliveries,
 * migrations: validated whole).
 */
export interface DraftSide {
	readonly session: Session;
	readonly changes?: ReadonlyArray<FieldChange>;
	readonly after?: object;
	/** How much the change is worth saving (BindToClose saves the most valuable first). */
	readonly worth: number;
}

/** What a caller asks the pipeline to do. */
export interface ChangePlan<R = undefined> {
	readonly kind: ChangeKind;
	/** The change's id (a transfer's id); a new GUID when absent. */
	readonly id?: string;
	readonly context: UpdateContext;
	/** The players whose locks the change holds (both sides of a trade; only the sender of a gift). */
	readonly lock: ReadonlyArray<number>;
	/** `os.clock()` when the operation started: past `operationTimeout` the change is refused unapplied. */
	readonly startedAt?: number;
	/** False for changes committed elsewhere that can only be recorded (deliveries, migrations). */
	readonly refusable?: boolean;
	/** Names the change in validation messages ("changes", "transfer", "delivery"). */
	readonly what?: string;
	/** Under the locks, from the current data: the sides of the change, or undefined to cancel it. */
	readonly prepare: () => ReadonlyArray<DraftSide> | undefined;
	/**
	 * Makes the change happen (for transfers, the inbox transaction that commits it); it is final once this
	 * returns. Default: each side's data replaced in memory (the session lock saves it).
	 */
	readonly write?: (sides: ReadonlyArray<DraftSide>, id: string) => R;
	/** Whether the commit stage marks the change for a save the caller will wait for. */
	readonly durable?: boolean;
}

/** What the pipeline did. */
export interface PipelineOutcome<R> {
	/** False when `prepare` cancelled the change (nothing happened). */
	readonly applied: boolean;
	readonly id: string;
	readonly written?: R;
	/** Each changed session with the save mark that covers this change. */
	readonly marks: ReadonlyArray<{ readonly session: Session; readonly mark: number }>;
}

/**
 * The seed's data flow, every change of player data passing it in this order:
 *
 * 1. **lock** the players (one holder per player, in arrival order; reentrant for the holder's thread);
 * 2. **prepare** the change from the current data (the game's function runs here, without yielding);
 * 3. **validate**: storability always, the schema and currency rules unless `validateAllWrites` is off;
 * 4. **backup**, then the other stages' `check`s (pre-update backup, consistency rules): any may refuse;
 * 5. **write**: the profile's data in memory, or the inbox transaction that commits a transfer;
 * 6. **cache**: the frozen read-only view of each changed player is dropped, rebuilt at its next view;
 * 7. **audit** and **consistency** stages `observe` the written change;
 * 8. **commit**: a save mark is set (the save itself is the session lock's: at once for durable changes and
 *    with `batchOperations` off, else within one `durabilityWindow`); the locks are released.
 *
 * The waits for a durable save happen after the pipeline, outside the locks and the operation slot.
 *
 * @example
 * ```ts
 * pipeline.run({ kind: "update", context, lock: [id], prepare: () => [{ session, changes, worth: 1 }] });
 * ```
 */
export class WritePipeline {
	private readonly stages = new Array<PipelineStage>();

	constructor(
		private readonly locks: KeyedMutex,
		private readonly sessions: SessionRegistry,
		private readonly validator: ChangeValidator,
		private readonly saves: DurableSaves,
		private readonly options: {
			readonly batchOperations: boolean;
			readonly operationTimeout: number;
			readonly warn: (message: string) => void;
		},
	) {}

	/** Adds a stage (see {@link PipelineStage}); stages run by slot, then in the order they were added. */
	addStage(stage: PipelineStage): () => void {
		if (!typeIs(stage, "table") || !typeIs(stage.name, "string") || !STAGE_SLOTS.includes(stage.slot)) {
			error(`[DataService] a stage needs a name and a slot (${STAGE_SLOTS.join(", ")})`, 3);
		}
		this.stages.push(stage);
		const order = new Map<PipelineStage, number>();
		this.stages.forEach((s, i) => order.set(s, STAGE_SLOTS.indexOf(s.slot) * 1e6 + i));
		this.stages.sort((a, b) => order.get(a)! < order.get(b)!);
		return () => {
			const index = this.stages.indexOf(stage);
			if (index >= 0) this.stages.remove(index);
		};
	}

	/** Runs `plan` through every stage, taking its players' locks first (yields while others hold them). */
	run<R>(plan: ChangePlan<R>): PipelineOutcome<R> {
		return this.locks.runAll(
			plan.lock.map((id) => tostring(id)),
			() => this.runLocked(plan),
		);
	}

	private runLocked<R>(plan: ChangePlan<R>): PipelineOutcome<R> {
		const id = plan.id ?? HttpService.GenerateGUID(false);
		if (plan.startedAt !== undefined && os.clock() - plan.startedAt > this.options.operationTimeout) {
			throw serviceError(
				"TimedOut",
				`waited longer than operationTimeout (${this.options.operationTimeout} s) for the player's lock; nothing was changed`,
			);
		}
		const drafts = plan.prepare();
		if (drafts === undefined) return { applied: false, id, marks: [] };

		for (const draft of drafts) {
			if (draft.changes !== undefined)
				this.validator.checkChanges(draft.session.profile.Data.data, draft.changes);
			else this.validator.checkWhole(draft.after, plan.what);
		}

		const refusable = plan.refusable !== false;
		const change = this.stages.size() > 0 ? this.describe(plan, id, drafts, refusable) : undefined;
		if (change !== undefined && refusable) {
			for (const stage of this.stages) {
				if (stage.check === undefined) continue;
				const [ok, refusal] = pcall(() => stage.check!(change));
				if (!ok || refusal !== undefined) {
					const reason = ok ? tostring(refusal!.reason) : stripPosition(tostring(refusal));
					throw serviceError("Refused", `the ${stage.name} stage refused the ${plan.kind}: ${reason}`);
				}
			}
		}

		const written = plan.write !== undefined ? plan.write(drafts, id) : this.writeInMemory(drafts);

		for (const draft of drafts) this.sessions.refreshView(draft.session);

		if (change !== undefined) {
			for (const stage of this.stages) {
				if (stage.observe === undefined) continue;
				const [ok, err] = pcall(() => stage.observe!(change));
				if (!ok)
					this.options.warn(
						`the ${stage.name} stage failed observing ${id}: ${stripPosition(tostring(err))}`,
					);
			}
		}

		const marks = drafts.map((draft) => {
			const session = draft.session;
			session.unsaved += draft.worth + (plan.durable === true ? 1e6 : 0);
			const mark = this.saves.mark(session);
			if (!this.options.batchOperations && plan.durable !== true) session.profile.Save();
			return { session, mark };
		});
		return { applied: true, id, written, marks };
	}

	private writeInMemory(drafts: ReadonlyArray<DraftSide>): undefined {
		for (const draft of drafts) {
			const stored = draft.session.profile.Data;
			if (draft.changes !== undefined) applyChanges(stored.data, draft.changes);
			else stored.data = deepCopy(draft.after!);
		}
		return undefined;
	}

	private describe(
		plan: ChangePlan<unknown>,
		id: string,
		drafts: ReadonlyArray<DraftSide>,
		refusable: boolean,
	): PipelineChange {
		const sides = drafts.map((draft): ChangeSide => {
			const before = deepCopy(draft.session.profile.Data.data);
			let after: object;
			if (draft.changes !== undefined) {
				after = deepCopy(before);
				applyChanges(after, draft.changes);
			} else after = deepCopy(draft.after!);
			return { playerId: draft.session.userId, before, after };
		});
		return { id, kind: plan.kind, sides, context: deepCopy(plan.context), refusable };
	}
}

/** Applies field changes to `data` in place (values copied; nil removes the field). */
export function applyChanges(data: object, changes: ReadonlyArray<FieldChange>): void {
	for (const change of changes) {
		let node = data as Record<string, unknown>;
		for (let i = 0; i < change.path.size() - 1; i++) {
			let child = node[change.path[i]];
			if (!typeIs(child, "table")) {
				child = {};
				node[change.path[i]] = child;
			}
			node = child as Record<string, unknown>;
		}
		node[change.path[change.path.size() - 1]] = deepCopy(change.value);
	}
}
