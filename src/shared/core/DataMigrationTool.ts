import { HttpService } from "@rbxts/services";
import { assertServer } from "./assertServer";
import type { EncodingServiceLike } from "./audit/sha256Hex";
import { sha256Hex } from "./audit/sha256Hex";
import { DataAccessLayer } from "./DataAccessLayer";
import { canonicalJson } from "./dal/Canonical";
import { isDataError } from "./dal/DataError";
import { BatchMigration, BatchOptions, BatchStatistics } from "./migration/BatchMigration";
import { Migrated, MigrationChain, MigrationValidator } from "./migration/MigrationChain";
import { isMigrationError, MigrationError, migrationError } from "./migration/MigrationError";
import { MigrationHistory } from "./migration/MigrationHistory";
import { MigrationRun, RunStore, RunSummary } from "./migration/MigrationRun";
import type { MigrationSource } from "./migration/MigrationSource";
import type { MigrationStep } from "./migration/MigrationStep";
import { rollbackRun } from "./migration/rollbackRun";

export type { BatchOptions, BatchStatistics } from "./migration/BatchMigration";
export type { Migrated, MigrationValidator, PublishedStep } from "./migration/MigrationChain";
export type { MigrationError, MigrationErrorKind } from "./migration/MigrationError";
export { isMigrationError } from "./migration/MigrationError";
export type { MigrationRun, RunState, RunSummary } from "./migration/MigrationRun";
export type { KeyPage, MigrationSource, SourceDocument } from "./migration/MigrationSource";
export type { MigrationStep } from "./migration/MigrationStep";
export { EnvelopeSource } from "./migration/EnvelopeSource";

/** Configuration of a {@link DataMigrationTool}. */
export interface DataMigrationToolConfig {
	/** The chain, oldest step first: `steps[i]` turns version i + 1 into i + 2. */
	readonly steps: ReadonlyArray<MigrationStep>;
	/** Names the chain in the history and in run records (default "default"). */
	readonly chain?: string;
	/** Every request goes through it (default: a new DataAccessLayer). */
	readonly dataAccessLayer?: DataAccessLayer;
	/** DataStore of the history, runs and pre-images (default "DataService.Migrations"). */
	readonly storeName?: string;
	/** SHA-256 for checksums (default: the EncodingService). */
	readonly encoding?: EncodingServiceLike;
	/** The target version's schema check, run on every migrated document. */
	readonly validate?: MigrationValidator;
	/** Unix seconds (default: the DataAccessLayer's clock). */
	readonly clock?: () => number;
}

/** Seconds a batch waits for the chain's lock: past the default 30 s lease of a crashed holder. */
const BATCH_LOCK_WAIT = 40;

/** How a version compares with what this code knows. */
export type VersionCheck = "current" | "older" | "compatible";

function toMigrationError(err: unknown, fallback: MigrationError["kind"]): MigrationError {
	if (isMigrationError(err)) return err;
	if (isDataError(err)) return migrationError("StoreFailed", `${err.kind}: ${err.message}`);
	return migrationError(fallback, tostring(err));
}

function promise<T>(fn: () => T, fallback: MigrationError["kind"] = "StoreFailed"): Promise<T> {
	return new Promise((resolve, reject) => {
		const [ok, result] = pcall(fn);
		if (ok) resolve(result);
		else reject(toMigrationError(result, fallback));
	});
}

