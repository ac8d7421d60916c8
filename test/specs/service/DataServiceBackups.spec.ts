import { BackupManager, EncodingLike } from "shared/core/BackupManager";
import type { BackupRing } from "shared/core/backup/BackupRing";
import { DataAccessLayer } from "shared/core/DataAccessLayer";
import { storedValue } from "../harness/Cloud";
import { freshWorld, GameData, rejection, savedData, serviceServer, stopServers, waitUntil } from "./support";

const PRIMARY = "DataService.Backups";
const EncodingService = game.GetService("EncodingService");

function ring(playerId: number): BackupRing | undefined {
	return (storedValue(PRIMARY, tostring(playerId)) as { d?: BackupRing } | undefined)?.d;
}

/** The EncodingService, with compression that fails while `broken.on` is true. */
function switchableEncoding(broken: { on: boolean }): EncodingLike {
	return {
		ComputeBufferHash(input, algorithm) {
			return EncodingService.ComputeBufferHash(input, algorithm);
		},
		CompressBuffer(input, algorithm) {
			if (broken.on) error("compressor down");
			return EncodingService.CompressBuffer(input, algorithm);
		},
		DecompressBuffer(input, algorithm) {
			return EncodingService.DecompressBuffer(input, algorithm);
		},
		Base64Encode(input) {
			return EncodingService.Base64Encode(input);
		},
		Base64Decode(input) {
			return EncodingService.Base64Decode(input);
		},
	};
}

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	it("restores a held player through the pipeline as a restore change, backing up the replaced data first", () => {
		const { server, service } = serviceServer({ enableBackups: true });
		const kinds = new Array<string>();
		service.AddStage({ name: "recorder", slot: "audit", observe: (change) => kinds.push(change.kind) });
		service.LoadPlayerData(7001).expect();
		service.UpdatePlayerData(7001, { coins: 100 }).expect();
		const backups = service.GetBackupManager()!;
		const good = server.run(() => backups.CreateBackup(7001, "good").expect());
		task.wait(2);
		service.UpdatePlayerData(7001, { coins: 500 }).expect();
		task.wait(2);
		const done = server.run(() => backups.RestorePlayer(7001, good.time).expect());
		expect(done.applied).to.equal(true);
		expect(done.backup.id).to.equal(good.id);
		expect(done.diff!.size()).to.equal(1);
		expect(service.GetPlayerData(7001)!.coins).to.equal(100);
		expect(kinds.includes("restore")).to.equal(true);
		// The pre-restore backup holds what the restore replaced, so the restore can be undone.
		const stats = backups.GetStatistics();
		expect(stats.preUpdate).to.equal(1);
		expect(stats.restores).to.equal(1);
		const undo = server.run(() => backups.RestorePlayer(7001, math.huge, { dryRun: true }).expect());
		expect((undo.data as GameData).coins).to.equal(500);
		expect(waitUntil(() => savedData(7001)?.coins === 100, 30)).to.equal(true);
	});

	it("restores a player no server holds by loading them under the session lock, then releasing", () => {
		const { server, service } = serviceServer({ enableBackups: true });
		service.LoadPlayerData(7005).expect();
		service.UpdatePlayerData(7005, { coins: 100 }).expect();
		const backups = service.GetBackupManager()!;
		const good = server.run(() => backups.CreateBackup(7005, "good").expect());
		task.wait(2);
		service.UpdatePlayerData(7005, { coins: 300 }).expect();
		service.ReleasePlayer(7005).expect();
		expect(waitUntil(() => savedData(7005)?.coins === 300, 30)).to.equal(true);
		const [, notHeld] = server.run(() => backups.RestorePlayer(7005, good.time).await());
		expect((notHeld as { kind: string }).kind).to.equal("NotHeld");
		const done = server.run(() => backups.RestorePlayer(7005, good.time, { offline: true }).expect());
		expect(done.applied).to.equal(true);
		expect(service.GetPlayerData(7005)).to.equal(undefined);
		expect(waitUntil(() => savedData(7005)?.coins === 100, 30)).to.equal(true);
	});

	it("backs up every 5 minutes only the players whose data changed", () => {
		const { service } = serviceServer({ enableBackups: true });
		service.LoadPlayerData(7002).expect();
		service.LoadPlayerData(7003).expect();
		service.UpdatePlayerData(7002, { coins: 5 }).expect();
		task.wait(301);
		expect(ring(7002)?.e.size()).to.equal(1);
		expect(ring(7002)!.e[0].k).to.equal("automatic");
		expect(ring(7003)).to.equal(undefined);
		task.wait(300);
		expect(ring(7002)!.e.size()).to.equal(1);
		expect(service.GetBackupManager()!.GetStatistics().automatic).to.equal(1);
		// A change just before leaving is backed up by the next pass, then the player is no longer tracked.
		service.UpdatePlayerData(7002, { coins: 6 }).expect();
		service.ReleasePlayer(7002).expect();
		const backups = service.GetBackupManager()!;
		expect(waitUntil(() => backups.GetStatistics().trackedPlayers === 0, 310)).to.equal(true);
		expect(ring(7002)!.e.size()).to.equal(2);
		expect(backups.GetStatistics().automatic).to.equal(2);
	});

	it("with backupBeforeUpdates, backs up before a flagged change and refuses it when the backup fails", () => {
		const broken = { on: false };
		const backups = new BackupManager({
			dataAccessLayer: new DataAccessLayer({ warnings: false }),
			encoding: switchableEncoding(broken),
			warnings: false,
		});
		const { service } = serviceServer({ backupBeforeUpdates: true }, { backupManager: backups });
		service.LoadPlayerData(7004).expect();
		service.UpdatePlayerData(7004, { coins: 10 }).expect();
		expect(ring(7004)).to.equal(undefined);
		service.UpdatePlayerData(7004, { coins: 20 }, { source: "admin", backup: true }).expect();
		expect(ring(7004)!.e.size()).to.equal(1);
		expect(ring(7004)!.e[0].k).to.equal("preUpdate");
		const before = backups.RestorePlayer(7004, math.huge, { dryRun: true }).expect();
		expect((before.data as GameData).coins).to.equal(10);
		broken.on = true;
		const err = rejection(service.UpdatePlayerData(7004, { coins: 30 }, { source: "admin", backup: true }));
		expect(err.kind).to.equal("Refused");
		expect(err.message.find("compressor down")[0] !== undefined).to.equal(true);
		expect(service.GetPlayerData(7004)!.coins).to.equal(20);
		// Without backupBeforeUpdates nothing is automatic either: enableBackups is off.
		expect(backups.GetStatistics().automatic).to.equal(0);
	});
};
