import type { BackupManager } from "shared/core/BackupManager";
import { canonicalJson } from "shared/core/dal/Canonical";
import { dataStoreWrites, resetCloud, storedValue } from "../../test/specs/harness/Cloud";
import { configureFaults } from "../../test/specs/harness/Faults";
import { newServer, stopOtherServers } from "../../test/specs/harness/World";
import { Bench } from "./harness/Bench";
import { percentile } from "./harness/percentile";
import { playerHours } from "./harness/playerHours";

type ServiceModule = typeof import("server/services/DataService");
type ManagerModule = typeof import("shared/core/BackupManager");
type DalModule = typeof import("shared/core/DataAccessLayer");
type Data = { coins: number; gems: number; level: number; inventory: Record<string, number> };
type PsProfile = { Data: Data; Release(): void; Save(): void };
type PsStore = { LoadProfileAsync(key: string, handler: string): PsProfile | undefined };
type PsModule = { GetProfileStore: (this: void, name: string, template: object) => PsStore };

const TEMPLATE: Data = { coins: 0, gems: 0, level: 1, inventory: {} };
const PLAYERS = 8;
const MINUTES = 20;

/**
 * Backups: DataStore requests per player-hour with backups on (staggered), off, and ProfileService alone;
 * stored characters per player-day against the profile's size; the recovery point in a one-hour 100-player
 * world; restore latency through the write pipeline. Each figure beside its goal.
 */
