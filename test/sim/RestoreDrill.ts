import type { DataService } from "server/services/DataService";
import { canonicalJson } from "shared/core/dal/Canonical";
import { newServer, now } from "../specs/harness/World";

type ServiceModule = typeof import("server/services/DataService");
type Data = { coins: number; gems: number; level: number; inventory: Record<string, number> };

/** One line of the verdict. */
export interface DrillCheck {
	readonly name: string;
	readonly ok: boolean;
	readonly detail: string;
}

/**
 * npm start's restore drill, under the session's DataStore faults: on a server with backups on, each player
 * is loaded, backed up, hit by a bad update, restored to the backup's time through the write pipeline, and the
 * restore is checked (the data equals the backed-up state) and undone in a dry run (the pre-restore backup
 * holds the bad update). Reports how many matched and the restore latency in virtual seconds.
 */
export function restoreDrill(playerIds: ReadonlyArray<number>): DrillCheck {
	const server = newServer({ runScripts: false, faultImmune: true });
	const module = server.require<ServiceModule>("ServerScriptService/TS/services/DataService");
	const service: DataService<Data> = server.run(
		() => new module.DataService<Data>({ warnings: false, enableBackups: true }),
	);
	task.wait(0.5);
	let matched = 0;
	const problems = new Array<string>();
	const latencies = new Array<number>();
	for (const id of playerIds) {
		const [ok, err] = server.run(() =>
			pcall(() => {
				service.LoadPlayerData(id).expect();
				const good = canonicalJson(service.GetPlayerData(id));
				const backups = service.GetBackupManager()!;
				const made = backups.CreateBackup(id, "drill").expect();
				task.wait(1);
				const bad = service.GetPlayerData(id)!.coins + 1_000_000;
				service.UpdatePlayerData(id, { coins: bad }).expect();
				const started = now();
				backups.RestorePlayer(id, made.time).expect();
				latencies.push(now() - started);
				const undo = backups.RestorePlayer(id, math.huge, { dryRun: true }).expect();
				const restored = canonicalJson(service.GetPlayerData(id));
				service.ReleasePlayer(id).expect();
				if (restored !== good) return `${id}: restored ${restored}, backed up ${good}`;
				if ((undo.data as Data).coins !== bad) return `${id}: the undo would give ${(undo.data as Data).coins}`;
				return undefined;
			}),
		);
		if (!ok) problems.push(`${id}: ${tostring(err)}`);
		else if (err !== undefined) problems.push(err);
		else matched += 1;
	}
	server.shutdown();
	latencies.sort((a, b) => a < b);
	const median = latencies.size() > 0 ? latencies[math.floor(latencies.size() / 2)] : 0;
	return {
		name: "a restore brings back the backed-up state and can be undone",
		ok: problems.size() === 0,
		detail:
			`${matched} of ${playerIds.size()} players restored exactly, median restore ${string.format("%.2f", median)} s` +
			(problems.size() > 0 ? `; ${problems.join("; ")}` : ""),
	};
}