/**
 * Schema migrations, one chain for live and offline data: the same declared steps run on load (DataService's
 * loader, under the session lock, through the write pipeline) and as a batch over offline keys, and the
 * document's version makes both idempotent: a key reached by both paths, or twice, ends the same.
 *
 * - Each step's declaration is checksummed (SHA-256) into a durable history; a published step that was
 *   edited is refused (`EditedStep`) and nothing runs.
 * - A migrated document is checked against the target version's schema (`validate`); one that fails is
 *   left as it was and reported (`InvalidResult`).
 * - Code that knows versions up to v never migrates, loads or writes data of a newer version
 *   (`NewerVersion`) unless that version declares `compatibleBackTo` <= v.
 * - Batches enumerate keys with ListKeysAsync at background priority, checkpoint every page durably (a
 *   crashed run resumes), defer keys held by live sessions, can be dry runs, and keep pre-images so a run
 *   can be rolled back where keys were not changed since.
 *
 * Asynchronous methods return Promises rejecting with a {@link MigrationError}.
 *
 * @example
 * ```ts
 * const tool = new DataMigrationTool({ chain: "Inventories", steps: [addGems], validate });
 * await tool.publish();
 * const run = await tool.runBatch(new EnvelopeSource(dal, { store: "Inventories" }));
 * print(run.migratedCount, run.deferred.size());
 * const undone = await tool.rollback(run.id, new EnvelopeSource(dal, { store: "Inventories" }));
 * ```
 */
export class DataMigrationTool {
	/** The newest version this code knows. */
	readonly target: number;
	/** The chain's name. */
	readonly chainName: string;
	private readonly chain: MigrationChain;
	private readonly history: MigrationHistory;
	private readonly runs: RunStore;
	private readonly dal: DataAccessLayer;
	private readonly encoding: EncodingServiceLike;
	private readonly validate?: MigrationValidator;
	private readonly clock: () => number;
	private published = false;
	private batch?: BatchMigration;
	private batchRunning = false;

	/** @throws MigrationError `InvalidChain` when the steps are malformed (misuse: thrown at once). */
	constructor(config: DataMigrationToolConfig) {
		assertServer("DataMigrationTool");
		if (!typeIs(config, "table")) error("[DataMigrationTool] config must be a table", 2);
		this.encoding = config.encoding ?? (game.GetService("EncodingService") as unknown as EncodingServiceLike);
		this.chain = new MigrationChain(config.steps, this.encoding);
		this.target = this.chain.target;
		this.chainName = config.chain ?? "default";
		this.dal = config.dataAccessLayer ?? new DataAccessLayer({ warnings: false });
		const store = config.storeName ?? "DataService.Migrations";
		this.history = new MigrationHistory(this.dal, store, this.chainName);
		this.runs = new RunStore(this.dal, store, this.chainName);
		this.validate = config.validate;
		this.clock = config.clock ?? (() => this.dal.now());
	}

	/**
	 * Records the chain's steps in the durable history (once per tool; later calls resolve at once), refusing
	 * a chain whose published steps were edited. Every migration this tool runs publishes first.
	 * @returns rejects `EditedStep` or `StoreFailed`.
	 */
	publish(): Promise<void> {
		return promise(() => this.publishNow());
	}

	/** @internal The yielding form of {@link publish}. */
	publishNow(): void {
		if (this.published) return;
		this.history.publish(this.chain.declarations(), this.clock());
		this.published = true;
	}

	/**
	 * Migrates one document in memory (after publishing): runs the steps from `version` to the target on a
	 * copy, then the schema check. Yields only for the first publish.
	 * @throws MigrationError `EditedStep`, `NewerVersion`, `StepFailed`, `InvalidResult`; `data` is untouched.
	 */
	migrateNow(data: object, version: number): Migrated {
		this.publishNow();
		return this.chain.upgrade(data, version, this.validate);
	}

	/**
	 * Downgrades a document in memory through the steps' `down` functions (after publishing).
	 * @throws MigrationError `NoDownStep`, `StepFailed`, `InvalidResult`.
	 */
	downgradeNow(data: object, version: number, to: number): Migrated {
		this.publishNow();
		return this.chain.downgrade(data, version, to, this.validate);
	}