export = (bench: Bench) => {
	stopOtherServers();
	configureFaults({});
	resetCloud();

	// ProfileService alone.
	const psServer = newServer({ runScripts: false, faultImmune: true });
	const ps = psServer.require<PsModule>("ReplicatedStorage/rbxts_include/node_modules/@rbxts/profileservice/src");
	const psStore = psServer.run(() => ps.GetProfileStore("PlayerData", TEMPLATE));
	const psProfiles = new Map<number, PsProfile>();
	const psRate = playerHours(
		PLAYERS,
		MINUTES,
		{
			load: (id) =>
				psProfiles.set(
					id,
					psServer.run(() => psStore.LoadProfileAsync(`Player_${id}`, "ForceLoad")!),
				),
			earn: (id, coins) => (psProfiles.get(id)!.Data.coins = coins),
			buy: (id, gems) => {
				psProfiles.get(id)!.Data.gems = gems;
				psProfiles.get(id)!.Save();
			},
			leave: (id) => psServer.run(() => psProfiles.get(id)!.Release()),
		},
		1000,
	);

	let sessionWrites = 0;
	const serviceRate = (enableBackups: boolean, base: number): number => {
		const server = newServer({ runScripts: false, faultImmune: true });
		const module = server.require<ServiceModule>("ServerScriptService/TS/services/DataService");
		const service = server.run(
			() => new module.DataService<Data>({ warnings: false, bindPlayers: false, enableBackups }),
		);
		task.wait(0.5);
		const rate = playerHours(
			PLAYERS,
			MINUTES,
			{
				load: (id) => server.run(() => service.LoadPlayerData(id).expect()),
				earn: (id, coins) => server.run(() => service.UpdatePlayerData(id, { coins }).expect()),
				buy: (id, gems) => server.run(() => service.UpdatePlayerData(id, { gems }, { durable: true }).expect()),
				leave: (id) => server.run(() => service.ReleasePlayer(id).expect()),
			},
			base,
		);
		if (enableBackups) {
			// Every backup write of the sessions, the ones after they left included (the window above ends
			// 30 s after the leave, before the pass that backs up a leaving player's last changes).
			const backups = service.GetBackupManager()!;
			for (let waited = 0; waited < 400 && backups.GetStatistics().trackedPlayers > 0; waited += 5) task.wait(5);
			for (const write of dataStoreWrites()) {
				const id = tonumber(write.key) ?? 0;
				if (write.name.find("DataService.Backups")[0] === 1 && id > base && id <= base + PLAYERS)
					sessionWrites += 1;
			}
		}
		return rate;
	};
	const offRate = serviceRate(false, 2000);
	const onRate = serviceRate(true, 3000);
	bench.record(`ProfileService alone: requests per player-hour (${PLAYERS} players, ${MINUTES} min)`, psRate, "");
	bench.record("DataService, backups off: requests per player-hour", offRate, "");
	bench.record("DataService, backups on (staggered): requests per player-hour", onRate, "");
	bench.ratio(
		"backup requests per player-hour (on - off), goal: one per 5 min",
		onRate - offRate,
		12,
		"<= 1 (12 a player-hour)",
	);
	bench.ratio(
		`backup writes per player-hour over ${MINUTES}-minute sessions, leave included`,
		sessionWrites / ((PLAYERS * MINUTES) / 60),
		12,
		"<= 1 (12 a player-hour)",
	);
	stopOtherServers();
	resetCloud();

	// A one-hour 100-player world on one BackupManager: each player changes every 30 s; the recovery point
	// (age of the oldest newest-backup) sampled every 10 s once the first pass is done.
	const server = newServer({ runScripts: false, faultImmune: true });
	const managers = server.require<ManagerModule>("ReplicatedStorage/TS/core/BackupManager");
	const dals = server.require<DalModule>("ReplicatedStorage/TS/core/DataAccessLayer");
	const backups: BackupManager = server.run(
		() =>
			new managers.BackupManager({
				dataAccessLayer: new dals.DataAccessLayer({ warnings: false }),
				warnings: false,
			}),
	);
	const profile = (id: number, t: number): Data => ({
		coins: id * 1000 + t,
		gems: t % 97,
		level: 1 + math.floor(t / 600),
		inventory: { sword: id % 5, shield: (id + t) % 3, [`relic_${id}`]: 1 },
	});
	server.run(() => backups.Start());
	const points = new Array<number>();
	for (let t = 0; t < 3600; t += 10) {
		if (t % 30 === 0) for (let id = 1; id <= 100; id++) backups.NoteChange(id, profile(id, t));
		task.wait(10);
		if (t >= 310) points.push(backups.GetStatistics().recoveryPoint ?? 0);
	}
	server.run(() => backups.Stop());
	const stats = backups.GetStatistics();
	bench.record("100-player hour: automatic backups", stats.automatic, "");
	bench.record("100-player hour: backup writes per player-hour", stats.writeRequests / 100, "");
	bench.ratio("100-player hour: recovery point p50", percentile(points, 0.5), 300, "<= 1 (300 s)");
	bench.ratio("100-player hour: recovery point p99", percentile(points, 0.99), 300, "<= 1.1 (330 s)");
	let ringCharacters = 0;
	for (const store of ["DataService.Backups", "DataService.Backups.Secondary"]) {
		ringCharacters += canonicalJson(storedValue(store, "1")).size();
	}
	const profileSize = canonicalJson(profile(1, 3590)).size();
	bench.record("profile size (JSON characters)", profileSize, "");
	bench.record("stored per player-day (both rings, projected from one hour)", ringCharacters * 24, "characters");
	bench.ratio(
		"stored per player-day / profile size",
		ringCharacters * 24,
		profileSize,
		"report (288 backups x 2 copies)",
	);
	server.crash();
	resetCloud();

	// Restore latency through DataService (held player: pre-restore backup, pipeline, save).
	const rs = newServer({ runScripts: false, faultImmune: true });
	const module = rs.require<ServiceModule>("ServerScriptService/TS/services/DataService");
	const service = rs.run(
		() => new module.DataService<Data>({ warnings: false, bindPlayers: false, enableBackups: true }),
	);
	task.wait(0.5);
	const latencies = new Array<number>();
	for (let i = 1; i <= 10; i++) {
		const id = 9000 + i;
		rs.run(() => {
			service.LoadPlayerData(id).expect();
			service.UpdatePlayerData(id, { coins: 10 }).expect();
			const made = service.GetBackupManager()!.CreateBackup(id, "bench").expect();
			task.wait(1);
			service.UpdatePlayerData(id, { coins: 20 }).expect();
			const started = os.clock();
			service.GetBackupManager()!.RestorePlayer(id, made.time).expect();
			latencies.push(os.clock() - started);
		});
	}
	bench.ratio("restore latency p50 (virtual s)", percentile(latencies, 0.5), 1, "<= 1 (1 s)");
	bench.ratio("restore latency p99 (virtual s)", percentile(latencies, 0.99), 1, "<= 2 (2 s)");
	stopOtherServers();
	resetCloud();
};
