import type { BackupRing } from "shared/core/backup/BackupRing";
import { dataStoreWrites, storedValue } from "../harness/Cloud";
import { freshWorld, serviceServer, stopServers, waitUntil } from "./support";

const STORES = ["DataService.Backups", "DataService.Backups.Secondary"];

/** The times of a player's backups in either store, oldest first, each once. */
function backupTimes(playerId: number): Array<number> {
	const seen = new Map<string, number>();
	for (const store of STORES) {
		const ring = (storedValue(store, tostring(playerId)) as { d?: BackupRing } | undefined)?.d;
		if (ring !== undefined) for (const e of ring.e) seen.set(e.i, e.t);
	}
	const times = new Array<number>();
	for (const [, t] of seen) times.push(t);
	times.sort((a, b) => a < b);
	return times;
}

/** Backup writes (both stores) to a player's keys so far. */
function backupWrites(playerId: number): number {
	let n = 0;
	for (const store of STORES) for (const w of dataStoreWrites(store)) if (w.key === tostring(playerId)) n += 1;
	return n;
}

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	it("backs each player up 300 s after their own last backup, and a leaving player with one write", () => {
		const { service } = serviceServer({ enableBackups: true });
		const backups = service.GetBackupManager()!;
		service.LoadPlayerData(8501).expect();
		service.LoadPlayerData(8502).expect();
		const started = os.time();
		// 8501 starts playing at once, 8502 100 s later; both change every 20 s until 1,100 s.
		let firstChange8502 = 0;
		for (let t = 0; t < 1100; t += 20) {
			service.UpdatePlayerData(8501, { coins: t + 1 }).expect();
			if (t >= 100) {
				if (firstChange8502 === 0) firstChange8502 = os.time();
				service.UpdatePlayerData(8502, { coins: t + 1 }).expect();
			}
			task.wait(20);
		}
		for (const [id, from] of [
			[8501, started],
			[8502, firstChange8502],
		]) {
			const times = backupTimes(id);
			expect(times.size()).to.equal(3);
			// The first 300 s after the player's first change, then every 300 s: not on a server-wide pass.
			expect(math.abs(times[0] - (from + 300)) <= 2).to.equal(true);
			for (let i = 1; i < times.size(); i++) expect(math.abs(times[i] - times[i - 1] - 300) <= 2).to.equal(true);
		}
		// 3 backups, one staggered write each (the 3rd backup's second copy is still owed).
		expect(backupWrites(8501)).to.equal(3);
		// 8501 leaves with changes not backed up yet: one write, at once, then no longer tracked; the second
		// copy of that last backup is skipped (the released profile holds the same state).
		service.UpdatePlayerData(8501, { coins: 5000 }).expect();
		service.ReleasePlayer(8501).expect();
		expect(waitUntil(() => backups.GetStatistics().trackedPlayers === 1, 40)).to.equal(true);
		expect(backupWrites(8501)).to.equal(4);
		expect(backups.GetStatistics().finalCopiesSkipped).to.equal(1);
		task.wait(600);
		expect(backupWrites(8501)).to.equal(4);
		expect(backupTimes(8501).size()).to.equal(4);
	});
};
