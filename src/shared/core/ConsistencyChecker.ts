import { MemoryStoreService } from "@rbxts/services";
import { assertServer } from "./assertServer";
import type { AuditLogger } from "./AuditLogger";
import type { BackupManager } from "./BackupManager";
import { DataAccessLayer } from "./DataAccessLayer";
import { CompiledSchema, DataValidator, Schema } from "./DataValidator";
import { Anomaly, AnomalyDetector } from "./consistency/AnomalyDetector";
import { checkBusinessRules } from "./consistency/checkBusinessRules";
import { catalogOf, CatalogLookup, checkItems, HeldItem, heldItems } from "./consistency/checkItems";
import { checkStructure } from "./consistency/checkStructure";
import { checkTemporal, TemporalContext } from "./consistency/checkTemporal";
import { commitMarks, ConsistencyMarks } from "./consistency/ConsistencyMarks";
import type { ConsistencyIssue } from "./consistency/ConsistencyIssue";
import { issue } from "./consistency/ConsistencyIssue";
import type { RepairReport } from "./consistency/ConsistencyReport";
import type { ConsistencyRules } from "./consistency/ConsistencyRules";
import { mintItemId } from "./consistency/mintItemId";
import { QuarantineIncident, QuarantineStore } from "./consistency/QuarantineStore";
import { repairData } from "./consistency/repairData";
import { ClaimOutcome, OwnerMapLike, UniquenessIndex } from "./consistency/UniquenessIndex";

export type { Anomaly } from "./consistency/AnomalyDetector";
export type { ConsistencyIssue, FixKind, IssueCategory, IssueKind } from "./consistency/ConsistencyIssue";
export type { ConsistencyReport, QuarantineNote, RepairReport } from "./consistency/ConsistencyReport";
export type { ConsistencyMarks } from "./consistency/ConsistencyMarks";
export type {
	AnomalyRules,
	BusinessRule,
	ConsistencyRules,
	RuleViolation,
	TemporalRules,
	UniqueItems,
} from "./consistency/ConsistencyRules";
export type { QuarantineIncident, QuarantineRecord } from "./consistency/QuarantineStore";
export type { RepairRecord } from "./consistency/repairData";
export type { HeldItem } from "./consistency/checkItems";
export { currencyCap, equippedOwned, levelCap } from "./consistency/businessRules";
export { mintItemId } from "./consistency/mintItemId";

/** Configuration of a {@link ConsistencyChecker}: the game's rules plus the modules it works with. */
export interface ConsistencyCheckerConfig extends ConsistencyRules {
	/** The game's schema (structural checks beyond storability). */
	readonly schema?: Schema;
	/** The game's template: what a `fillDefault` fix puts back. */
	readonly template?: object;
	/** Top-level currencies that may not go below 0 (default none). */
	readonly currencies?: ReadonlyArray<string>;
	/** Compiles the schema (default: a new DataValidator). */
	readonly validator?: DataValidator;
	/** Quarantine writes go through it (default: a new one). */
	readonly dataAccessLayer?: DataAccessLayer;
	/** Takes the emergency backup before each repair; without one, nothing is repaired. */
	readonly backupManager?: BackupManager;
	/** Repairs, quarantines, duplicates and anomalies are recorded here when given (auditing on). */
	readonly auditLogger?: AuditLogger;
	/** Holds the uniqueness index (default: MemoryStoreService's hash map "DataService.ItemOwners"). */
	readonly ownerMap?: OwnerMapLike;
	/** DataStore of quarantined documents (default "DataService.Quarantine"). */
	readonly quarantineStoreName?: string;
	/** Unix seconds (default: the DataAccessLayer's clock). */
	readonly clock?: () => number;
}

/** Counters of a {@link ConsistencyChecker}. */
export interface ConsistencyStatistics {
	checks: number;
	issues: number;
	repairs: number;
	repairsRefused: number;
	quarantined: number;
	duplicates: number;
	anomalies: number;
	/** MemoryStore requests of the uniqueness index. */
	indexRequests: number;
}

