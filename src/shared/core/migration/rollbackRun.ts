import type { MigrationRun, PreImageChunk, RunStore } from "./MigrationRun";
import type { MigrationSource } from "./MigrationSource";

/**
 * Rolls a run back: each key the run migrated gets its pre-migration image back, in one UpdateAsync that
 * applies only while the key still holds exactly what the run wrote and no session holds it; the others
 * are listed in `notRolledBack` with the reason. Idempotent and resumable: a key already holding its
 * pre-image counts as rolled back, and the run is checkpointed every `pageSize` keys.
 *
 * @internal DataMigrationTool.rollback is the public entry.
 */
export function rollbackRun(
	run: MigrationRun,
	runs: RunStore,
	source: MigrationSource,
	stamp: (image: object) => string,
	clock: () => number,
	pageSize = 50,
): MigrationRun {
	const chunks = new Map<number, PreImageChunk>();
	const keys = new Array<string>();
	for (const [key] of pairs(run.migrated)) keys.push(key as string);
	keys.sort();
	let sinceCheckpoint = 0;
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
		let outcome = "it is gone";
		const [ok, err] = pcall(() =>
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
			}),
		);
		if (!ok)
			run.notRolledBack[key] =
				`the DataStore kept failing: ${tostring((err as { message?: string }).message ?? err)}`;
		else if (outcome === "done") run.rolledBack.push(key);
		else run.notRolledBack[key] = outcome;
		sinceCheckpoint += 1;
		if (sinceCheckpoint >= pageSize) {
			sinceCheckpoint = 0;
			run.updatedAt = clock();
			runs.save(run);
		}
	}
	run.state = "rolledBack";
	run.rolledBackAt = clock();
	run.updatedAt = clock();
	runs.save(run);
	return run;
}
