import type { DataAccessLayer } from "../DataAccessLayer";
import type { MigrationErrorKind } from "./MigrationError";

/**
 * Where a run is: running (or crashed mid-way: resumable), finished, being rolled back (or stopped mid-way
 * by a crash or a DataStore outage: a new rollback resumes it), or rolled back.
 */
export type RunState = "running" | "finished" | "rollingBack" | "rolledBack";

/** A key the run migrated: the chunk holding its pre-migration image and the checksum of what it wrote. */
export interface MigratedKey {
	readonly chunk: number;
	readonly post: string;
}

/**
 * A batch run as recorded durably (`run/<id>` in the migration store), written at every checkpoint (each
 * page of keys), so a crashed run resumes where its last checkpoint left it and a finished one can be
 * queried and rolled back.
 */
export interface MigrationRun {
	readonly id: string;
	readonly chain: string;
	/** The documents migrated (the source's name). */
	readonly source: string;
	readonly target: number;
	/** Step names of the chain when the run started. */
	readonly steps: ReadonlyArray<string>;
	readonly dryRun: boolean;
	state: RunState;
	/** Unix seconds. */
	readonly startedAt: number;
	updatedAt: number;
	finishedAt?: number;
	/** The listing's position after the last checkpointed page; undefined before the first. */
	cursor?: string;
	/** True once every key was listed (deferred keys may remain). */
	listed: boolean;
	/** Keys looked at. */
	seen: number;
	/** The basis of the progress and ETA estimate while listing (see BatchOptions.expectedKeys). */
	readonly expectedKeys?: number;
	/** Keys already at the target version (migrated on load, or by an earlier run). */
	upToDate: number;
	/** Keys this run migrated. */
	migrated: Record<string, MigratedKey>;
	migratedCount: number;
	/** Keys held by a live session or changed under the run: retried by sweeps, listed if never done. */
	deferred: Array<string>;
	/** Keys that could not be migrated, with the typed reason (the document was left as it was). */
	failed: Record<string, { readonly kind: MigrationErrorKind; readonly message: string }>;
	failedCount: number;
	/** Dry run: how many keys would be migrated, and the first ones with the steps they would run. */
	wouldMigrate: number;
	wouldMigrateSample: Record<string, ReadonlyArray<string>>;
	/** Pre-image chunks written (`run/<id>/<n>`). */
	chunks: number;
	/** Keys the rollback restored, and those it left with the reason (changed since, held, gone). */
	rolledBack: Array<string>;
	notRolledBack: Record<string, string>;
	rolledBackAt?: number;
}

/** A run in the index: what `listRuns` returns without reading every run. */
export interface RunSummary {
	readonly id: string;
	readonly state: RunState;
	readonly startedAt: number;
	readonly dryRun: boolean;
}

/** The pre-migration images of one page of keys, written before any of them is migrated. */
export type PreImageChunk = Record<string, { readonly pre: object; readonly post: string }>;

/**
 * Durable records of runs over a DataAccessLayer: each run at `run/<id>`, its pre-image chunks at
 * `run/<id>/<n>`, and an index of the chain's runs at `runs/<chain>`.
 *
 * @example
 * ```ts
 * const runs = new RunStore(dal, "DataService.Migrations", "PlayerData");
 * runs.save(run);
 * ```
 */
export class RunStore {
	constructor(
		private readonly dal: DataAccessLayer,
		private readonly store: string,
		private readonly chain: string,
	) {}

	/** Writes the run and its line in the index. Yields. */
	save(run: MigrationRun): void {
		this.dal.updateNow<MigrationRun>({ store: this.store, key: `run/${run.id}` }, () => run, {
			priority: "normal",
		});
		this.dal.updateNow<Array<RunSummary>>(
			{ store: this.store, key: `runs/${this.chain}` },
			(index) => {
				const list = [...(index ?? [])];
				const line: RunSummary = { id: run.id, state: run.state, startedAt: run.startedAt, dryRun: run.dryRun };
				const at = list.findIndex((r) => r.id === run.id);
				if (at >= 0) {
					if (list[at].state === line.state) return undefined;
					list[at] = line;
				} else list.push(line);
				return list;
			},
			{ priority: "normal" },
		);
	}

	/** The run recorded under `id`, or undefined. Yields. */
	load(id: string): MigrationRun | undefined {
		return this.dal.read<MigrationRun>({ store: this.store, key: `run/${id}` }).expect()?.data;
	}

	/** The chain's runs, oldest first. Yields. */
	list(): ReadonlyArray<RunSummary> {
		return this.dal.read<Array<RunSummary>>({ store: this.store, key: `runs/${this.chain}` }).expect()?.data ?? [];
	}

	/** Writes a chunk of pre-images. Yields. */
	saveChunk(id: string, n: number, chunk: PreImageChunk): void {
		this.dal.updateNow<PreImageChunk>({ store: this.store, key: `run/${id}/${n}` }, () => chunk, {
			priority: "normal",
		});
	}

	/**
	 * Removes `key`'s pre-image from chunk `n` (right to erasure); true when it was there. Yields.
	 */
	eraseFromChunk(id: string, n: number, key: string): boolean {
		let found = false;
		this.dal.updateNow<PreImageChunk>(
			{ store: this.store, key: `run/${id}/${n}` },
			(chunk) => {
				found = chunk?.[key] !== undefined;
				if (!found) return undefined;
				const rest = { ...chunk };
				delete rest[key];
				return rest;
			},
			{ priority: "normal" },
		);
		return found;
	}

	/** A chunk of pre-images, or undefined when it was never written. Yields. */
	loadChunk(id: string, n: number): PreImageChunk | undefined {
		return this.dal.read<PreImageChunk>({ store: this.store, key: `run/${id}/${n}` }).expect()?.data;
	}
}