/**
 * Automated integrity validation of player data: structural checks (schema, types, NaN and infinities,
 * size, depth), referential checks (catalog item ids, unique ids), the game's business rules (level cap,
 * currency cap, equipped items owned) and temporal checks (future timestamps, monotonic fields, created
 * before updated, versions); repairs by declared fixes, each after an emergency backup and audited; a
 * quarantine store for documents beyond repair; an online uniqueness index of unique item ids; and
 * anomaly detection on rates of change. DataService drives it (checks on load, on schedule and on
 * demand, repairs through its write pipeline); it works alone on any data too.
 *
 * @example
 * ```ts
 * const checker = new ConsistencyChecker({
 * 	schema, template, catalog: ["sword", "shield"], uniqueItems: [{ path: "items" }],
 * 	rules: [levelCap("level", 100), equippedOwned("equipped", "items")],
 * 	temporal: { timestamps: ["lastLogin"], monotonic: ["totalEarned"] },
 * });
 * const issues = checker.Check(data);
 * ```
 */
export class ConsistencyChecker {
	private readonly compiled?: CompiledSchema<unknown>;
	private readonly template: object;
	private readonly known?: CatalogLookup;
	private readonly dal: DataAccessLayer;
	private readonly clock: () => number;
	private readonly index: UniquenessIndex;
	private readonly quarantine: QuarantineStore;
	private readonly anomalies?: AnomalyDetector;
	private readonly stats: ConsistencyStatistics = {
		checks: 0,
		issues: 0,
		repairs: 0,
		repairsRefused: 0,
		quarantined: 0,
		duplicates: 0,
		anomalies: 0,
		indexRequests: 0,
	};

	/** @throws a plain message for a malformed field, or on a client. */
	constructor(private readonly config: ConsistencyCheckerConfig = {}) {
		assertServer("ConsistencyChecker");
		for (const [name, kind] of [
			["rules", "table"],
			["uniqueItems", "table"],
			["countMaps", "table"],
			["temporal", "table"],
			["anomalies", "table"],
		] as const) {
			const value = (config as Record<string, unknown>)[name];
			if (value !== undefined && !typeIs(value, kind))
				error(`[ConsistencyChecker] ${name} must be a ${kind}, got ${typeOf(value)}`, 2);
		}
		if (config.schema !== undefined)
			this.compiled = (config.validator ?? new DataValidator()).compile(config.schema);
		this.template = config.template ?? {};
		this.known = catalogOf(config);
		this.dal = config.dataAccessLayer ?? new DataAccessLayer();
		this.clock = config.clock ?? (() => this.dal.now());
		this.index = new UniquenessIndex(
			config.ownerMap ?? (MemoryStoreService.GetHashMap("DataService.ItemOwners") as unknown as OwnerMapLike),
		);
		this.quarantine = new QuarantineStore(this.dal, config.quarantineStoreName ?? "DataService.Quarantine");
		if (config.anomalies !== undefined) this.anomalies = new AnomalyDetector(config.anomalies);
	}

	/**
	 * Runs every check on `data` (never yields).
	 * @param context - what was seen before (monotonic fields, versions) and the time (default the clock).
	 * @returns every issue found, each with its category, path, message and declared fix.
	 * @example
	 * ```ts
	 * for (const found of checker.Check(data)) warn(`${found.kind} ${found.path}: ${found.message}`);
	 * ```
	 */
	Check(data: unknown, context: Partial<TemporalContext> = {}): Array<ConsistencyIssue> {
		const config = this.config;
		const issues = checkStructure(data, {
			schema: this.compiled,
			template: this.template,
			maxDepth: config.maxDepth ?? 32,
			maxSize: config.maxSize ?? 4194304,
		});
		if (typeIs(data, "table")) {
			for (const found of checkItems(data, config, this.known)) issues.push(found);
			for (const found of checkBusinessRules(data, config.rules ?? [], config.currencies ?? []))
				issues.push(found);
			if (config.temporal !== undefined || context.previousVersion !== undefined) {
				const ctx: TemporalContext = { ...context, now: context.now ?? this.clock() };
				for (const found of checkTemporal(data, config.temporal ?? {}, ctx)) issues.push(found);
			}
		}
		this.stats.checks += 1;
		this.stats.issues += issues.size();
		return issues;
	}

	/**
	 * The issues a change would bring in (never yields): the referential, business and temporal checks
	 * of `after`, less those `before` already had. The write path refuses a change that brings any (the
	 * structural checks are the pipeline's validation step).
	 * @example
	 * ```ts
	 * const added = checker.CheckChange(before, after);
	 * ```
	 */
	CheckChange(before: object, after: object): Array<ConsistencyIssue> {
		const config = this.config;
		const of = (data: object, previous?: object) => {
			const found = checkItems(data, config, this.known);
			for (const i of checkBusinessRules(data, config.rules ?? [], [])) found.push(i);
			if (config.temporal !== undefined)
				for (const i of checkTemporal(data, config.temporal, { now: this.clock(), previous })) found.push(i);
			return found;
		};
		const had = new Set(of(before).map((i) => `${i.kind} ${i.path}`));
		return of(after, before).filter((i) => !had.has(`${i.kind} ${i.path}`));
	}

