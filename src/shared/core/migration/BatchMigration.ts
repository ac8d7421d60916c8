import { canonicalJson } from "../dal/Canonical";
import { describeFailure } from "./EnvelopeSource";
import type { MigrationChain, MigrationValidator } from "./MigrationChain";
import { isMigrationError, migrationError } from "./MigrationError";
import type { MigrationRun, PreImageChunk, RunStore } from "./MigrationRun";
import type { MigrationSource, SourceDocument } from "./MigrationSource";

/** Options of a batch run; every field is optional. */
export interface BatchOptions {
	/** Only report what would change: nothing is written but the run record (default false). */
	readonly dryRun?: boolean;
	/** Keys per page and per checkpoint (default 50, at most 100: ListKeysAsync's page limit). */
	readonly pageSize?: number;
	/** Resume the chain's newest unfinished run (default true): a crashed run goes on where it stopped. */
	readonly resume?: boolean;
	/** Passes over the deferred keys once the listing is done (default 10). */
	readonly sweeps?: number;
	/** Seconds between two sweeps (default 30): time for held players to leave and migrate on load. */
	readonly sweepInterval?: number;
	/** Upper bound on keys per minute (default none: the DataAccessLayer's background budget reserve paces). */
	readonly keysPerMinute?: number;
	/**
	 * About how many keys the source holds: the basis of the progress and ETA estimate while the listing
	 * goes on (ListKeysAsync tells no total). Default: the key count of the chain's last finished run over
	 * the same source.
	 */
	readonly expectedKeys?: number;
}

/** Live figures of the batch this tool runs (see DataMigrationTool.getStatistics). */
export interface BatchStatistics {
	readonly runId?: string;
	readonly running: boolean;
	readonly dryRun: boolean;
	readonly seen: number;
	readonly migrated: number;
	readonly upToDate: number;
	readonly deferred: number;
	readonly failed: number;
	/** True once every key was listed: progress and ETA are exact from then on, estimates before. */
	readonly listed: boolean;
	/**
	 * Keys finished per minute of work on this server since it started (or resumed) the run: the pages'
	 * listing, reads, writes and checkpoints; not the wait between sweeps (0 before the first page is done).
	 */
	readonly keysPerMinute: number;
	/**
	 * The key count progress and ETA assume: the keys seen once the listing is done; before, an estimate
	 * (see {@link etaEstimated}).
	 */
	readonly estimatedKeys: number;
	/** Share of the keys done (0 to 1): seen and not deferred, over {@link estimatedKeys}. */
	readonly progress: number;
	/**
	 * Seconds of work until every key is done at {@link keysPerMinute} (undefined before the first page is
	 * done, and while the rate is 0 with keys left); a sweep's wait for held keys comes on top.
	 */
	readonly eta?: number;
	/**
	 * True while the listing goes on: ListKeysAsync tells no total, so `estimatedKeys` is `expectedKeys`, else
	 * the key count of the chain's last finished run over the same source, and never less than the keys seen
	 * plus one page (with no basis, the ETA is then a lower bound that grows as pages come).
	 */
	readonly etaEstimated: boolean;
}

/** Most characters of pre-images in one chunk (under the 4,194,304-character value limit with room). */
const CHUNK_LIMIT = 3_000_000;
/** Keys a dry run names in its sample. */
const DRY_RUN_SAMPLE = 100;

interface Plan {
	readonly key: string;
	readonly preStamp: string;
	readonly pre: object;
	readonly postImage: object;
	readonly postStamp: string;
}

/**
 * One batch run over a {@link MigrationSource}: pages of keys (ListKeysAsync), each page read, migrated in
 * memory, its pre-images written as a chunk, then each key written in one UpdateAsync that applies only if
 * the key is still exactly what was read and held by no session; then a checkpoint. Keys held by a live
 * session are deferred (they migrate on load) and swept again once the listing is done.
 *
 * @internal DataMigrationTool.runBatch is the public entry.
 */
export class BatchMigration {
	private started = os.clock();
	private processedHere = 0;
	/** Keys this server finished (read, and written or set aside): the rate the ETA extrapolates. */
	private finishedHere = 0;
	/**
	 * Seconds this server spent on the pages it finished: the rate's time. The time before the first page
	 * (the run's record, a crashed chunk's recovery), a page still in flight and the wait between sweeps are
	 * not work on keys; counted, they made the rate too slow by however long they took.
	 */
	private secondsWorked = 0;
	/** Keys of the page being processed: counted as seen (or out of `deferred`) but not finished yet. */
	private inFlight = 0;
	/** The last DataStore failure a write met (the key was deferred). */
	lastStoreError?: string;

