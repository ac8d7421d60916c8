import type { ConsistencyReport } from "server/services/DataService";
import { canonicalJson } from "shared/core/dal/Canonical";
import { freshWorld, savedData, stopServers } from "../service/support";
import { ItemData, itemServer, newestBackup, rewriteStored } from "./support";

function stored(userId: number): ItemData {
	return savedData(userId) as unknown as ItemData;
}

/** Rewrites a released player's whole stored envelope (data and marks), as a writer outside DataService does. */
function rewriteEnvelope(userId: number, change: (envelope: Record<string, unknown>) => void): void {
	const store = game.GetService("DataStoreService").GetDataStore("PlayerData");
	store.UpdateAsync(`Player_${userId}`, (value: unknown) => {
		const raw = value as { Data: Record<string, unknown> };
		change(raw.Data);
		return $tuple(raw);
	});
}

/** A player who played one session (earned 500, level 40) and left. */
function played(userId: number): void {
	const { service } = itemServer();
	service.LoadPlayerData(userId).expect();
	service.UpdatePlayerData(userId, { earned: 500, level: 40 } as never).expect();
	service.ReleasePlayer(userId).expect();
	task.wait(10);
}

/** A server checking on load whose reports land in `reports`. */
function watched(reports: Array<ConsistencyReport>) {
	return itemServer({ consistency: { onReport: (report) => reports.push(report) } });
}

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	it("catches a monotonic field lowered while the player was offline and clamps it back after a backup", () => {
		played(7201);
		rewriteStored(7201, (data) => (data.earned = 20));
		const corrupt = canonicalJson(stored(7201));
		const reports = new Array<ConsistencyReport>();
		const { service } = watched(reports);
		const data = service.LoadPlayerData(7201).expect() as unknown as ItemData;
		expect(data.earned).to.equal(500);
		expect(reports.size()).to.equal(1);
		const found = reports[0].issues.find((i) => i.path === "earned")!;
		expect(found.kind).to.equal("wentBack");
		expect(found.category).to.equal("temporal");
		expect(found.message.find("lower than the 500", 1, true)[0] !== undefined).to.equal(true);
		expect(reports[0].repair?.applied).to.equal(true);
		const backup = newestBackup(service, 7201);
		expect(backup.kind).to.equal("emergency");
		expect(backup.json).to.equal(corrupt);
	});

	it("keeps the floor across a session that changes other fields, and moves it up with the field", () => {
		played(7202);
		const { service } = itemServer();
		service.LoadPlayerData(7202).expect();
		service.IncrementPlayerData(7202, { coins: 5, earned: 30 }).expect();
		service.ReleasePlayer(7202).expect();
		task.wait(10);
		rewriteStored(7202, (data) => (data.earned = 510));
		const reports = new Array<ConsistencyReport>();
		const data = watched(reports).service.LoadPlayerData(7202).expect() as unknown as ItemData;
		expect(data.earned).to.equal(530);
		expect(reports.size()).to.equal(1);
		expect(reports[0].issues[0].value).to.equal(530);
	});

	it("reports a top-level field deleted while the player was offline, before Reconcile refills it", () => {
		played(7203);
		rewriteStored(7203, (data) => delete data.level);
		const corrupt = canonicalJson(stored(7203));
		const reports = new Array<ConsistencyReport>();
		const { service } = watched(reports);
		const data = service.LoadPlayerData(7203).expect() as unknown as ItemData;
		expect(data.level).to.equal(1);
		expect(reports.size()).to.equal(1);
		const found = reports[0].issues[0];
		expect(found.kind).to.equal("missingField");
		expect(found.category).to.equal("structural");
		expect(found.path).to.equal("level");
		expect(found.message.find("level was deleted", 1, true)[0] !== undefined).to.equal(true);
		// The emergency backup holds the data as stored, without the field: the repair undoes exactly.
		const backup = newestBackup(service, 7203);
		expect(backup.json).to.equal(corrupt);
		expect(service.RunConsistencyCheck(7203).expect().ok).to.equal(true);
	});

	it("refuses the load and leaves the stored data as it was when the deleted field cannot be backed up first", () => {
		played(7204);
		rewriteStored(7204, (data) => delete data.level);
		const { service } = itemServer({ enableBackups: false });
		const [ok, err] = service.LoadPlayerData(7204).await();
		expect(ok).to.equal(false);
		expect((err as { kind: string }).kind).to.equal("InvalidData");
		expect((err as { message: string }).message.find("level", 1, true)[0] !== undefined).to.equal(true);
		task.wait(3);
		expect(stored(7204).level).to.equal(undefined);
	});

	it("does not flag a field the template gained since the player's last save", () => {
		played(7205);
		// Saved by a version of the game whose template had no lastLogin: neither the data nor the marks hold it.
		rewriteEnvelope(7205, (envelope) => {
			delete (envelope.data as Record<string, unknown>).lastLogin;
			const marks = envelope.marks as { fields: Array<string> };
			marks.fields = marks.fields.filter((field) => field !== "lastLogin");
		});
		const reports = new Array<ConsistencyReport>();
		const data = watched(reports).service.LoadPlayerData(7205).expect() as unknown as ItemData;
		expect(data.lastLogin).to.equal(0);
		expect(data.level).to.equal(40);
		expect(reports.size()).to.equal(0);
	});

	it("does not flag a monotonic field a restore lowered on purpose", () => {
		const { service } = itemServer();
		service.LoadPlayerData(7206).expect();
		service.UpdatePlayerData(7206, { earned: 100 } as never).expect();
		const manager = service.GetBackupManager()!;
		task.wait(2);
		const early = manager.EmergencyBackupOf(7206, service.GetPlayerData(7206) as object, "spec").expect();
		task.wait(5);
		service.UpdatePlayerData(7206, { earned: 900 } as never).expect();
		manager.RestorePlayer(7206, early.time).expect();
		expect((service.GetPlayerData(7206) as unknown as ItemData).earned).to.equal(100);
		service.ReleasePlayer(7206).expect();
		task.wait(10);
		const reports = new Array<ConsistencyReport>();
		const data = watched(reports).service.LoadPlayerData(7206).expect() as unknown as ItemData;
		expect(data.earned).to.equal(100);
		expect(reports.size()).to.equal(0);
	});
};