	/**
	 * Repairs `data` by the issues' declared fixes. A dry run only reports what would change. Otherwise the
	 * data is first backed up (an emergency backup through the BackupManager: without one, or when it
	 * fails, nothing is repaired), then `apply` gets the repaired copy (DataService writes it through its
	 * pipeline as a `repair` change; an error refuses the repair), then each fix is audited.
	 *
	 * @returns what was (or would be) repaired, the backup that undoes it, and the issues left.
	 * @example
	 * ```ts
	 * const report = checker.Repair(123, data, checker.Check(data), { dryRun: true });
	 * ```
	 */
	Repair(
		playerId: number,
		data: object,
		issues: ReadonlyArray<ConsistencyIssue>,
		options: { readonly dryRun?: boolean; readonly apply?: (repaired: object, backupId: string) => void } = {},
	): RepairReport {
		const outcome = repairData(data, issues, this.config.uniqueItems ?? [], this.template);
		const dryRun = options.dryRun === true;
		const base = { dryRun, repairs: outcome.repairs, unrepaired: outcome.unrepaired };
		if (dryRun || outcome.repairs.size() === 0) return { ...base, applied: false };
		const refuse = (failure: string): RepairReport => {
			this.stats.repairsRefused += 1;
			return { ...base, applied: false, failure };
		};
		const backups = this.config.backupManager;
		if (backups === undefined) return refuse("no BackupManager to take the emergency backup (enableBackups)");
		const [backedUp, backup] = backups.EmergencyBackupOf(playerId, data, "consistency repair").await();
		if (!backedUp)
			return refuse(
				`the emergency backup failed: ${tostring((backup as { message?: string }).message ?? backup)}`,
			);
		const taken = backup as { id: string; time: number };
		if (options.apply !== undefined) {
			const [ok, err] = pcall(() => options.apply!(outcome.data, taken.id));
			if (!ok)
				return {
					...refuse(`the repair was refused: ${tostring((err as { message?: string })?.message ?? err)}`),
					backup: taken,
				};
		}
		this.stats.repairs += outcome.repairs.size();
		for (const record of outcome.repairs) {
			this.audit(
				"data",
				"consistencyRepair",
				"warning",
				[playerId],
				{
					fix: record.fix,
					path: record.path,
					backup: taken.id,
				},
				record.message,
			);
		}
		return { ...base, applied: true, backup: taken };
	}

	/**
	 * Puts a document beyond repair in quarantine (yields): a copy goes to the quarantine store with the
	 * DataStore version it was pinned at, and is never overwritten; audited as a security event.
	 * @returns the incident (the existing one when the same data is already quarantined).
	 */
	Quarantine(
		playerId: number,
		data: unknown,
		version: string | undefined,
		reasons: ReadonlyArray<string>,
	): QuarantineIncident {
		const incident = this.quarantine.add(playerId, data, version, reasons);
		this.stats.quarantined += 1;
		this.audit(
			"security",
			"quarantine",
			"critical",
			[playerId],
			{ incident: incident.id, version },
			reasons.join("; "),
		);
		return incident;
	}

	/**
	 * The marks to store with freshly committed data (never yields): the last value of each declared
	 * monotonic field and the template's fields the data holds. A later {@link Check} given
	 * `floors: marks.monotonic` finds a monotonic field lowered in between, even in another session.
	 * @param reset - a repair, restore or migration sets the new reference (otherwise floors never go down).
	 * @example
	 * ```ts
	 * stored.marks = checker.Marks(stored.data, stored.v, stored.marks);
	 * ```
	 */
	Marks(data: object, version: number, previous?: ConsistencyMarks, reset = false): ConsistencyMarks {
		return commitMarks(data, version, this.template, this.config.temporal?.monotonic ?? [], previous, reset);
	}

	/** The quarantine store (read, release, restore marks). */
	GetQuarantine(): QuarantineStore {
		return this.quarantine;
	}

