import { describeFailure } from "./EnvelopeSource";
import { migrationError } from "./MigrationError";
import type { MigrationRun, PreImageChunk, RunStore } from "./MigrationRun";
import type { MigrationSource } from "./MigrationSource";

/** How a rollback waits out DataStore failures (seconds). */
export interface RollbackRetry {
	/** Retries of a key whose write kept failing through the DataAccessLayer's own retries (default 4). */
	readonly retries: number;
	/** The wait before the first retry; it doubles each retry (default 15: 15, 30, 60, 120). */
	readonly delay: number;
}

/** The defaults of {@link RollbackRetry}: about 9 minutes with the DataAccessLayer's 60 s per attempt. */
export const DEFAULT_ROLLBACK_RETRY: RollbackRetry = { retries: 4, delay: 15 };

type Outcome = "done" | "it is gone" | "a live session holds it" | "it changed after the migration";

/**
 * Rolls a run back: each key the run migrated gets its pre-migration image back, in one UpdateAsync that
 * applies only while the key still holds exactly what the run wrote and no session holds it; the others
 * are listed in `notRolledBack` with the reason. Idempotent and resumable: a key already holding its
 * pre-image counts as rolled back, and the run is checkpointed every `pageSize` keys.
 *
 * A DataStore failure is not a reason to give a key up: a write that kept failing through the
 * DataAccessLayer's retries is retried with backoff (`retry`); when the DataStore is still failing after
 * that, the rollback stops where it is, records the run as `rollingBack` (when the DataStore lets it) and
 * throws `StoreFailed`; calling it again resumes with the keys not restored yet.
 *
 * @internal DataMigrationTool.rollback is the public entry.
 * @throws MigrationError `StoreFailed` when the DataStore kept failing (the run stays resumable).
 */
export function rollbackRun(
	run: MigrationRun,
	runs: RunStore,
	source: MigrationSource,
	stamp: (image: object) => string,
	clock: () => number,
	pageSize = 50,
	retry: RollbackRetry = DEFAULT_ROLLBACK_RETRY,
): MigrationRun {
	const chunks = new Map<number, PreImageChunk>();
	const keys = new Array<string>();
	for (const [key] of pairs(run.migrated)) keys.push(key as string);
	keys.sort();
	let sinceCheckpoint = 0;
	const checkpoint = () => {
		sinceCheckpoint = 0;
		run.updatedAt = clock();
		runs.save(run);
	};
	for (const key of keys) {
		if (run.rolledBack.includes(key) || run.notRolledBack[key] !== undefined) continue;
		const entry = run.migrated[key];
		let chunk = chunks.get(entry.chunk);
		if (chunk === undefined) {
			chunk = runs.loadChunk(run.id, entry.chunk) ?? {};
			chunks.set(entry.chunk, chunk);
		}
		const pre = chunk[key]?.pre;
		if (pre === undefined) {
			run.notRolledBack[key] = "its pre-migration image is missing";
			continue;
		}
		const preStamp = stamp(pre);
		let outcome = "it is gone" as Outcome;
		const restore = () =>
			source.update(key, (current) => {
				if (current === undefined) {
					outcome = "it is gone";
					return undefined;
				}
				const now = stamp(current.image);
				if (now === preStamp) {
					outcome = "done";
					return undefined;
				}
				if (current.held) {
					outcome = "a live session holds it";
					return undefined;
				}
				if (now !== entry.post) {
					outcome = "it changed after the migration";
					return undefined;
				}
				outcome = "done";
				return pre;
			});
		let [ok, err] = pcall(restore);
		for (let attempt = 1; !ok && attempt <= retry.retries; attempt++) {
			task.wait(retry.delay * 2 ** (attempt - 1));
			[ok, err] = pcall(restore);
		}
		if (!ok) {
			run.state = "rollingBack";
			// The DataStore may still be down: the keys restored since the last checkpoint are found again by
			// their pre-image on the next call, so a failed save loses nothing.
			pcall(checkpoint);
			throw migrationError(
				"StoreFailed",
				`rollback of run ${run.id} stopped at ${key} after ${retry.retries + 1} tries: the DataStore kept ` +
					`failing (${describeFailure(err)}); ${run.rolledBack.size()} key(s) restored so far, call ` +
					`rollback again to resume`,
			);
		}
		if (outcome === "done") run.rolledBack.push(key);
		else run.notRolledBack[key] = outcome;
		sinceCheckpoint += 1;
		if (sinceCheckpoint >= pageSize) {
			run.state = "rollingBack";
			checkpoint();
		}
	}
	run.state = "rolledBack";
	run.rolledBackAt = clock();
	checkpoint();
	return run;
}
