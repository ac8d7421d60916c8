import type { ConsistencyReport } from "server/services/DataService";
import { configureDataStoreFaults } from "../harness/Cloud";
import { now } from "../harness/World";
import { freshWorld, savedData, stopServers } from "../service/support";
import { ItemData, itemServer, rewriteStored, seedSword } from "./support";

/** The uniqueness index's hash map (DataService's default name), read and written from the spec. */
function ownerOf(itemId: string): unknown {
	return game.GetService("MemoryStoreService").GetHashMap("DataService.ItemOwners").GetAsync(itemId);
}

function holdsStored(userId: number, itemId: string): boolean {
	const data = savedData(userId) as unknown as ItemData | undefined;
	return data !== undefined && data.items.some((item) => item.id === itemId);
}

export = () => {
	beforeEach(() => freshWorld());
	afterEach(() => {
		configureDataStoreFaults({});
		stopServers();
	});

	it("reports a duplicate whose other holder had not saved it yet, once the 90 s recheck sees it saved", () => {
		seedSword(7101, "x1");
		const first = itemServer();
		first.service.LoadPlayerData(7101).expect();
		first.service.LoadPlayerData(7102).expect();
		// 7101 drops the sword (its index entry is released) and leaves; a stale save of its data from before
		// the drop lands after the release.
		first.service.UpdatePlayerData(7101, { items: [], equipped: "" } as never).expect();
		first.service.ReleasePlayer(7101).expect();
		task.wait(10);
		rewriteStored(7101, (data) => (data.items = [{ id: "x1", item: "sword" }]));
		// 7102 picks the sword up with a durable update; a DataStore latency spike holds every request 7102's
		// server starts in the next 8 s (its save, queued behind ProfileService's write cooldown, among them)
		// 40 s on the wire: the index says 7102 at once, the store shows it only later.
		const start = now();
		configureDataStoreFaults({ spikes: [{ start, stop: start + 8, extra: 40 }] });
		task.spawn(() =>
			first.service
				.UpdatePlayerData(7102, { items: [{ id: "x1", item: "sword" }] } as never, { durable: true })
				.await(),
		);
		task.wait(9);
		configureDataStoreFaults({});
		expect(ownerOf("x1")).to.equal(7102);
		const reports = new Array<ConsistencyReport>();
		const second = itemServer({ consistency: { onReport: (report) => reports.push(report) } });
		second.service.LoadPlayerData(7101).expect();
		const checker = second.service.GetConsistencyChecker()!;
		// The check on load saw the transient state: the index names 7102, whose stored data lacks the sword.
		expect(holdsStored(7102, "x1")).to.equal(false);
		expect(checker.GetStatistics().duplicates).to.equal(0);
		expect(reports.size()).to.equal(0);
		const loadedAt = now();
		// No other check runs (no schedule): only the recheck, 90 s after the load's claim, can report it.
		task.wait(60);
		expect(holdsStored(7102, "x1")).to.equal(true);
		expect(checker.GetStatistics().duplicates).to.equal(0);
		task.wait(loadedAt + 95 - now());
		expect(checker.GetStatistics().duplicates).to.equal(1);
		expect(reports.size()).to.equal(1);
		const dupe = reports[0].issues[0];
		expect(reports[0].playerId).to.equal(7101);
		expect(dupe.kind).to.equal("duplicateItem");
		expect(dupe.value).to.equal(7102);
		expect(dupe.message.find("x1", 1, true)[0] !== undefined).to.equal(true);
	});

	it("takes over a stale index entry, reporting nothing, once the recheck shows the other holder lacks it", () => {
		seedSword(7103, "x3");
		seedSword(7104, "y4");
		// What a crash leaves behind: 7104's server claimed x3 (a pickup) and died before saving it.
		game.GetService("MemoryStoreService").GetHashMap("DataService.ItemOwners").SetAsync("x3", 7104, 3600);
		const reports = new Array<ConsistencyReport>();
		const { service } = itemServer({ consistency: { onReport: (report) => reports.push(report) } });
		service.LoadPlayerData(7103).expect();
		const checker = service.GetConsistencyChecker()!;
		expect(ownerOf("x3")).to.equal(7104);
		task.wait(95);
		expect(checker.GetStatistics().duplicates).to.equal(0);
		expect(reports.size()).to.equal(0);
		expect(ownerOf("x3")).to.equal(7103);
	});

	it("claims only the items a change hands over, for an hour: a load looks its items up and writes nothing", () => {
		__runtime.TestRunner.setTimeLimit(7200);
		// The pickup hands 7105 the sword: claimed, until the claim expires an hour later.
		seedSword(7105, "z5");
		expect(ownerOf("z5")).to.equal(7105);
		task.wait(3600);
		expect(ownerOf("z5")).to.equal(undefined);
		const { service } = itemServer();
		service.LoadPlayerData(7105).expect();
		service.LoadPlayerData(7106).expect();
		task.wait(5);
		// Claiming every loaded player's items would fill the experience's MemoryStore memory (64 KB + 1.2 KB
		// per user, shared with the session locks and handoffs).
		expect(ownerOf("z5")).to.equal(undefined);
		service
			.Trade(7105, 7106, (a, b) => [
				{ ...a, items: [], equipped: "" } as never,
				{ ...b, items: (a as unknown as ItemData).items } as never,
			])
			.expect();
		task.wait(5);
		expect(ownerOf("z5")).to.equal(7106);
	});
};
