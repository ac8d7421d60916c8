import { deepCopy } from "shared/protocol/deepCopy";
import type { ConsistencyChecker } from "shared/core/ConsistencyChecker";
import { ConsistencyIssue, issue } from "shared/core/consistency/ConsistencyIssue";
import type { ConsistencyReport, QuarantineNote, RepairReport } from "shared/core/consistency/ConsistencyReport";
import { DataServiceError, serviceError } from "./DataServiceError";
import { checkInboxReferences } from "./InboxReferences";
import type { ServiceContext } from "./ServiceContext";
import type { Session } from "./Session";
import { toServiceError } from "./TransferResults";

/** How DataService runs its ConsistencyChecker (DataServiceConfig.consistency). */
export interface ConsistencyRunOptions {
	/** Read the inbox and check offers, escrows and applied markers (one GetAsync, more when offers are open). */
	readonly readInbox: boolean;
	/** Apply the declared fixes (after an emergency backup). */
	readonly repair: boolean;
	/** Only report what a repair would do. */
	readonly dryRun?: boolean;
	/** Claim the player's unique items in the uniqueness index (one MemoryStore request per item). */
	readonly claimItems: boolean;
}

/** Issue kinds about the inbox or the session rather than the document: never a reason for quarantine. */
const NOT_THE_DOCUMENT = new Set([
	"sessionLost",
	"inboxUnreadable",
	"danglingOffer",
	"danglingEscrow",
	"versionWentBack",
]);

/** Whether an issue is about the document itself (what a repair or a quarantine deals with). */
function aboutTheDocument(found: ConsistencyIssue): boolean {
	if (NOT_THE_DOCUMENT.has(found.kind)) return false;
	// A unique id another player holds: the duplicate scan's business (flagged, optionally quarantined).
	return !(found.kind === "duplicateItem" && found.value !== undefined);
}

/**
 * DataService's consistency room: runs the {@link ConsistencyChecker} on held players (on demand, on load
 * with `checkConsistencyOnRead`, and on a schedule), applies repairs through the write pipeline as `repair`
 * changes, quarantines documents beyond repair, and confirms duplicates the uniqueness index reports.
 *
 * @example
 * ```ts
 * const report = checks.run(session, { readInbox: true, repair: false, claimItems: true });
 * ```
 */
export class ConsistencyChecks {
	/** What each held player looked like at its last check: monotonic fields and versions compare with it. */
	private readonly seen = new Map<number, { data: object; seq: number }>();
	private loop?: thread;

	constructor(
		private readonly ctx: ServiceContext,
		readonly checker: ConsistencyChecker,
		private readonly options: {
			readonly schemaVersion: number;
			readonly template: object;
			readonly onQuarantine: "refuse" | "fresh";
			readonly quarantineDuplicates: boolean;
			/** Whether another player's stored or held data still holds a unique item id (yields). */
			readonly holds: (playerId: number, itemId: string) => boolean;
		},
	) {}

	/** Checks a held player (yields when reading the inbox or claiming items), repairing when asked. */
	run(session: Session, options: ConsistencyRunOptions): ConsistencyReport {
		const ctx = this.ctx;
		const stored = session.profile.Data;
		const last = this.seen.get(session.userId);
		const issues = this.checker.Check(stored.data, {
			previous: last?.data,
			previousVersion: last?.seq,
			version: stored.seq,
		});
		if (stored.v !== this.options.schemaVersion) {
			issues.push(
				issue(
					"schemaVersion",
					"structural",
					"",
					`schema version ${stored.v}, expected ${this.options.schemaVersion}`,
				),
			);
		}
		if (!session.profile.IsActive()) {
			issues.push(issue("sessionLost", "session", "", "the profile's session lock was lost"));
		}
		if (options.readInbox) {
			const [ok, found] = pcall(() =>
				checkInboxReferences(
					session.userId,
					ctx.inboxes.read(session.userId, "background"),
					stored.applied,
					(id) => ctx.inboxes.read(id, "background"),
				),
			);
			if (ok) for (const i of found as Array<ConsistencyIssue>) issues.push(i);
			else issues.push(issue("inboxUnreadable", "referential", "", toServiceError(found, "LoadFailed").message));
		}
		if (options.claimItems) for (const dupe of this.claim(session)) issues.push(dupe);
		this.checker.SampleAnomalies(session.userId, stored.data);
		ctx.stats.consistencyChecks += 1;
		ctx.stats.consistencyIssues += issues.size();
		let repair: RepairReport | undefined;
		if ((options.repair || options.dryRun === true) && issues.some((i) => i.fix !== undefined)) {
			repair = this.repair(session, issues, options.dryRun === true);
		}
		this.seen.set(session.userId, { data: deepCopy(stored.data), seq: stored.seq });
		return {
			playerId: session.userId,
			ok: issues.size() === 0,
			issues,
			schemaVersion: stored.v,
			checkedAt: DateTime.now().UnixTimestamp,
			repair,
		};
	}