	constructor(
		private readonly chain: MigrationChain,
		private readonly runs: RunStore,
		private readonly source: MigrationSource,
		private readonly run: MigrationRun,
		private readonly options: BatchOptions,
		private readonly stamp: (image: object) => string,
		private readonly clock: () => number,
		private readonly validate?: MigrationValidator,
	) {}

	/** Runs (or resumes) until every listed key is done or the sweeps run out. Yields. */
	execute(): MigrationRun {
		const run = this.run;
		const pageSize = this.options.pageSize ?? 50;
		this.recoverChunk();
		while (!run.listed) {
			this.timePage(() => {
				const page = this.source.list(run.cursor, pageSize);
				this.process(page.keys);
				run.cursor = page.cursor;
				run.listed = page.cursor === undefined;
				this.checkpoint();
			});
		}
		const sweeps = this.options.sweeps ?? 10;
		for (let sweep = 0; sweep < sweeps && run.deferred.size() > 0; sweep++) {
			task.wait(this.options.sweepInterval ?? 30);
			const keys = [...run.deferred];
			for (let i = 0; i < keys.size(); i += pageSize) {
				const page = new Array<string>();
				for (let j = i; j < math.min(i + pageSize, keys.size()); j++) page.push(keys[j]);
				this.timePage(() => {
					// Out of the list only as their page is processed: a checkpoint never drops an unvisited key.
					run.deferred = run.deferred.filter((k) => !page.includes(k));
					this.process(page, true);
					this.checkpoint();
				});
			}
		}
		run.state = "finished";
		run.finishedAt = this.clock();
		this.checkpoint();
		return run;
	}

	/** Live figures. */
	statistics(running: boolean): BatchStatistics {
		const run = this.run;
		const rate = this.secondsWorked > 0 ? this.finishedHere / (this.secondsWorked / 60) : 0;
		const deferred = run.deferred.size();
		// While listing, the keys not listed yet are unknown: estimated from the basis recorded at the start.
		const estimatedKeys = run.listed
			? run.seen
			: math.max(run.expectedKeys ?? 0, run.seen + (this.options.pageSize ?? 50));
		const remaining = estimatedKeys - run.seen + deferred + this.inFlight;
		return {
			runId: run.id,
			running,
			dryRun: run.dryRun,
			seen: run.seen,
			migrated: run.migratedCount,
			upToDate: run.upToDate,
			deferred: run.deferred.size(),
			failed: run.failedCount,
			listed: run.listed,
			keysPerMinute: rate,
			estimatedKeys,
			progress: estimatedKeys > 0 ? (estimatedKeys - remaining) / estimatedKeys : 1,
			eta: rate > 0 ? (remaining / rate) * 60 : remaining > 0 ? undefined : 0,
			etaEstimated: !run.listed,
		};
	}

	/**
	 * A crash between a chunk's write and the checkpoint after it leaves keys migrated but not recorded:
	 * the chunk names them with the checksum of what the run wrote, so each key that still holds exactly that
	 * is recorded as migrated by this run (and can be rolled back).
	 */
	private recoverChunk(): void {
		const run = this.run;
		for (;;) {
			const chunk = this.runs.loadChunk(run.id, run.chunks);
			if (chunk === undefined) return;
			for (const [key, entry] of pairs(chunk)) {
				const doc = this.source.read(key as string);
				if (
					doc !== undefined &&
					this.stamp(doc.image) === entry.post &&
					run.migrated[key as string] === undefined
				) {
					run.migrated[key as string] = { chunk: run.chunks, post: entry.post };
					run.migratedCount += 1;
				}
			}
			run.chunks += 1;
		}
	}

	/**
	 * Runs one page's work (its listing, reads, writes and checkpoint), then counts its keys finished and its
	 * time worked together, so that the rate never sees the one without the other.
	 */
	private timePage(work: () => void): void {
		const began = os.clock();
		try {
			work();
		} finally {
			this.finishedHere += this.inFlight;
			this.inFlight = 0;
			this.secondsWorked += os.clock() - began;
		}
	}

	private process(keys: ReadonlyArray<string>, sweeping = false): void {
		const run = this.run;
		// A page's reads run side by side (the DataAccessLayer bounds how many are in flight): a batch paced
		// one request at a time would be bound by latency, not by the budget.
		type Read = { key: string; ok: boolean; doc: unknown };
		const reads = new Array<Promise<Read>>();
		for (const key of keys) {
			if (run.migrated[key] !== undefined) continue;
			this.pace();
			if (!sweeping) run.seen += 1;
			this.processedHere += 1;
			this.inFlight += 1;
			reads.push(
				new Promise<Read>((resolve) => {
					const [ok, doc] = pcall(() => this.source.read(key));
					resolve({ key, ok, doc });
				}),
			);
		}
		const plans = new Array<Plan>();
		for (const read of Promise.all(reads).expect() as Array<Read>) {
			if (!read.ok) {
				this.defer(read.key);
				continue;
			}
			const plan = this.plan(read.key, read.doc as SourceDocument | undefined);
			if (plan !== undefined) plans.push(plan);
		}
		if (run.dryRun || plans.size() === 0) return;
		for (const group of this.chunked(plans)) {
			const chunk: PreImageChunk = {};
			for (const plan of group) chunk[plan.key] = { pre: plan.pre, post: plan.postStamp };
			// Every pre-image is durable before any key of the chunk is written.
			this.runs.saveChunk(run.id, run.chunks, chunk);
			const n = run.chunks;
			run.chunks += 1;
			Promise.all(group.map((plan) => new Promise<void>((resolve) => resolve(this.commit(plan, n))))).expect();
		}
	}

