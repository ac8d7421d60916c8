import { AuditLogger } from "shared/core/AuditLogger";
import { dataStoreWrites, stored, storedValue } from "../harness/Cloud";
import { freshWorld, serviceServer, stopServers } from "./support";

const STORE = "DataService.Audit";

/** Every character the audit batches hold, read raw. */
function rawBatches(): string {
	const seen = new Set<string>();
	const parts = new Array<string>();
	for (const write of dataStoreWrites(STORE)) {
		if (seen.has(write.key)) continue;
		seen.add(write.key);
		parts.push(stored(STORE, write.key)!.json);
	}
	return parts.join("\n");
}

/** The promise's value, or an error carrying its rejection's message. */
function must<T>(what: string, promise: Promise<T>): T {
	const [ok, value] = promise.await();
	if (!ok) error(`${what}: ${tostring((value as { message?: string }).message ?? value)}`, 2);
	return value as T;
}

function contains(haystack: string, needle: string): boolean {
	return haystack.find(needle, 1, true)[0] !== undefined;
}

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => stopServers());

	it("ErasePlayer removes the profile, inbox, backups and audit content of a player, and the trail verifies", () => {
		const { server, service } = serviceServer({ enableAuditing: true, enableBackups: true });
		service.LoadPlayerData(9401).expect();
		service.LoadPlayerData(9402).expect();
		service.IncrementPlayerData(9402, { coins: 5 }).expect();
		service.IncrementPlayerData(9401, { coins: 777 }, { source: "quest", questId: "secret-quest" }).expect();
		// The quest update reaches 9401's index key (written once its ref is indexInterval, 900 s, old); the
		// gift below stays unindexed: the erasure must find both.
		service.GetAuditLogger()!.Flush().expect();
		task.wait(905);
		expect(storedValue("DataService.Audit.Players", "9401")).never.to.equal(undefined);
		must("gift", service.SendGift(9402, 9401, { coins: 1 }, { source: "gift-9402" }));
		// A gift from 9401: its transaction record is filed under 9401 (DataAccessLayer.Transactions.9401).
		must("gift back", service.SendGift(9401, 9402, { coins: 2 }));
		const records = new Set(dataStoreWrites("DataAccessLayer.Transactions.9401").map((w) => w.key));
		expect(records.size() >= 1).to.equal(true);
		const othersRecords = new Set(dataStoreWrites("DataAccessLayer.Transactions.9402").map((w) => w.key));
		expect(othersRecords.size() >= 1).to.equal(true);
		must("backup", service.GetBackupManager()!.CreateBackup(9401, "before"));
		service.ReleasePlayer(9402).expect();
		const audit = service.GetAuditLogger()!;
		audit.Flush().expect();
		expect(storedValue("PlayerData", "Player_9401")).never.to.equal(undefined);
		expect(storedValue("DataService.Backups", "9401")).never.to.equal(undefined);
		expect(storedValue("DataService.Audit.Players", "9401")).never.to.equal(undefined);
		expect(contains(rawBatches(), "secret-quest")).to.equal(true);

		const erased = must("erasure", service.ErasePlayer(9401, "ticket-1"));
		expect(erased.profile).to.equal(true);
		expect(erased.backups).to.equal(true);
		// The quest update and the gift (which names 9401 as its recipient); deliveries too.
		expect(erased.auditEntries >= 2).to.equal(true);
		expect(storedValue("PlayerData", "Player_9401")).to.equal(undefined);
		expect(storedValue("DataService.Inbox", "9401")).to.equal(undefined);
		expect(storedValue("DataService.Backups", "9401")).to.equal(undefined);
		expect(storedValue("DataService.Backups.Secondary", "9401")).to.equal(undefined);
		expect(storedValue("DataService.Audit.Players", "9401")).to.equal(undefined);
		for (const key of records) expect(storedValue("DataAccessLayer.Transactions.9401", key)).to.equal(undefined);
		// The other player's data stays.
		expect(storedValue("PlayerData", "Player_9402")).never.to.equal(undefined);
		for (const key of othersRecords)
			expect(storedValue("DataAccessLayer.Transactions.9402", key)).never.to.equal(undefined);
		expect(server.shutdown()).to.equal("completed");
		const raw = rawBatches();
		expect(contains(raw, "secret-quest")).to.equal(false);
		expect(contains(raw, "9401")).to.equal(false);
		expect(contains(raw, "playerErased")).to.equal(true);
		expect(contains(raw, "ticket-1")).to.equal(true);
		const checker = new AuditLogger({ bindToClose: false, streamId: "checker" });
		const verdict = checker.VerifyAuditTrail().expect();
		expect(verdict.ok).to.equal(true);
		expect(verdict.erased >= 2).to.equal(true);
	});
};