	/**
	 * The check on load (checkConsistencyOnRead): repairs what has a declared fix, then quarantines a
	 * document still beyond repair; the player then gets what `onQuarantine` says.
	 * @returns the error the load rejects with, or undefined to go on.
	 */
	onLoad(session: Session, repair: boolean): { report: ConsistencyReport; refusal?: DataServiceError } {
		const report = this.run(session, { readInbox: false, repair, claimItems: true });
		const remaining = (
			report.repair?.applied === true ? this.checker.Check(session.profile.Data.data) : report.issues
		).filter(aboutTheDocument);
		const left = remaining.filter((i) => i.fix === undefined);
		const reasons = left.map((i) => `${i.kind} ${i.path}: ${i.message}`);
		if (left.size() === 0) {
			if (remaining.size() > 0) {
				const first = remaining[0];
				const why = report.repair?.failure ?? "repairs are off";
				return {
					report,
					refusal: serviceError(
						"InvalidData",
						`the consistency check on load found ${first.kind} ${first.path}: ${first.message} (not repaired: ${why})`,
					),
				};
			}
			const dupes = report.issues.filter((i) => i.kind === "duplicateItem" && i.value !== undefined);
			if (dupes.size() > 0 && this.options.quarantineDuplicates) {
				const note = this.quarantine(
					session,
					dupes.map((i) => i.message),
					"flagged",
				);
				return { report: { ...report, quarantine: note } };
			}
			return { report };
		}
		const quarantine = this.checker.GetQuarantine();
		// A released incident's data loads as it is (an operator looked at it); a failed read does not release.
		const [read, released] = pcall(() => quarantine.isReleased(session.userId, session.profile.Data.data));
		if (read && released === true) return { report };
		const note = this.quarantine(session, reasons, this.options.onQuarantine === "refuse" ? "refused" : "fresh");
		if (note.outcome === "refused") {
			return {
				report: { ...report, quarantine: note },
				refusal: serviceError(
					"Quarantined",
					`the data is beyond repair and was quarantined (incident ${note.incidentId}): ${reasons[0]}`,
				),
			};
		}
		this.replace(session, deepCopy(this.options.template), { source: "quarantine", incident: note.incidentId });
		return { report: { ...report, quarantine: note } };
	}

	/**
	 * The stage that watches the write path: a refusable change that brings in a referential, business or
	 * temporal issue is refused; after each write, items a player gained are claimed in the uniqueness
	 * index and items given away are released (both in a thread of their own: the index never slows a
	 * write), and the changed numbers are sampled for anomalies.
	 */
	stage() {
		const checker = this.checker;
		return {
			name: "ConsistencyChecker",
			slot: "consistency" as const,
			check: (change: import("./pipeline/PipelineStage").PipelineChange) => {
				if (change.kind === "repair" || change.kind === "restore") return undefined;
				for (const side of change.sides) {
					const added = checker.CheckChange(side.before, side.after);
					if (added.size() > 0) return { reason: `${added[0].path}: ${added[0].message}` };
				}
				return undefined;
			},
			observe: (change: import("./pipeline/PipelineStage").PipelineChange) => {
				const players = new Set(change.sides.map((s) => s.playerId));
				const keptBy = new Set<string>();
				for (const side of change.sides) for (const held of checker.HeldItems(side.after)) keptBy.add(held.id);
				for (const side of change.sides) {
					const before = new Set(checker.HeldItems(side.before).map((h) => h.id));
					const after = checker.HeldItems(side.after);
					const gained = after.filter((h) => !before.has(h.id));
					const afterIds = new Set(after.map((h) => h.id));
					const gone = new Array<string>();
					for (const id of before) if (!afterIds.has(id) && !keptBy.has(id)) gone.push(id);
					const others = new Set<number>();
					for (const id of players) if (id !== side.playerId) others.add(id);
					if (gained.size() > 0 || gone.size() > 0) {
						task.spawn(() => {
							checker.ReleaseItems(side.playerId, gone);
							this.confirm(side.playerId, checker.ClaimItems(side.playerId, gained, others));
						});
					}
					if (change.kind !== "repair" && change.kind !== "restore")
						checker.SampleAnomalies(side.playerId, side.after);
				}
			},
		};
	}