	/**
	 * Claims the unique items a change hands `playerId` in the uniqueness index (yields: one MemoryStore
	 * request per item; the claim expires after an hour). An id another player holds is a candidate
	 * duplicate, returned with the other holder in `value`; once the caller confirmed it (the other holder
	 * still has it), {@link ReportDuplicates} counts and audits it. DataService confirms each before reporting.
	 * @param handedOverBy - players the items may come from in the change being recorded (a trade).
	 */
	ClaimItems(
		playerId: number,
		items: ReadonlyArray<HeldItem>,
		handedOverBy?: ReadonlySet<number>,
	): Array<ConsistencyIssue> {
		return this.duplicatesOf(items, (held) => this.index.claim(held.id, playerId, handedOverBy));
	}

	/**
	 * Looks the unique items of a loaded player up in the uniqueness index without claiming them (yields:
	 * one MemoryStore read per item, no memory): an id handed to another player within the claims' hour is
	 * a candidate duplicate, as with {@link ClaimItems}.
	 */
	LookUpItems(playerId: number, items: ReadonlyArray<HeldItem>): Array<ConsistencyIssue> {
		return this.duplicatesOf(items, (held) => this.index.lookUp(held.id, playerId));
	}

	private duplicatesOf(
		items: ReadonlyArray<HeldItem>,
		outcomeOf: (held: HeldItem) => ClaimOutcome,
	): Array<ConsistencyIssue> {
		const found = new Array<ConsistencyIssue>();
		for (const held of items) {
			const outcome = outcomeOf(held);
			if (outcome.status !== "heldElsewhere") continue;
			found.push(
				issue(
					"duplicateItem",
					"duplicate",
					held.path,
					`${held.path}: unique id ${held.id} (${held.item}) is also held by player ${outcome.owner}`,
					undefined,
					outcome.owner,
				),
			);
		}
		this.stats.indexRequests = this.index.requests;
		return found;
	}

	/** Takes over an item's index entry for `playerId` (the old holder was checked and no longer has it). */
	ReassignItem(itemId: string, playerId: number): void {
		this.index.reassign(itemId, playerId);
		this.stats.indexRequests = this.index.requests;
	}

	/** Drops `playerId`'s index entries of items they gave away (yields). */
	ReleaseItems(playerId: number, itemIds: ReadonlyArray<string>): void {
		for (const id of itemIds) this.index.release(id, playerId);
		this.stats.indexRequests = this.index.requests;
	}

	/** Records duplicates found (online or by the offline scan) as security events. */
	ReportDuplicates(playerId: number, found: ReadonlyArray<ConsistencyIssue>): void {
		this.stats.duplicates += found.size();
		for (const dupe of found) {
			const other = dupe.value;
			this.audit(
				"security",
				"duplicateItem",
				"critical",
				typeIs(other, "number") ? [playerId, other] : [playerId],
				{ path: dupe.path },
				dupe.message,
			);
		}
	}

	/**
	 * Samples a player's declared numeric fields for anomaly detection (never yields); anomalies found are
	 * audited as security events.
	 */
	SampleAnomalies(playerId: number, data: object): Array<Anomaly> {
		if (this.anomalies === undefined) return [];
		const found = this.anomalies.sample(playerId, data, this.clock());
		for (const a of found) {
			this.stats.anomalies += 1;
			this.audit(
				"security",
				"anomaly",
				"warning",
				[playerId],
				{ field: a.field, rate: a.rate, median: a.median, score: a.score },
				`${a.field} changes at ${a.rate} per minute, the population's median is ${a.median}`,
			);
		}
		return found;
	}

	/** Drops a player who left from the anomaly population. */
	Forget(playerId: number): void {
		this.anomalies?.forget(playerId);
	}

	/** The unique items a player's data holds, by the declarations. */
	HeldItems(data: unknown): Array<HeldItem> {
		return heldItems(data, this.config.uniqueItems ?? []);
	}

	/**
	 * A new unique item id (see {@link mintItemId}).
	 * @example
	 * ```ts
	 * const id = checker.MintItemId();
	 * ```
	 */
	MintItemId(): string {
		return mintItemId();
	}

	/** Counters: checks, issues, repairs, quarantines, duplicates, anomalies, index requests. */
	GetStatistics(): ConsistencyStatistics {
		return { ...this.stats };
	}

	private audit(
		category: "data" | "security",
		eventType: string,
		level: "warning" | "critical",
		players: ReadonlyArray<number>,
		context: Record<string, unknown>,
		message: string,
	): void {
		this.config.auditLogger?.Log({ category, type: eventType, level, players, context, message });
	}
}
