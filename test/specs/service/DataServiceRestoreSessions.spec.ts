import type { AuditBatch, AuditEntry } from "shared/core/AuditLogger";
import type { RestoreResult } from "shared/core/BackupManager";
import { dataStoreWrites, storedValue } from "../harness/Cloud";
import { withFaults } from "../harness/Faults";
import { freshWorld, savedData, serviceServer, stopServers, waitUntil } from "./support";

const AUDIT = "DataService.Audit";

/** Every audit entry the trail holds, read raw from the cloud. */
function auditEntries(): Array<AuditEntry> {
	const seen = new Set<string>();
	const out = new Array<AuditEntry>();
	for (const write of dataStoreWrites(AUDIT)) {
		if (seen.has(write.key)) continue;
		seen.add(write.key);
		for (const entry of (storedValue(AUDIT, write.key) as { d: AuditBatch }).d.entries) out.push(entry);
	}
	return out;
}

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	it("audits a restore: one restore entry naming the player, the backup and the fields it changed", () => {
		const { server, service } = serviceServer({ enableBackups: true, enableAuditing: true });
		service.LoadPlayerData(8401).expect();
		service.LoadPlayerData(8402).expect();
		service.UpdatePlayerData(8401, { coins: 100 }).expect();
		service.UpdatePlayerData(8402, { gems: 7 }).expect();
		const backups = service.GetBackupManager()!;
		const good = server.run(() => backups.CreateBackup(8401, "good").expect());
		const later = server.run(() => backups.CreateBackup(8402, "good").expect());
		task.wait(2);
		service.UpdatePlayerData(8401, { coins: 500 }).expect();
		service.UpdatePlayerData(8402, { gems: 9 }).expect();
		task.wait(2);
		server.run(() => backups.RestorePlayer(8401, good.time).expect());
		server.run(() => backups.RestorePlayers([8401, 8402], later.time, { keep: ["level"] }).expect());
		expect(server.shutdown()).to.equal("completed");
		const restores = auditEntries().filter((e) => e.type === "restore");
		expect(restores.size()).to.equal(2);
		const single = restores[0];
		expect(single.players.join(",")).to.equal("8401");
		expect(single.context!.source).to.equal("restore");
		expect(single.context!.backupId).to.equal(good.id);
		expect(single.changes!.size()).to.equal(1);
		expect(single.changes![0].path).to.equal("coins");
		expect(single.changes![0].before).to.equal(500);
		expect(single.changes![0].after).to.equal(100);
		// The rollback of both is one entry over both players, naming each one's backup.
		const both = restores[1];
		expect(both.players.join(",")).to.equal("8401,8402");
		expect((both.context!.backups as string).find(`8401:${good.id}`, 1, true)[0] !== undefined).to.equal(true);
		expect(both.changes!.map((c) => `${c.player}.${c.path}:${c.before}>${c.after}`).join(",")).to.equal(
			"8402.gems:9>7",
		);
	});

	it("restores an online player through their session and an offline one through the session lock", () => {
		const a = serviceServer({ enableBackups: true });
		const b = serviceServer({ enableBackups: true });
		a.service.LoadPlayerData(8411).expect();
		a.service.UpdatePlayerData(8411, { coins: 100 }).expect();
		const backupsA = a.service.GetBackupManager()!;
		const good = a.server.run(() => backupsA.CreateBackup(8411, "good").expect());
		task.wait(2);
		a.service.UpdatePlayerData(8411, { coins: 300 }).expect();
		// Online, on the server that holds them: through the pipeline, the session stays.
		a.server.run(() => backupsA.RestorePlayer(8411, good.time).expect());
		expect(a.service.GetPlayerData(8411)!.coins).to.equal(100);
		expect(waitUntil(() => savedData(8411)?.coins === 100, 30)).to.equal(true);
		a.service.UpdatePlayerData(8411, { coins: 700 }).expect();
		a.service.ReleasePlayer(8411).expect();
		// Offline, from another server: it takes the session lock, restores, saves and lets go.
		const backupsB = b.service.GetBackupManager()!;
		const done = b.server.run(() => backupsB.RestorePlayer(8411, good.time, { offline: true }).expect());
		expect(done.applied).to.equal(true);
		expect(b.service.GetPlayerData(8411)).to.equal(undefined);
		expect(waitUntil(() => savedData(8411)?.coins === 100, 30)).to.equal(true);
		// Next join anywhere sees the restored data.
		expect(a.service.LoadPlayerData(8411).expect().coins).to.equal(100);
	});

	it("a player who joins another server mid-restore gets the restored data, or the restore is refused: never lost", () => {
		const delays = [0, 0.1, 0.3, 0.6, 1, 1.5, 2.5, 4];
		const seen = new Map<string, number>();
		delays.forEach((delay, i) => {
			const id = 8420 + i;
			const operator = serviceServer({ enableBackups: true });
			const home = serviceServer({ enableBackups: true });
			home.service.LoadPlayerData(id).expect();
			home.service.UpdatePlayerData(id, { coins: 100 }).expect();
			const backups = home.service.GetBackupManager()!;
			const good = home.server.run(() => backups.CreateBackup(id, "good").expect());
			task.wait(2);
			home.service.UpdatePlayerData(id, { coins: 300 }).expect();
			home.service.ReleasePlayer(id).expect();
			// DataStore latency so the join lands inside the restore's load, pipeline and save.
			withFaults({ dataStore: { latency: { min: 0.1, max: 0.4 } } }, () => {
				let outcome: [boolean, unknown] | undefined;
				const opBackups = operator.service.GetBackupManager()!;
				operator.server.spawn(() => {
					const [ok, value] = opBackups.RestorePlayer(id, good.time, { offline: true }).await();
					outcome = [ok, value];
				});
				task.wait(delay);
				// The join starts while the restore is under way (loading, restoring or saving).
				if (outcome === undefined) seen.set("overlapped", (seen.get("overlapped") ?? 0) + 1);
				const joined = home.service.LoadPlayerData(id).expect();
				expect(waitUntil(() => outcome !== undefined, 120)).to.equal(true);
				const [ok, value] = outcome!;
				if (ok) {
					expect((value as RestoreResult).applied).to.equal(true);
					// The restore finished before the join's load: the player sees it, and keeps it.
					expect(joined.coins).to.equal(100);
				} else {
					// Refused (the join took the player first): nothing changed, nothing to see.
					expect(joined.coins).to.equal(300);
				}
				task.wait(1);
				expect(home.service.GetPlayerData(id)!.coins).to.equal(joined.coins);
				const key = ok ? "restored" : "refused";
				seen.set(key, (seen.get(key) ?? 0) + 1);
			});
			stopServers();
		});
		// The joins landed inside the restore; DataService lets the restore finish before it lets go of the
		// player (its operation holds the lock), so here every one saw the restored data.
		expect((seen.get("overlapped") ?? 0) >= 4).to.equal(true);
		expect(seen.get("restored") !== undefined).to.equal(true);
	});
};