	/** Checks every held player every `interval` seconds, spread over the interval, at background priority. */
	startSchedule(interval: number, repair: boolean): void {
		if (this.loop !== undefined || interval <= 0) return;
		this.loop = task.spawn(() => {
			for (;;) {
				const sessions = this.ctx.sessions.all();
				if (sessions.size() === 0) task.wait(interval);
				for (const session of sessions) {
					task.wait(interval / sessions.size());
					if (this.ctx.sessions.get(session.userId) !== session) continue;
					const [ok, err] = pcall(() =>
						this.ctx.locks.run(tostring(session.userId), () =>
							this.run(session, { readInbox: true, repair, claimItems: true }),
						),
					);
					if (!ok) this.ctx.warn(`scheduled consistency check of ${session.userId} failed: ${tostring(err)}`);
				}
			}
		});
	}

	/** Stops the schedule. */
	stop(): void {
		if (this.loop !== undefined && coroutine.status(this.loop) === "suspended") task.cancel(this.loop);
		this.loop = undefined;
	}

	/** Forgets a player who left. */
	forget(playerId: number): void {
		this.seen.delete(playerId);
		this.checker.Forget(playerId);
	}

	/** Claims a session's unique items; returns the confirmed duplicates. */
	private claim(session: Session): Array<ConsistencyIssue> {
		return this.confirm(
			session.userId,
			this.checker.ClaimItems(session.userId, this.checker.HeldItems(session.profile.Data.data)),
		);
	}

	/**
	 * Keeps the index's duplicates that the other holder confirms (it still holds the id, in memory here or
	 * in the DataStore); a stale index entry is taken over instead.
	 */
	private confirm(playerId: number, found: ReadonlyArray<ConsistencyIssue>): Array<ConsistencyIssue> {
		const confirmed = new Array<ConsistencyIssue>();
		for (const dupe of found) {
			const itemId = dupe.message.match("unique id (%S+)")[0] as string;
			const [ok, holds] = pcall(() => this.options.holds(dupe.value as number, itemId));
			if (!ok || holds === true) confirmed.push(dupe);
			else this.checker.ReassignItem(itemId, playerId);
		}
		return confirmed;
	}

	/** Applies the declared fixes through the pipeline, after the checker's emergency backup. */
	private repair(session: Session, issues: ReadonlyArray<ConsistencyIssue>, dryRun: boolean): RepairReport {
		const stored = session.profile.Data;
		const orphans = issues.filter((i) => i.kind === "orphanMarker");
		const dataIssues = issues.filter((i) => i.kind !== "orphanMarker" && !NOT_THE_DOCUMENT.has(i.kind));
		return this.checker.Repair(session.userId, stored.data, dataIssues, {
			dryRun,
			apply: (repaired, backupId) => {
				this.replace(session, repaired, { source: "consistency", backup: backupId });
				for (const orphan of orphans) delete stored.applied[orphan.path.sub(9)];
			},
		});
	}

	/** Replaces a held player's data through the write pipeline as a `repair` change, saved at once. */
	private replace(session: Session, data: object, context: Record<string, unknown>): void {
		const outcome = this.ctx.pipeline.run({
			kind: "repair",
			context,
			lock: [session.userId],
			refusable: false,
			what: "repaired data",
			prepare: () => [{ session, after: data, worth: 1e6 }],
		});
		for (const { session: s } of outcome.marks) s.profile.Save();
	}

	private quarantine(
		session: Session,
		reasons: ReadonlyArray<string>,
		outcome: QuarantineNote["outcome"],
	): QuarantineNote {
		const version = (session.profile as unknown as { KeyInfo?: { Version?: string } }).KeyInfo?.Version;
		const incident = this.checker.Quarantine(session.userId, session.profile.Data.data, version, reasons);
		return { incidentId: incident.id, version: incident.version, outcome };
	}
}