	/**
	 * How `version` compares with this code: `current`, `older` (to migrate), or `compatible` (newer, but its
	 * step declares `compatibleBackTo` <= {@link target}: usable as it is, never downgraded). Yields to read
	 * the history for a newer version.
	 * @throws MigrationError `NewerVersion` (newer and not declared compatible), `StoreFailed`.
	 */
	checkVersionNow(version: number): VersionCheck {
		if (version === this.target) return "current";
		if (version < this.target) return "older";
		const back = this.history.compatibleBackTo(version);
		if (back !== undefined && back <= this.target) return "compatible";
		throw migrationError(
			"NewerVersion",
			`the data is version ${version}; this code knows up to ${this.target}` +
				(back !== undefined
					? ` and version ${version} is compatible back to ${back} only`
					: ` and version ${version} declares no compatibility with it`),
		);
	}

	/**
	 * Runs a batch migration over `source` (or resumes the chain's newest unfinished run, see
	 * {@link BatchOptions.resume}), holding the chain's batch lock so two servers never run one at once.
	 * @returns the run as recorded; rejects `RunBusy`, `EditedStep`, `StoreFailed`.
	 */
	runBatch(source: MigrationSource, options: BatchOptions = {}): Promise<MigrationRun> {
		return promise(() => {
			checkOptions(options);
			this.publishNow();
			// Waits a little longer than a lease lives: a server that crashed mid-run leaves its lease to expire.
			const [locked, lease] = pcall(() =>
				this.dal.getLockManager().acquire(`migration/${this.chainName}`, BATCH_LOCK_WAIT, true),
			);
			if (!locked) {
				throw migrationError(
					"RunBusy",
					`another server runs a batch of ${this.chainName}: ${toMigrationError(lease, "StoreFailed").message}`,
				);
			}
			const [ok, result] = pcall(() => {
				const run = this.startOrResume(source, options);
				this.batch = new BatchMigration(
					this.chain,
					this.runs,
					source,
					run,
					options,
					(image) => this.stamp(image),
					this.clock,
					this.validate,
				);
				this.batchRunning = true;
				return this.batch.execute();
			});
			this.batchRunning = false;
			this.dal.getLockManager().release(lease as Parameters<DataAccessLayer["releaseLock"]>[0]);
			if (!ok) throw result;
			return result as MigrationRun;
		});
	}

	/**
	 * Rolls a run back (see {@link MigrationRun.rolledBack} / `notRolledBack`). A dry run has nothing to undo.
	 * Each key's pre-migration image comes from the run's own chunks, written before the key was migrated:
	 * byte-exact, and unlike DataStore versions not lost when the key was written earlier in the same UTC
	 * hour. A key whose write keeps failing is retried with backoff (15, 30, 60, 120 s); past that the
	 * rollback stops, the run stays `rollingBack`, and calling this again resumes it.
	 * @returns the run as recorded afterwards; rejects `RunNotFound`, `StoreFailed` (resumable).
	 */
	rollback(runId: string, source: MigrationSource): Promise<MigrationRun> {
		return promise(() => {
			const run = this.runs.load(runId);
			if (run === undefined)
				throw migrationError("RunNotFound", `no run ${runId} is recorded for ${this.chainName}`);
			return rollbackRun(run, this.runs, source, (image) => this.stamp(image), this.clock);
		});
	}

	/**
	 * Right to erasure: removes `key`'s pre-migration image from every run of the chain that migrated it
	 * (the chunks hold a copy of the document as it was) and marks the key in each run's `notRolledBack`, so
	 * a later rollback leaves it alone. Run records keep the key's name and checksums, not its content.
	 * @returns how many pre-images were removed; rejects `StoreFailed` (calling again finishes the rest).
	 * @example
	 * ```ts
	 * tool.erasePreImages("Player_123").expect();
	 * ```
	 */
	erasePreImages(key: string): Promise<number> {
		return promise(() => {
			let erased = 0;
			for (const line of this.runs.list()) {
				const run = this.runs.load(line.id);
				const entry = run?.migrated[key];
				if (run === undefined || entry === undefined) continue;
				if (this.runs.eraseFromChunk(run.id, entry.chunk, key)) erased += 1;
				if (run.notRolledBack[key] === undefined && !run.rolledBack.includes(key)) {
					run.notRolledBack[key] = "its pre-migration image was erased (right to erasure)";
					run.updatedAt = this.clock();
					this.runs.save(run);
				}
			}
			return erased;
		});
	}

