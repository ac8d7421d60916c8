import { BackupManager } from "shared/core/BackupManager";
import type { BackupRing } from "shared/core/backup/BackupRing";
import { DataAccessLayer } from "shared/core/DataAccessLayer";
import { EmergencyBackups } from "server/services/data/EmergencyBackups";
import type { HealthStatus } from "server/services/data/DataServiceTypes";
import { storedValue } from "../harness/Cloud";
import { rejection } from "../harness/Promises";
import type { BackupError } from "shared/core/BackupManager";
import { freshWorld, serviceServer, stopServers } from "./support";

const PRIMARY = "DataService.Backups";
const SECONDARY = "DataService.Backups.Secondary";

function ring(store: string, playerId: number): BackupRing | undefined {
	return (storedValue(store, tostring(playerId)) as { d?: BackupRing } | undefined)?.d;
}

function manager(): BackupManager {
	return new BackupManager({ dataAccessLayer: new DataAccessLayer({ warnings: false }), warnings: false });
}

/** A budget source that reports `left` for every request type. */
function budgetOf(left: number) {
	return { GetRequestBudgetForRequestType: () => left };
}

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	it("backs up the changed players once when the health turns critical, again only after it recovered", () => {
		const backups = manager();
		const health = { status: "healthy" as HealthStatus["status"] };
		const emergencies = new EmergencyBackups(backups, () => health.status, budgetOf(100));
		backups.NoteChange(1, { coins: 1 });
		backups.NoteChange(2, { coins: 2 });
		expect(emergencies.check()).to.equal(0);
		health.status = "critical";
		expect(emergencies.check()).to.equal(2);
		backups.NoteChange(1, { coins: 3 });
		expect(emergencies.check()).to.equal(0);
		health.status = "degraded";
		expect(emergencies.check()).to.equal(0);
		health.status = "critical";
		expect(emergencies.check()).to.equal(1);
		const stored = ring(PRIMARY, 1)!;
		expect(stored.e.size()).to.equal(2);
		expect(stored.e[1].k).to.equal("emergency");
		expect(stored.e[1].l).to.equal("critical state");
		expect(ring(SECONDARY, 1)!.e.size()).to.equal(2);
		expect(backups.GetStatistics().emergency).to.equal(3);
	});

	it("at shutdown backs up only as many changed players as the budget covers after the release saves", () => {
		const backups = manager();
		for (let p = 1; p <= 5; p++) backups.NoteChange(p, { coins: p });
		// 9 writes left, 3 saves first: 6 left, two per player (both copies): 3 players.
		expect(new EmergencyBackups(backups, () => "healthy", budgetOf(9)).atShutdown(3)).to.equal(3);
		expect(backups.ChangedPlayers().size()).to.equal(2);
		expect(new EmergencyBackups(backups, () => "healthy", budgetOf(4)).atShutdown(3)).to.equal(0);
		expect(new EmergencyBackups(backups, () => "healthy", budgetOf(100)).atShutdown(3)).to.equal(2);
		expect(backups.ChangedPlayers().size()).to.equal(0);
	});

	it("CreateBackup takes a kind, so the ConsistencyChecker can back up before a repair", () => {
		const backups = manager();
		backups.NoteChange(9, { coins: 9 });
		const done = backups.CreateBackup(9, "before repair of coins", "preUpdate").expect();
		expect(done.kind).to.equal("preUpdate");
		expect(ring(PRIMARY, 9)!.e[0].l).to.equal("before repair of coins");
		expect(backups.GetStatistics().preUpdate).to.equal(1);
		const err = rejection<BackupError>(backups.CreateBackup(9, "x", "automatic"));
		expect(err.kind).to.equal("InvalidArgument");
		expect(err.message.find('got "automatic"', 1, true)[0] !== undefined).to.equal(true);
	});

	it("DataService with enableBackups backs up a player's unsaved changes when the server shuts down", () => {
		const { server, service } = serviceServer({ enableBackups: true });
		service.LoadPlayerData(7101).expect();
		service.UpdatePlayerData(7101, { coins: 77 }).expect();
		expect(ring(PRIMARY, 7101)).to.equal(undefined);
		server.shutdown();
		const stored = ring(PRIMARY, 7101)!;
		expect(stored.e.size()).to.equal(1);
		expect(stored.e[0].k).to.equal("emergency");
		expect(stored.e[0].l).to.equal("shutdown");
		expect(ring(SECONDARY, 7101)!.e.size()).to.equal(1);
	});
};