	/** What to do with one key: undefined when there is nothing to write. */
	private plan(key: string, doc: SourceDocument | undefined): Plan | undefined {
		const run = this.run;
		if (doc === undefined) return undefined;
		if (doc.version === this.chain.target) {
			run.upToDate += 1;
			return undefined;
		}
		if (doc.version > this.chain.target) {
			this.fail(
				key,
				"NewerVersion",
				`${key} is version ${doc.version}; this code knows up to ${this.chain.target}`,
			);
			return undefined;
		}
		if (doc.refused !== undefined) {
			this.fail(key, doc.refused.kind, `${key}: ${doc.refused.message}`);
			return undefined;
		}
		if (doc.held) {
			this.defer(key);
			return undefined;
		}
		const [ok, result] = pcall(() => this.chain.upgrade(doc.data, doc.version, this.validate));
		if (!ok) {
			const err = isMigrationError(result) ? result : migrationError("StepFailed", tostring(result));
			this.fail(key, err.kind, `${key}: ${err.message}`);
			return undefined;
		}
		const migrated = result as ReturnType<MigrationChain["upgrade"]>;
		if (run.dryRun) {
			run.wouldMigrate += 1;
			if (run.wouldMigrate <= DRY_RUN_SAMPLE) run.wouldMigrateSample[key] = migrated.applied;
			return undefined;
		}
		const postImage = this.source.withData(doc, migrated.version, migrated.data, key);
		return { key, pre: doc.image, preStamp: this.stamp(doc.image), postImage, postStamp: this.stamp(postImage) };
	}

	private commit(plan: Plan, chunk: number): void {
		const run = this.run;
		let outcome = "gone" as "done" | "held" | "changed" | "gone";
		const [ok, err] = pcall(() =>
			this.source.update(plan.key, (current) => {
				if (current === undefined) {
					outcome = "gone";
					return undefined;
				}
				const now = this.stamp(current.image);
				// A write that reported failure but landed: the retry finds the run's own result.
				if (now === plan.postStamp) {
					outcome = "done";
					return undefined;
				}
				if (current.held) {
					outcome = "held";
					return undefined;
				}
				if (now !== plan.preStamp) {
					outcome = "changed";
					return undefined;
				}
				outcome = "done";
				return plan.postImage;
			}),
		);
		if (!ok) {
			// The DataStore kept failing: the key is retried by a sweep (the chunk still names it).
			this.defer(plan.key);
			this.lastStoreError = describeFailure(err);
			return;
		}
		if (outcome === "done") {
			run.migrated[plan.key] = { chunk, post: plan.postStamp };
			run.migratedCount += 1;
		} else if (outcome === "held" || outcome === "changed") this.defer(plan.key);
	}

	private defer(key: string): void {
		if (!this.run.deferred.includes(key)) this.run.deferred.push(key);
	}

	private fail(key: string, kind: Parameters<typeof migrationError>[0], message: string): void {
		if (this.run.failed[key] === undefined) this.run.failedCount += 1;
		this.run.failed[key] = { kind, message };
	}

	private chunked(plans: ReadonlyArray<Plan>): Array<Array<Plan>> {
		const groups = new Array<Array<Plan>>();
		let group = new Array<Plan>();
		let size = 0;
		for (const plan of plans) {
			const bytes = canonicalJson(plan.pre).size() + 100;
			if (group.size() > 0 && size + bytes > CHUNK_LIMIT) {
				groups.push(group);
				group = [];
				size = 0;
			}
			group.push(plan);
			size += bytes;
		}
		if (group.size() > 0) groups.push(group);
		return groups;
	}

	private pace(): void {
		const limit = this.options.keysPerMinute;
		if (limit === undefined || limit <= 0) return;
		const due = this.started + (this.processedHere * 60) / limit;
		if (os.clock() < due) task.wait(due - os.clock());
	}

	private checkpoint(): void {
		this.run.updatedAt = this.clock();
		this.runs.save(this.run);
	}
}
