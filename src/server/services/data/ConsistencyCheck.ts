import { deepCopy } from "shared/protocol/deepCopy";
import { deepEqual } from "shared/core/validator/nodes";
import type { ConsistencyChecker } from "shared/core/ConsistencyChecker";
import { ConsistencyIssue, describeValue, issue } from "shared/core/consistency/ConsistencyIssue";
import { deletedFields } from "shared/core/consistency/ConsistencyMarks";
import type { ConsistencyReport, QuarantineNote, RepairReport } from "shared/core/consistency/ConsistencyReport";
import { DataServiceError, serviceError } from "./DataServiceError";
import { DuplicateScanResult, ProfileListing, scanForDuplicates } from "./DuplicateScan";
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
	/** Look the player's unique items up in the uniqueness index (one MemoryStore read per item). */
	readonly lookUpItems: boolean;
	/** The check on load: the data is as loaded, so a field Reconcile refilled can be repaired (backed up first). */
	readonly onLoad?: boolean;
	/**
	 * The caller saw the inbox hold no entry (the load's token write returns it): with no applied markers
	 * either there is nothing the inbox check could find, and the check counts as one that read it.
	 */
	readonly inboxEmpty?: boolean;
}

/** Changes that set a new reference for monotonic fields on purpose. */
const NEW_REFERENCE = new Set(["repair", "restore", "migration", "adoption"]);

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
 * const report = checks.run(session, { readInbox: true, repair: false, lookUpItems: true });
 * ```
 */
export class ConsistencyChecks {
	/**
	 * What each held player looked like at its last check in the current session (the token): monotonic
	 * fields and versions compare with it. Another session (a later load here) starts afresh. `clean` when
	 * that check covered the inbox and found nothing, `inboxEntriesSeen` the session's count then: the
	 * schedule skips a player unchanged since such a check (it would spend a read to learn nothing).
	 */
	private readonly seen = new Map<
		number,
		{ data: object; seq: number; token: string; clean?: boolean; inboxEntriesSeen?: number }
	>();
	private loop?: thread;
	/** Unique item ids the offline scan saw, with their holders, across passes. */
	private readonly scanned = new Map<string, Array<number>>();
	/** Duplicates of the current scan already reported (each is audited once per scan and holder). */
	private readonly scanReported = new Set<string>();

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
			readonly recheckDelay: number;
			readonly onReport?: (report: ConsistencyReport) => void;
		},
	) {}

	/** Checks a held player (yields when reading the inbox or looking items up), repairing when asked. */
	run(session: Session, options: ConsistencyRunOptions): ConsistencyReport {
		const ctx = this.ctx;
		const stored = session.profile.Data;
		const seen = this.seen.get(session.userId);
		const last = seen?.token === session.token ? seen : undefined;
		// The marks of the last committed change (this session's or, on load, the last session's anywhere).
		const marks = stored.marks?.v === stored.v ? stored.marks : undefined;
		const issues = this.checker.Check(stored.data, {
			previous: last?.data,
			previousVersion: last?.seq,
			version: stored.seq,
			floors: marks?.monotonic,
		});
		const deleted = this.deletedOnLoad(session, options.onLoad === true);
		for (const found of deleted) issues.push(found);
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
		if (options.lookUpItems) for (const dupe of this.lookUpItems(session)) issues.push(dupe);
		this.checker.SampleAnomalies(session.userId, stored.data);
		ctx.stats.consistencyChecks += 1;
		ctx.stats.consistencyIssues += issues.size();
		let repair: RepairReport | undefined;
		if ((options.repair || options.dryRun === true) && issues.some((i) => i.fix !== undefined)) {
			repair = this.repair(session, issues, options.dryRun === true, deleted);
		}
		// Data stored before the marks existed, or migrated since: its reference starts here.
		if (stored.marks?.v !== stored.v) stored.marks = this.checker.Marks(stored.data, stored.v, undefined, true);
		this.seen.set(session.userId, {
			data: deepCopy(stored.data),
			seq: stored.seq,
			token: session.token,
			clean:
				(options.readInbox || (options.inboxEmpty === true && next(stored.applied)[0] === undefined)) &&
				issues.size() === 0,
			inboxEntriesSeen: session.inboxEntriesSeen ?? 0,
		});
		const report: ConsistencyReport = {
			playerId: session.userId,
			ok: issues.size() === 0,
			issues,
			schemaVersion: stored.v,
			checkedAt: DateTime.now().UnixTimestamp,
			repair,
		};
		if (!report.ok) this.publish(report);
		return report;
	}

	/** Hands a report to the game's onReport hook (an error there is reported and ignored). */
	private publish(report: ConsistencyReport): void {
		const hook = this.options.onReport;
		if (hook === undefined) return;
		const [ok, err] = pcall(() => hook(report));
		if (!ok) this.ctx.warn(`consistency.onReport failed: ${tostring(err)}`);
	}

	/** A report of duplicates found outside a check (the write path's claims, a recheck). */
	private publishDuplicates(playerId: number, found: ReadonlyArray<ConsistencyIssue>): void {
		if (found.size() === 0) return;
		this.publish({
			playerId,
			ok: false,
			issues: found,
			schemaVersion: this.options.schemaVersion,
			checkedAt: DateTime.now().UnixTimestamp,
		});
	}

	/**
	 * The check on load (checkConsistencyOnRead): repairs what has a declared fix, then quarantines a
	 * document still beyond repair; the player then gets what `onQuarantine` says.
	 * @returns the error the load rejects with, or undefined to go on.
	 */
	onLoad(
		session: Session,
		repair: boolean,
		inboxEmpty = false,
	): { report: ConsistencyReport; refusal?: DataServiceError } {
		const report = this.run(session, { readInbox: false, repair, lookUpItems: true, onLoad: true, inboxEmpty });
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
		const seq = session.profile.Data.seq;
		this.seen.set(session.userId, { data: deepCopy(this.options.template), seq, token: session.token });
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
							this.publishDuplicates(
								side.playerId,
								this.confirm(side.playerId, checker.ClaimItems(side.playerId, gained, others)),
							);
						});
					}
					// Stored with the data, for the check of the next load wherever it happens.
					const held = this.ctx.sessions.get(side.playerId);
					if (held !== undefined) {
						const stored = held.profile.Data;
						stored.marks = checker.Marks(
							side.after,
							stored.v,
							stored.marks,
							NEW_REFERENCE.has(change.kind),
						);
					}
					// A restore or repair may lower monotonic fields on purpose: it is the new reference.
					if (change.kind === "repair" || change.kind === "restore") {
						const previous = this.seen.get(side.playerId);
						if (previous !== undefined)
							// Not checked yet as it is now: the next scheduled check runs.
							this.seen.set(side.playerId, { ...previous, data: deepCopy(side.after), clean: false });
					} else checker.SampleAnomalies(side.playerId, side.after);
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
					if (this.ctx.sessions.get(session.userId) !== session || this.unchangedSinceCheck(session))
						continue;
					const [ok, err] = pcall(() =>
						this.ctx.locks.run(tostring(session.userId), () =>
							this.run(session, { readInbox: true, repair, lookUpItems: true }),
						),
					);
					if (!ok) this.ctx.warn(`scheduled consistency check of ${session.userId} failed: ${tostring(err)}`);
				}
			}
		});
	}

	/**
	 * Whether the session's data is what its last check found clean, inbox included: an idle player's
	 * scheduled check would read the inbox (a DataStore request) to learn nothing, so it is skipped. Anything
	 * that changes the data (an update, a delivery, an escrow, a refund, a restore) or a claim that found
	 * entries in the inbox (another server's delivery, escrow or offer, announced by its nudge) brings the
	 * checks back; an entry whose nudge was lost waits for the player's next change or load.
	 */
	private unchangedSinceCheck(session: Session): boolean {
		const last = this.seen.get(session.userId);
		const stored = session.profile.Data;
		return (
			last !== undefined &&
			last.clean === true &&
			last.token === session.token &&
			last.seq === stored.seq &&
			last.inboxEntriesSeen === (session.inboxEntriesSeen ?? 0) &&
			deepEqual(last.data, stored.data)
		);
	}

	/**
	 * One pass of the offline duplicate scan within `budget` DataStore requests (yields). Each duplicate is
	 * audited as a security event for every holder, and with `quarantineDuplicates` each holder's data is
	 * copied to the quarantine store (flagged: the players keep playing).
	 */
	scan(listing: ProfileListing, budget: number, cursor: string | undefined): DuplicateScanResult {
		if (cursor === undefined) {
			this.scanned.clear();
			this.scanReported.clear();
		}
		const result = scanForDuplicates(listing, (data) => this.checker.HeldItems(data), budget, cursor, this.scanned);
		for (const dupe of result.duplicates) {
			for (const holder of dupe.holders) {
				if (this.scanReported.has(`${dupe.itemId} ${holder}`)) continue;
				this.scanReported.add(`${dupe.itemId} ${holder}`);
				const others = dupe.holders.filter((h) => h !== holder);
				const message = `unique id ${dupe.itemId} is held by players ${dupe.holders.join(", ")}`;
				this.checker.ReportDuplicates(holder, [
					issue("duplicateItem", "duplicate", "", message, undefined, others[0]),
				]);
				if (this.options.quarantineDuplicates) {
					const [ok, err] = pcall(() =>
						this.checker.Quarantine(holder, listing.read(`Player_${holder}`), undefined, [message]),
					);
					if (!ok) this.ctx.warn(`quarantine of ${holder} failed: ${tostring(err)}`);
				}
			}
		}
		return result;
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

	/** Looks a session's unique items up (without claiming them); returns the confirmed duplicates. */
	private lookUpItems(session: Session): Array<ConsistencyIssue> {
		return this.confirm(
			session.userId,
			this.checker.LookUpItems(session.userId, this.checker.HeldItems(session.profile.Data.data)),
		);
	}

	/**
	 * Keeps the index's duplicates that the other holder confirms (it holds the id, in memory here or in
	 * the DataStore). One it does not show yet is looked at again after `recheckDelay` (the other holder
	 * may have received the item moments ago, not yet saved): then reported if shown, else the index entry
	 * was stale and is taken over. A failed read counts as shown (never silently dropped).
	 */
	private confirm(playerId: number, found: ReadonlyArray<ConsistencyIssue>): Array<ConsistencyIssue> {
		const confirmed = new Array<ConsistencyIssue>();
		for (const dupe of found) {
			const itemId = dupe.message.match("unique id (%S+)")[0] as string;
			const owner = dupe.value as number;
			const [ok, holds] = pcall(() => this.options.holds(owner, itemId));
			if (!ok || holds === true) {
				confirmed.push(dupe);
				continue;
			}
			task.delay(this.options.recheckDelay, () => {
				const [read, still] = pcall(() => this.options.holds(owner, itemId));
				const [mine, kept] = pcall(() => this.options.holds(playerId, itemId));
				if (!mine || kept !== true) return; // this player no longer holds it either: nothing to say
				if (!read || still === true) {
					this.checker.ReportDuplicates(playerId, [dupe]);
					this.publishDuplicates(playerId, [dupe]);
				} else this.checker.ReassignItem(itemId, playerId);
			});
		}
		if (confirmed.size() > 0) this.checker.ReportDuplicates(playerId, confirmed);
		return confirmed;
	}

	/**
	 * The fields deleted from the stored data while the player was offline: the template's fields the
	 * session store's Reconcile filled in on load that the marks say the data held when last committed (a
	 * field the template gained since is no loss). Reported once, at the session's first check; only the
	 * check on load offers the fix (later the player may have changed the refilled field).
	 */
	private deletedOnLoad(session: Session, onLoad: boolean): Array<ConsistencyIssue> {
		const filled = session.reconciled;
		if (filled === undefined) return [];
		session.reconciled = undefined;
		const stored = session.profile.Data;
		const template = this.options.template as Record<string, unknown>;
		return deletedFields(filled, stored.marks, stored.v).map((field) =>
			issue(
				"missingField",
				"structural",
				field,
				`${field} was deleted from the stored data since it was last saved (Reconcile filled in the template's ${describeValue(template[field])})`,
				onLoad ? "fillDefault" : undefined,
				deepCopy(template[field]),
			),
		);
	}

	/**
	 * Applies the declared fixes through the pipeline, after the checker's emergency backup. The backup holds
	 * the data without the `deleted` fields Reconcile refilled: the data as stored, so restoring it undoes
	 * the repair exactly.
	 */
	private repair(
		session: Session,
		issues: ReadonlyArray<ConsistencyIssue>,
		dryRun: boolean,
		deleted: ReadonlyArray<ConsistencyIssue>,
	): RepairReport {
		const stored = session.profile.Data;
		const orphans = issues.filter((i) => i.kind === "orphanMarker");
		const dataIssues = issues.filter((i) => i.kind !== "orphanMarker" && !NOT_THE_DOCUMENT.has(i.kind));
		let data = stored.data;
		if (deleted.some((i) => i.fix !== undefined)) {
			data = deepCopy(stored.data);
			for (const found of deleted) delete (data as Record<string, unknown>)[found.path];
		}
		return this.checker.Repair(session.userId, data, dataIssues, {
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