	/** The run recorded under `runId`, or undefined. */
	getRun(runId: string): Promise<MigrationRun | undefined> {
		return promise(() => this.runs.load(runId));
	}

	/** The chain's runs, oldest first. */
	listRuns(): Promise<ReadonlyArray<RunSummary>> {
		return promise(() => this.runs.list());
	}

	/** Live figures of the batch this tool runs or ran last: progress, rate and ETA. */
	getStatistics(): BatchStatistics {
		return (
			this.batch?.statistics(this.batchRunning) ?? {
				running: false,
				dryRun: false,
				seen: 0,
				migrated: 0,
				upToDate: 0,
				deferred: 0,
				failed: 0,
				listed: false,
				keysPerMinute: 0,
				estimatedKeys: 0,
				progress: 0,
				etaEstimated: false,
			}
		);
	}

	private startOrResume(source: MigrationSource, options: BatchOptions): MigrationRun {
		if (options.resume !== false) {
			const list = this.runs.list();
			for (let i = list.size() - 1; i >= 0; i--) {
				const line = list[i];
				if (line.state !== "running" || line.dryRun !== (options.dryRun === true)) continue;
				const run = this.runs.load(line.id);
				if (run !== undefined && run.source === source.name && run.target === this.target) return run;
			}
		}
		const now = this.clock();
		const run: MigrationRun = {
			expectedKeys: options.expectedKeys ?? this.lastKeyCount(source),
			id: HttpService.GenerateGUID(false),
			chain: this.chainName,
			source: source.name,
			target: this.target,
			steps: this.chain.declarations().map((s) => s.name),
			dryRun: options.dryRun === true,
			state: "running",
			startedAt: now,
			updatedAt: now,
			listed: false,
			seen: 0,
			upToDate: 0,
			migrated: {},
			migratedCount: 0,
			deferred: [],
			failed: {},
			failedCount: 0,
			wouldMigrate: 0,
			wouldMigrateSample: {},
			chunks: 0,
			rolledBack: [],
			notRolledBack: {},
		};
		this.runs.save(run);
		return run;
	}

	/** The keys the chain's newest finished run over `source` saw (among the last 5 runs), or undefined. */
	private lastKeyCount(source: MigrationSource): number | undefined {
		const list = this.runs.list();
		for (let i = list.size() - 1; i >= math.max(0, list.size() - 5); i--) {
			if (list[i].state === "running") continue;
			const run = this.runs.load(list[i].id);
			if (run !== undefined && run.source === source.name && run.listed) return run.seen;
		}
		return undefined;
	}

	/**
	 * What a run compares to know a key is untouched: the first 24 hex digits (96 bits) of the SHA-256 of the
	 * document's canonical JSON; short, because the run record holds one per migrated key.
	 */
	private stamp(image: object): string {
		return sha256Hex(this.encoding, canonicalJson(image, "document")).sub(1, 24);
	}
}

function checkOptions(options: BatchOptions): void {
	if (!typeIs(options, "table"))
		throw migrationError("InvalidArgument", `options must be a table, got ${typeOf(options)}`);
	const size = options.pageSize;
	if (size !== undefined && (!typeIs(size, "number") || size % 1 !== 0 || size < 1 || size > 100)) {
		throw migrationError(
			"InvalidArgument",
			`options.pageSize must be a whole number from 1 to 100, got ${typeOf(size)} ${tostring(size)}`,
		);
	}
	for (const field of ["sweeps", "sweepInterval", "keysPerMinute", "expectedKeys"] as const) {
		const value = options[field];
		if (value !== undefined && (!typeIs(value, "number") || value < 0 || value !== value)) {
			throw migrationError(
				"InvalidArgument",
				`options.${field} must be a number >= 0, got ${typeOf(value)} ${tostring(value)}`,
			);
		}
	}
}
